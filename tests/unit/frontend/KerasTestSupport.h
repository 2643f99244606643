// Helpers for the Keras front-end tests: operands, evaluation through the reference interpreter,
// and an oracle for batch_dot written straight from its definition (tf_keras' own test reference:
// a per-sample np.tensordot over the contracted axes), independent of the IR.
#pragma once

#include "ProgramTestSupport.h"
#include "frontend/Frontends.h"
#include "reference/Interpreter.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace einjit::test {

/// out[b, x's free axes…, y's free axes…] = Σ_k x[b, …k at a0…] · y[b, …k at a1…], by loops over
/// the output and k. A rank-1 result is (B, 1), as tf_keras' test expands it.
inline std::vector<double> batchDotByLoops(const Shape& xShape, const Shape& yShape, std::size_t a0,
                                           std::size_t a1, const std::vector<double>& x,
                                           const std::vector<double>& y) {
  std::vector<std::size_t> xFree;
  std::vector<std::size_t> yFree;
  Shape outShape{xShape[0]};
  for (std::size_t d = 1; d < xShape.size(); ++d)
    if (d != a0) {
      xFree.push_back(d);
      outShape.push_back(xShape[d]);
    }
  for (std::size_t d = 1; d < yShape.size(); ++d)
    if (d != a1) {
      yFree.push_back(d);
      outShape.push_back(yShape[d]);
    }
  std::vector<double> out(static_cast<std::size_t>(elementCount(outShape)));
  std::vector<std::int64_t> outIndex(outShape.size(), 0);
  for (double& value : out) {
    std::vector<std::int64_t> xIndex(xShape.size(), 0);
    std::vector<std::int64_t> yIndex(yShape.size(), 0);
    xIndex[0] = yIndex[0] = outIndex[0];
    for (std::size_t f = 0; f < xFree.size(); ++f)
      xIndex[xFree[f]] = outIndex[1 + f];
    for (std::size_t f = 0; f < yFree.size(); ++f)
      yIndex[yFree[f]] = outIndex[1 + xFree.size() + f];
    for (std::int64_t k = 0; k < xShape[a0]; ++k) {
      xIndex[a0] = yIndex[a1] = k;
      value += x[static_cast<std::size_t>(offsetOf(xShape, xIndex))] *
               y[static_cast<std::size_t>(offsetOf(yShape, yIndex))];
    }
    for (std::size_t d = outShape.size(); d-- > 0;) {
      if (++outIndex[d] < outShape[d])
        break;
      outIndex[d] = 0;
    }
  }
  return out;
}

} // namespace einjit::test
