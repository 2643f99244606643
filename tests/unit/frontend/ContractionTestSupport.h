// Helpers for the numpy / TensorFlow / torch call tests: operands, evaluation through the reference
// interpreter, and oracles for tensordot and matmul written by loops straight from their
// definitions (SEMANTICS.md §3.2, §6.1), independent of the IR and of the lowering.
#pragma once

#include "ProgramTestSupport.h"
#include "frontend/Frontends.h"
#include "reference/Interpreter.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace einjit::test::contraction {

/// Advances a row-major multi-index; false after the last one.
inline bool advance(std::vector<std::int64_t>& index, const Shape& shape) {
  for (std::size_t d = shape.size(); d-- > 0;) {
    if (++index[d] < shape[d])
      return true;
    index[d] = 0;
  }
  return false;
}

/// tensordot by loops: out[a's free axes…, b's free axes…] = Σ over the contracted axis pairs
/// (a axis, b axis), all normalised, extents equal.
inline std::vector<double>
tensordotByLoops(const Shape& aShape, const Shape& bShape,
                 const std::vector<std::pair<std::size_t, std::size_t>>& pairs,
                 const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<bool> aContracted(aShape.size(), false);
  std::vector<bool> bContracted(bShape.size(), false);
  Shape sumShape;
  for (const auto& [axisA, axisB] : pairs) {
    aContracted[axisA] = bContracted[axisB] = true;
    sumShape.push_back(aShape[axisA]);
  }
  std::vector<std::size_t> aFree;
  std::vector<std::size_t> bFree;
  Shape outShape;
  for (std::size_t d = 0; d < aShape.size(); ++d)
    if (!aContracted[d]) {
      aFree.push_back(d);
      outShape.push_back(aShape[d]);
    }
  for (std::size_t d = 0; d < bShape.size(); ++d)
    if (!bContracted[d]) {
      bFree.push_back(d);
      outShape.push_back(bShape[d]);
    }
  std::vector<double> out(static_cast<std::size_t>(elementCount(outShape)), 0.0);
  if (out.empty() || elementCount(sumShape) == 0)
    return out;
  std::vector<std::int64_t> outIndex(outShape.size(), 0);
  for (double& value : out) {
    std::vector<std::int64_t> aIndex(aShape.size(), 0);
    std::vector<std::int64_t> bIndex(bShape.size(), 0);
    for (std::size_t f = 0; f < aFree.size(); ++f)
      aIndex[aFree[f]] = outIndex[f];
    for (std::size_t f = 0; f < bFree.size(); ++f)
      bIndex[bFree[f]] = outIndex[aFree.size() + f];
    std::vector<std::int64_t> sumIndex(sumShape.size(), 0);
    do {
      for (std::size_t t = 0; t < pairs.size(); ++t)
        aIndex[pairs[t].first] = bIndex[pairs[t].second] = sumIndex[t];
      value += a[static_cast<std::size_t>(offsetOf(aShape, aIndex))] *
               b[static_cast<std::size_t>(offsetOf(bShape, bIndex))];
    } while (advance(sumIndex, sumShape));
    advance(outIndex, outShape);
  }
  return out;
}

/// matmul by loops for operands of rank >= 2 (promote 1-D operands before calling): batch
/// dims broadcast right-aligned, `transposeA` / `transposeB` read the last two dims swapped.
/// Returns the values in C order of `outShape`.
inline std::vector<double> matmulByLoops(const Shape& aShape, const Shape& bShape, bool transposeA,
                                         bool transposeB, const std::vector<double>& a,
                                         const std::vector<double>& b, Shape* outShape) {
  std::size_t ra = aShape.size();
  std::size_t rb = bShape.size();
  std::int64_t n = transposeA ? aShape[ra - 1] : aShape[ra - 2];
  std::int64_t k = transposeA ? aShape[ra - 2] : aShape[ra - 1];
  std::int64_t m = transposeB ? bShape[rb - 2] : bShape[rb - 1];
  std::size_t batchRank = std::max(ra, rb) - 2;
  Shape batch(batchRank, 1);
  for (std::size_t back = 1; back <= batchRank; ++back) {
    std::int64_t extentA = back + 2 <= ra ? aShape[ra - 2 - back] : 1;
    std::int64_t extentB = back + 2 <= rb ? bShape[rb - 2 - back] : 1;
    batch[batchRank - back] = extentA == 1 ? extentB : extentA;
  }
  *outShape = batch;
  outShape->push_back(n);
  outShape->push_back(m);
  std::vector<double> out;
  std::vector<std::int64_t> batchIndex(batchRank, 0);
  auto operandIndex = [&](const Shape& shape, std::int64_t row, std::int64_t column,
                          bool transposed) {
    std::vector<std::int64_t> index(shape.size(), 0);
    std::size_t own = shape.size() - 2;
    for (std::size_t d = 0; d < own; ++d)
      index[d] = shape[d] == 1 ? 0 : batchIndex[batchRank - own + d];
    index[own] = transposed ? column : row;
    index[own + 1] = transposed ? row : column;
    return offsetOf(shape, index);
  };
  do {
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t j = 0; j < m; ++j) {
        double sum = 0;
        for (std::int64_t p = 0; p < k; ++p)
          sum += a[static_cast<std::size_t>(operandIndex(aShape, i, p, transposeA))] *
                 b[static_cast<std::size_t>(operandIndex(bShape, p, j, transposeB))];
        out.push_back(sum);
      }
  } while (batchRank > 0 && advance(batchIndex, batch));
  return out;
}

} // namespace einjit::test::contraction
