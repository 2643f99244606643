// `einjit run --check`: compares the JIT's result with the reference interpreter's, element by
// element, within a tolerance that depends on the dtype.
#pragma once

#include "einjit/tensor.h"

#include <string>

namespace einjit::cli {

/// How far a computed tensor is from the reference one.
struct CheckResult {
  bool matches = true;
  double maxAbsError = 0; ///< over all elements
  double maxRelError = 0; ///< over the elements whose reference value is not zero
  double tolerance = 0;   ///< an element passes when its error <= tolerance * scale
  double scale = 0;       ///< the largest finite |reference| element
  Shape worstIndex;       ///< the element with the largest error (empty for a scalar)
  std::string worstComputed;
  std::string worstReference;
};

/// Compares two views of one dtype and shape (any strides). Floating-point and complex dtypes
/// pass when every error is within the dtype's tolerance (1e-2 for bf16, 2e-3 for f16, 1e-4 for
/// f32 and c64, 1e-10 for f64 and c128) times the largest |reference| element, and NaN and
/// infinities agree; integer dtypes must match exactly.
CheckResult compareWithReference(const TensorView& computed, const TensorView& reference);

/// "max abs error 1.2e-07, max rel error 3e-08 (f32 tolerance 0.0001 x max |reference| 12)".
std::string errorSummary(const CheckResult& result, DType dtype);

} // namespace einjit::cli
