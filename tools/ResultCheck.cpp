#include "ResultCheck.h"

#include "einjit/error.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdio>
#include <limits>
#include <sstream>
#include <type_traits>

namespace einjit::cli {

namespace {

// Both views are walked in C order of their shared shape, each with its own strides.
template <class Visit>
void forEachElement(const TensorView& a, const TensorView& b, Visit&& visit) {
  const Shape& shape = a.shape();
  if (elementCount(shape) == 0)
    return;
  Shape index(shape.size(), 0);
  while (true) {
    std::int64_t offsetA = 0;
    std::int64_t offsetB = 0;
    for (std::size_t d = 0; d < shape.size(); ++d) {
      offsetA += index[d] * a.strides()[d];
      offsetB += index[d] * b.strides()[d];
    }
    visit(index, offsetA, offsetB);
    std::size_t d = shape.size();
    while (d > 0 && ++index[d - 1] == shape[d - 1])
      index[--d] = 0;
    if (d == 0)
      return;
  }
}

template <class T>
std::string valueText(const T& value) {
  std::ostringstream os;
  os.precision(std::is_same_v<T, float> || std::is_same_v<T, std::complex<float>> ? 9 : 17);
  os << value;
  return os.str();
}

template <class T>
bool isNaN(const T& value) {
  if constexpr (std::is_integral_v<T>)
    return false;
  else if constexpr (std::is_floating_point_v<T>)
    return std::isnan(value);
  else
    return std::isnan(value.real()) || std::isnan(value.imag());
}

template <class T>
bool isFinite(const T& value) {
  if constexpr (std::is_integral_v<T>)
    return true;
  else if constexpr (std::is_floating_point_v<T>)
    return std::isfinite(value);
  else
    return std::isfinite(value.real()) && std::isfinite(value.imag());
}

// |value| without the overflow of std::abs at the most negative integer.
template <class T>
double magnitudeOf(const T& value) {
  if constexpr (std::is_integral_v<T>)
    return std::abs(static_cast<double>(value));
  else
    return static_cast<double>(std::abs(value));
}

template <class T>
inline constexpr bool kIsHalf = std::is_same_v<T, bfloat16> || std::is_same_v<T, float16>;

// bf16 and f16 values are compared as the floats they hold exactly.
template <class T>
auto comparable(const T& value) {
  if constexpr (kIsHalf<T>)
    return static_cast<float>(value);
  else
    return value;
}

template <class T>
double toleranceOf() {
  // bf16 and f16: both sides round once into 8 (11) significant bits, from sums that differ in
  // the last bits of f32 (JIT) and double (interpreter): one unit in the last place, 2^-7
  // (2^-10), of the largest element apart at most.
  if constexpr (std::is_integral_v<T>)
    return 0;
  else if constexpr (std::is_same_v<T, bfloat16>)
    return 1e-2;
  else if constexpr (std::is_same_v<T, float16>)
    return 2e-3;
  else if constexpr (std::is_same_v<T, float> || std::is_same_v<T, std::complex<float>>)
    return 1e-4;
  else
    return 1e-10;
}

// The error of one element: exact for integers (no rounding through double), infinite where
// NaN or an infinity is not matched, and the distance otherwise.
template <class T>
double elementError(const T& computed, const T& reference) {
  if (isNaN(reference) || !isFinite(reference))
    return (isNaN(reference) ? isNaN(computed) : computed == reference)
               ? 0
               : std::numeric_limits<double>::infinity();
  if (!isFinite(computed))
    return std::numeric_limits<double>::infinity();
  if constexpr (std::is_integral_v<T>)
    return computed == reference
               ? 0
               : std::max(1.0,
                          std::abs(static_cast<double>(computed) - static_cast<double>(reference)));
  else
    return static_cast<double>(std::abs(computed - reference));
}

} // namespace

CheckResult compareWithReference(const TensorView& computed, const TensorView& reference) {
  if (computed.dtype() != reference.dtype() || computed.shape() != reference.shape())
    throw Error(ErrorKind::Internal,
                "check: the JIT result is " + std::string(dtypeName(computed.dtype())) + " " +
                    shapeToPython(computed.shape()) + " but the interpreter's is " +
                    std::string(dtypeName(reference.dtype())) + " " +
                    shapeToPython(reference.shape()));
  CheckResult result;
  visitDType(computed.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* computedData = static_cast<const T*>(computed.data());
    const T* referenceData = static_cast<const T*>(reference.data());
    result.tolerance = toleranceOf<T>();
    forEachElement(computed, reference, [&](const Shape&, std::int64_t, std::int64_t at) {
      auto value = comparable(referenceData[at]);
      if (isFinite(value))
        result.scale = std::max(result.scale, magnitudeOf(value));
    });
    double worstError = -1;
    forEachElement(computed, reference, [&](const Shape& index, std::int64_t c, std::int64_t r) {
      auto computedValue = comparable(computedData[c]);
      auto referenceValue = comparable(referenceData[r]);
      double error = elementError(computedValue, referenceValue);
      double magnitude = magnitudeOf(referenceValue);
      result.maxAbsError = std::max(result.maxAbsError, error);
      if (magnitude != 0 && isFinite(referenceValue))
        result.maxRelError = std::max(result.maxRelError, error / magnitude);
      if (error > result.tolerance * result.scale)
        result.matches = false;
      if (error > worstError) {
        worstError = error;
        result.worstIndex = index;
        result.worstComputed = valueText(computedValue);
        result.worstReference = valueText(referenceValue);
      }
    });
  });
  return result;
}

std::string errorSummary(const CheckResult& result, DType dtype) {
  char buffer[200];
  std::snprintf(buffer, sizeof buffer, "max abs error %.3g, max rel error %.3g (%s ",
                result.maxAbsError, result.maxRelError, std::string(dtypeName(dtype)).c_str());
  std::string text = buffer;
  if (isInteger(dtype))
    return text + "must match exactly)";
  std::snprintf(buffer, sizeof buffer, "tolerance %.3g x max |reference| %.6g)", result.tolerance,
                result.scale);
  return text + buffer;
}

} // namespace einjit::cli
