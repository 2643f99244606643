// The suite's hand mappings onto a BLAS-like library, shared by the OpenBLAS, BLIS and oneMKL
// peers: the permuting copies, the loop over batch, the three-operand paths. `Ops` supplies
// row-major gemm(transposeB, m, n, k, a, lda, b, ldb, c, ldc) and dot(n, x, y) for float and
// double, and where the library has them gemm overloads with bfloat16 or float16 A and B and a
// float C (the low-precision cases: GEMM recipes only). Scratch buffers are allocated when a peer
// is built, so a timed call does only what a BLAS user's call would: the permuting copies and the
// GEMMs.
#pragma once

#include "Peers.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace einjit::bench {

/// Copies a row-major tensor into the row-major layout of its axes taken in `order`. The copy
/// walks the destination in order, so when the last axis stays last the inner loop is a
/// contiguous run.
template <class T>
void permuteCopy(const T* source, const Shape& shape, const std::vector<int>& order, T* target) {
  std::size_t rank = shape.size();
  Strides sourceStrides = rowMajorStrides(shape);
  Shape targetShape(rank);
  Strides walkStrides(rank);
  for (std::size_t axis = 0; axis < rank; ++axis) {
    targetShape[axis] = shape[static_cast<std::size_t>(order[axis])];
    walkStrides[axis] = sourceStrides[static_cast<std::size_t>(order[axis])];
  }
  std::int64_t innerExtent = targetShape.back();
  std::int64_t innerStride = walkStrides.back();
  std::int64_t outerCount = elementCount(targetShape) / innerExtent;
  std::vector<std::int64_t> counter(rank, 0);
  std::int64_t sourceOffset = 0;
  for (std::int64_t outer = 0; outer < outerCount; ++outer) {
    const T* from = source + sourceOffset;
    if (innerStride == 1)
      std::copy(from, from + innerExtent, target);
    else
      for (std::int64_t e = 0; e < innerExtent; ++e)
        target[e] = from[e * innerStride];
    target += innerExtent;
    for (std::size_t axis = rank - 1; axis-- > 0;) {
      sourceOffset += walkStrides[axis];
      if (++counter[axis] < targetShape[axis])
        break;
      sourceOffset -= walkStrides[axis] * targetShape[axis];
      counter[axis] = 0;
    }
  }
}

/// The operands of a GEMM mapping as the GEMM reads them: A and B copied into their permuted
/// layouts where the mapping says so (into buffers allocated once, when the peer is built), else
/// the inputs themselves.
template <class T>
class GemmOperands {
public:
  explicit GemmOperands(const BenchCase& benchCase)
      : mapping_(benchCase.gemm), shapeA_(benchCase.shapes[0]), shapeB_(benchCase.shapes[1]),
        scratchA_(std::make_shared<std::vector<T>>(
            mapping_.permuteA.empty() ? 0 : static_cast<std::size_t>(elementCount(shapeA_)))),
        scratchB_(std::make_shared<std::vector<T>>(
            mapping_.permuteB.empty() ? 0 : static_cast<std::size_t>(elementCount(shapeB_)))) {}

  /// A and B for one call, permuted where needed.
  std::pair<const T*, const T*> operator()(const std::vector<const void*>& inputs) const {
    const T* a = static_cast<const T*>(inputs[0]);
    const T* b = static_cast<const T*>(inputs[1]);
    if (!mapping_.permuteA.empty()) {
      permuteCopy(a, shapeA_, mapping_.permuteA, scratchA_->data());
      a = scratchA_->data();
    }
    if (!mapping_.permuteB.empty()) {
      permuteCopy(b, shapeB_, mapping_.permuteB, scratchB_->data());
      b = scratchB_->data();
    }
    return {a, b};
  }

private:
  GemmMapping mapping_;
  Shape shapeA_;
  Shape shapeB_;
  std::shared_ptr<std::vector<T>> scratchA_;
  std::shared_ptr<std::vector<T>> scratchB_;
};

namespace blasrecipes {

using Index = std::int64_t;

/// The GEMM recipe with inputs of type T and an output of type C (float for 16-bit inputs).
template <class Ops, class T, class C = T>
PeerRun gemmPeer(const BenchCase& benchCase) {
  const GemmMapping& mapping = benchCase.gemm;
  GemmOperands<T> operands(benchCase);
  auto offsets = std::make_shared<const std::vector<GemmOffsets>>(gemmBatchOffsets(mapping));
  Index lda = leadingA(mapping);
  Index ldb = leadingB(mapping);
  return [mapping, operands, offsets, lda, ldb](const std::vector<const void*>& inputs, void* out) {
    auto [a, b] = operands(inputs);
    C* c = static_cast<C*>(out);
    for (const GemmOffsets& offset : *offsets)
      Ops::gemm(mapping.transposeB, mapping.m, mapping.n, mapping.k, a + offset.a, lda,
                b + offset.b, ldb, c + offset.c, mapping.n);
  };
}

template <class Ops, class T>
PeerRun bilinearPeer(Index b, Index i, Index j) {
  auto product = std::make_shared<std::vector<T>>(static_cast<std::size_t>(b * j));
  return [=](const std::vector<const void*>& inputs, void* out) {
    const T* left = static_cast<const T*>(inputs[0]);
    const T* middle = static_cast<const T*>(inputs[1]);
    const T* right = static_cast<const T*>(inputs[2]);
    Ops::gemm(false, b, j, i, left, i, middle, j, product->data(), j);
    T* result = static_cast<T*>(out);
    for (Index row = 0; row < b; ++row)
      result[row] = Ops::dot(j, product->data() + row * j, right + row * j);
  };
}

template <class Ops, class T>
PeerRun chainPeer(Index i, Index j, Index k, Index l) {
  auto product = std::make_shared<std::vector<T>>(static_cast<std::size_t>(j * l));
  return [=](const std::vector<const void*>& inputs, void* out) {
    const T* first = static_cast<const T*>(inputs[0]);
    const T* second = static_cast<const T*>(inputs[1]);
    const T* third = static_cast<const T*>(inputs[2]);
    Ops::gemm(false, j, l, k, second, k, third, l, product->data(), l);
    Ops::gemm(false, i, l, j, first, j, product->data(), l, static_cast<T*>(out), l);
  };
}

template <class Ops, class T>
PeerRun rowDotPeer(Index b, Index i) {
  return [=](const std::vector<const void*>& inputs, void* out) {
    const T* x = static_cast<const T*>(inputs[0]);
    const T* y = static_cast<const T*>(inputs[1]);
    T* result = static_cast<T*>(out);
    for (Index row = 0; row < b; ++row)
      result[row] = Ops::dot(i, x + row * i, y + row * i);
  };
}

template <class Ops, class T>
PeerRun outerProductPeer(Index i, Index j) {
  return [=](const std::vector<const void*>& inputs, void* out) {
    Ops::gemm(false, i, j, 1, static_cast<const T*>(inputs[0]), 1, static_cast<const T*>(inputs[1]),
              j, static_cast<T*>(out), j);
  };
}

template <class Ops, class T>
PeerRun recipePeer(const BenchCase& benchCase) {
  const std::vector<Index>& e = benchCase.extents;
  switch (benchCase.recipe) {
  case Recipe::Gemm:
    return gemmPeer<Ops, T>(benchCase);
  case Recipe::Bilinear:
    return bilinearPeer<Ops, T>(e[0], e[1], e[2]);
  case Recipe::Chain:
    return chainPeer<Ops, T>(e[0], e[1], e[2], e[3]);
  case Recipe::RowDot:
    return rowDotPeer<Ops, T>(e[0], e[1]);
  case Recipe::OuterProduct:
    return outerProductPeer<Ops, T>(e[0], e[1]);
  }
  throw PeerUnsupported("unknown recipe");
}

} // namespace blasrecipes

namespace blasrecipes {

/// A case in bf16 or f16 (T): its GEMM recipe with an f32 C, where Ops has such a GEMM.
template <class Ops, class T>
PeerRun halfPrecisionPeer(const BenchCase& benchCase) {
  if constexpr (requires(const T* x, float* c) { Ops::gemm(false, 0, 0, 0, x, 0, x, 0, c, 0); }) {
    if (benchCase.recipe != Recipe::Gemm)
      throw PeerUnsupported("only GEMM recipes are mapped in " +
                            std::string(dtypeName(benchCase.dtype)));
    return gemmPeer<Ops, T, float>(benchCase);
  } else {
    throw PeerUnsupported("no " + std::string(dtypeName(benchCase.dtype)) +
                          " GEMM in this library's mapping");
  }
}

} // namespace blasrecipes

/// The BLAS-like peer of a case in its dtype.
template <class Ops>
PeerRun blasRecipePeer(const BenchCase& benchCase) {
  switch (benchCase.dtype) {
  case DType::f64:
    return blasrecipes::recipePeer<Ops, double>(benchCase);
  case DType::bf16:
    return blasrecipes::halfPrecisionPeer<Ops, bfloat16>(benchCase);
  case DType::f16:
    return blasrecipes::halfPrecisionPeer<Ops, float16>(benchCase);
  default:
    return blasrecipes::recipePeer<Ops, float>(benchCase);
  }
}

} // namespace einjit::bench
