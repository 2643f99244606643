#include "einjit/dtype.h"

#include <array>
#include <utility>

namespace einjit {

std::string_view dtypeName(DType dtype) {
  switch (dtype) {
  case DType::f32:
    return "f32";
  case DType::f64:
    return "f64";
  case DType::i32:
    return "i32";
  case DType::i64:
    return "i64";
  case DType::c64:
    return "c64";
  case DType::c128:
    return "c128";
  case DType::bf16:
    return "bf16";
  case DType::f16:
    return "f16";
  }
  return "?";
}

std::optional<DType> parseDType(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, DType>, 17> names{{
      {"f32", DType::f32},
      {"float32", DType::f32},
      {"f64", DType::f64},
      {"float64", DType::f64},
      {"i32", DType::i32},
      {"int32", DType::i32},
      {"i64", DType::i64},
      {"int64", DType::i64},
      {"c64", DType::c64},
      {"complex64", DType::c64},
      {"c128", DType::c128},
      {"complex128", DType::c128},
      {"bf16", DType::bf16},
      {"bfloat16", DType::bf16},
      {"f16", DType::f16},
      {"float16", DType::f16},
      {"half", DType::f16},
  }};
  for (const auto& [text, dtype] : names)
    if (text == name)
      return dtype;
  return std::nullopt;
}

std::size_t dtypeSize(DType dtype) {
  return visitDType(dtype, [](auto value) { return sizeof(value); });
}

bool isComplex(DType dtype) {
  return dtype == DType::c64 || dtype == DType::c128;
}

bool isInteger(DType dtype) {
  return dtype == DType::i32 || dtype == DType::i64;
}

bool isHalfPrecision(DType dtype) {
  return dtype == DType::bf16 || dtype == DType::f16;
}

} // namespace einjit
