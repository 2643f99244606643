// Element types einjit computes with.
#pragma once

#include <complex>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace einjit {

/// Element type of a tensor.
enum class DType : std::uint8_t { f32, f64, i32, i64, c64, c128 };

/// "f32", "f64", "i32", "i64", "c64", "c128".
std::string_view dtypeName(DType dtype);
/// Accepts the short names above and numpy's long names ("float32", "complex128", …).
std::optional<DType> parseDType(std::string_view name);
/// Bytes per element.
std::size_t dtypeSize(DType dtype);
bool isComplex(DType dtype);
bool isInteger(DType dtype);

/// The C++ type stored for a dtype.
template <DType D>
struct DTypeTraits;
template <>
struct DTypeTraits<DType::f32> {
  using type = float;
};
template <>
struct DTypeTraits<DType::f64> {
  using type = double;
};
template <>
struct DTypeTraits<DType::i32> {
  using type = std::int32_t;
};
template <>
struct DTypeTraits<DType::i64> {
  using type = std::int64_t;
};
template <>
struct DTypeTraits<DType::c64> {
  using type = std::complex<float>;
};
template <>
struct DTypeTraits<DType::c128> {
  using type = std::complex<double>;
};

/// Calls `fn(T{})` with a value of the C++ type of `dtype`; the one switch over dtypes.
template <class Fn>
decltype(auto) visitDType(DType dtype, Fn&& fn) {
  switch (dtype) {
  case DType::f32:
    return fn(float{});
  case DType::f64:
    return fn(double{});
  case DType::i32:
    return fn(std::int32_t{});
  case DType::i64:
    return fn(std::int64_t{});
  case DType::c64:
    return fn(std::complex<float>{});
  case DType::c128:
    return fn(std::complex<double>{});
  }
  return fn(float{});
}

} // namespace einjit
