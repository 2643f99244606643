// Element types einjit computes with.
#pragma once

#include <bit>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace einjit {

/// Element type of a tensor. bf16 and f16 are 16-bit storage types: einjit computes with them in
/// f32 and rounds once, to nearest even, when it stores a result (docs/semantics.md).
enum class DType : std::uint8_t { f32, f64, i32, i64, c64, c128, bf16, f16 };

/// bfloat16: the upper 16 bits of an IEEE binary32 (8 exponent bits, 7 mantissa bits).
struct bfloat16 {
  std::uint16_t bits = 0;

  bfloat16() = default;
  /// Rounds to nearest, ties to even; a NaN stays a NaN (made quiet), ±inf stays ±inf.
  explicit bfloat16(float value) {
    auto x = std::bit_cast<std::uint32_t>(value);
    if ((x & 0x7fffffffu) > 0x7f800000u)
      bits = static_cast<std::uint16_t>((x >> 16) | 0x40u);
    else
      bits = static_cast<std::uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
  }
  /// Exact.
  explicit operator float() const {
    return std::bit_cast<float>(static_cast<std::uint32_t>(bits) << 16);
  }
  static bfloat16 fromBits(std::uint16_t bits) {
    bfloat16 value;
    value.bits = bits;
    return value;
  }
};

/// IEEE binary16 (numpy's float16, C's _Float16): 5 exponent bits, 10 mantissa bits.
struct float16 {
  std::uint16_t bits = 0;

  float16() = default;
  /// Rounds to nearest, ties to even, through the subnormals; a NaN stays a NaN (made quiet);
  /// magnitudes from 65520 up become ±inf.
  explicit float16(float value) {
    auto x = std::bit_cast<std::uint32_t>(value);
    std::uint32_t sign = (x >> 16) & 0x8000u;
    std::uint32_t magnitude = x & 0x7fffffffu;
    std::uint32_t h = 0;
    if (magnitude > 0x7f800000u) {
      h = 0x7e00u | ((magnitude >> 13) & 0x3ffu);
    } else if (magnitude >= 0x477ff000u) { // 65520: halfway between 65504 and 2^16
      h = 0x7c00u;
    } else if (magnitude < 0x38800000u) { // below 2^-14: a subnormal half (or zero)
      // Adding 0.5 leaves the float's last place at 2^-24, the subnormal half's unit, so the
      // hardware's rounding (to nearest even) is the rounding wanted.
      float shifted = std::bit_cast<float>(magnitude) + 0.5f;
      h = std::bit_cast<std::uint32_t>(shifted) - 0x3f000000u;
    } else {
      // Rebias the exponent (127 -> 15) and round the 13 dropped mantissa bits to even.
      std::uint32_t odd = (magnitude >> 13) & 1u;
      h = (magnitude - 0x38000000u + 0xfffu + odd) >> 13;
    }
    bits = static_cast<std::uint16_t>(sign | h);
  }
  /// Exact.
  explicit operator float() const {
    std::uint32_t sign = static_cast<std::uint32_t>(bits & 0x8000u) << 16;
    std::uint32_t magnitude = bits & 0x7fffu;
    if (magnitude >= 0x7c00u)
      return std::bit_cast<float>(sign | 0x7f800000u | ((magnitude & 0x3ffu) << 13));
    if (magnitude >= 0x0400u)
      return std::bit_cast<float>(sign | ((magnitude << 13) + 0x38000000u));
    float subnormal = static_cast<float>(magnitude) * 0x1p-24f; // exact: magnitude < 2^10
    return sign ? -subnormal : subnormal;
  }
  static float16 fromBits(std::uint16_t bits) {
    float16 value;
    value.bits = bits;
    return value;
  }
};

static_assert(sizeof(bfloat16) == 2 && sizeof(float16) == 2);

/// "f32", "f64", "i32", "i64", "c64", "c128", "bf16", "f16".
std::string_view dtypeName(DType dtype);
/// Accepts the short names above and numpy's long names ("float32", "complex128", "bfloat16",
/// "float16", "half", …).
std::optional<DType> parseDType(std::string_view name);
/// Bytes per element.
std::size_t dtypeSize(DType dtype);
bool isComplex(DType dtype);
bool isInteger(DType dtype);
/// bf16 and f16: stored in 16 bits, computed with in f32.
bool isHalfPrecision(DType dtype);

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
template <>
struct DTypeTraits<DType::bf16> {
  using type = bfloat16;
};
template <>
struct DTypeTraits<DType::f16> {
  using type = float16;
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
  case DType::bf16:
    return fn(bfloat16{});
  case DType::f16:
    return fn(float16{});
  }
  return fn(float{});
}

} // namespace einjit
