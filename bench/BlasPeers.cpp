// OpenBLAS peers. Scratch buffers are allocated when a peer is built, so a timed call does only
// what a BLAS user's call would: the permuting copies and the GEMMs.
#include "BlasPeers.h"

#include <cblas.h>

#include <memory>

namespace einjit::bench {

namespace {

using Index = std::int64_t;

void gemm(bool transposeB, Index m, Index n, Index k, const float* a, Index lda, const float* b,
          Index ldb, float* c, Index ldc, float beta = 0.0f) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
              static_cast<blasint>(m), static_cast<blasint>(n), static_cast<blasint>(k), 1.0f, a,
              static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta, c,
              static_cast<blasint>(ldc));
}

void gemm(bool transposeB, Index m, Index n, Index k, const double* a, Index lda, const double* b,
          Index ldb, double* c, Index ldc, double beta = 0.0) {
  cblas_dgemm(CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
              static_cast<blasint>(m), static_cast<blasint>(n), static_cast<blasint>(k), 1.0, a,
              static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta, c,
              static_cast<blasint>(ldc));
}

float dot(Index n, const float* x, const float* y) {
  return cblas_sdot(static_cast<blasint>(n), x, 1, y, 1);
}
double dot(Index n, const double* x, const double* y) {
  return cblas_ddot(static_cast<blasint>(n), x, 1, y, 1);
}

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
  Index innerExtent = targetShape.back();
  Index innerStride = walkStrides.back();
  Index outerCount = elementCount(targetShape) / innerExtent;
  std::vector<Index> counter(rank, 0);
  Index sourceOffset = 0;
  for (Index outer = 0; outer < outerCount; ++outer) {
    const T* from = source + sourceOffset;
    if (innerStride == 1)
      std::copy(from, from + innerExtent, target);
    else
      for (Index e = 0; e < innerExtent; ++e)
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

template <class T>
PeerRun makeGemmPeer(const GemmMapping& mapping) {
  auto scratchA = std::make_shared<std::vector<T>>(
      mapping.permuteA.empty() ? 0 : static_cast<std::size_t>(elementCount(mapping.shapeA)));
  auto scratchB = std::make_shared<std::vector<T>>(
      mapping.permuteB.empty() ? 0 : static_cast<std::size_t>(elementCount(mapping.shapeB)));
  return [mapping, scratchA, scratchB](const std::vector<const void*>& inputs, void* out) {
    const T* a = static_cast<const T*>(inputs[0]);
    const T* b = static_cast<const T*>(inputs[1]);
    if (!mapping.permuteA.empty()) {
      permuteCopy(a, mapping.shapeA, mapping.permuteA, scratchA->data());
      a = scratchA->data();
    }
    if (!mapping.permuteB.empty()) {
      permuteCopy(b, mapping.shapeB, mapping.permuteB, scratchB->data());
      b = scratchB->data();
    }
    T* c = static_cast<T*>(out);
    Index ldb = mapping.transposeB ? mapping.k : mapping.n;
    for (Index batch = 0; batch < mapping.batch; ++batch)
      gemm(mapping.transposeB, mapping.m, mapping.n, mapping.k, a + batch * mapping.m * mapping.k,
           mapping.k, b + batch * mapping.k * mapping.n, ldb, c + batch * mapping.m * mapping.n,
           mapping.n);
  };
}

template <class T>
PeerRun makeBilinearPeer(Index b, Index i, Index j) {
  auto product = std::make_shared<std::vector<T>>(static_cast<std::size_t>(b * j));
  return [=](const std::vector<const void*>& inputs, void* out) {
    const T* left = static_cast<const T*>(inputs[0]);
    const T* middle = static_cast<const T*>(inputs[1]);
    const T* right = static_cast<const T*>(inputs[2]);
    gemm(false, b, j, i, left, i, middle, j, product->data(), j);
    T* result = static_cast<T*>(out);
    for (Index row = 0; row < b; ++row)
      result[row] = dot(j, product->data() + row * j, right + row * j);
  };
}

template <class T>
PeerRun makeChainPeer(Index i, Index j, Index k, Index l) {
  auto product = std::make_shared<std::vector<T>>(static_cast<std::size_t>(j * l));
  return [=](const std::vector<const void*>& inputs, void* out) {
    const T* first = static_cast<const T*>(inputs[0]);
    const T* second = static_cast<const T*>(inputs[1]);
    const T* third = static_cast<const T*>(inputs[2]);
    gemm(false, j, l, k, second, k, third, l, product->data(), l);
    gemm(false, i, l, j, first, j, product->data(), l, static_cast<T*>(out), l);
  };
}

template <class T>
PeerRun makeRowDotPeer(Index b, Index i) {
  return [=](const std::vector<const void*>& inputs, void* out) {
    const T* x = static_cast<const T*>(inputs[0]);
    const T* y = static_cast<const T*>(inputs[1]);
    T* result = static_cast<T*>(out);
    for (Index row = 0; row < b; ++row)
      result[row] = dot(i, x + row * i, y + row * i);
  };
}

template <class T>
PeerRun makeOuterProductPeer(Index i, Index j) {
  return [=](const std::vector<const void*>& inputs, void* out) {
    gemm(false, i, j, 1, static_cast<const T*>(inputs[0]), 1, static_cast<const T*>(inputs[1]), j,
         static_cast<T*>(out), j);
  };
}

} // namespace

PeerRun gemmPeer(DType dtype, const GemmMapping& mapping) {
  return dtype == DType::f64 ? makeGemmPeer<double>(mapping) : makeGemmPeer<float>(mapping);
}

PeerRun bilinearPeer(DType dtype, std::int64_t b, std::int64_t i, std::int64_t j) {
  return dtype == DType::f64 ? makeBilinearPeer<double>(b, i, j) : makeBilinearPeer<float>(b, i, j);
}

PeerRun chainPeer(DType dtype, std::int64_t i, std::int64_t j, std::int64_t k, std::int64_t l) {
  return dtype == DType::f64 ? makeChainPeer<double>(i, j, k, l) : makeChainPeer<float>(i, j, k, l);
}

PeerRun rowDotPeer(DType dtype, std::int64_t b, std::int64_t i) {
  return dtype == DType::f64 ? makeRowDotPeer<double>(b, i) : makeRowDotPeer<float>(b, i);
}

PeerRun outerProductPeer(DType dtype, std::int64_t i, std::int64_t j) {
  return dtype == DType::f64 ? makeOuterProductPeer<double>(i, j)
                             : makeOuterProductPeer<float>(i, j);
}

std::string openblasDescription() {
  return std::string(openblas_get_config()) + " (core " + openblas_get_corename() + ", " +
         std::to_string(openblas_get_num_threads()) + " thread(s))";
}

void useOneBlasThread() {
  openblas_set_num_threads(1);
}

} // namespace einjit::bench
