// The OpenBLAS peers of the suite: each contraction mapped onto cblas_sgemm / dgemm by hand, as a
// user of BLAS would write it (permute and copy where the layout needs it, a loop over batch).
#pragma once

#include "BenchCases.h"

#include <cstdint>
#include <vector>

namespace einjit::bench {

/// A contraction as `batch` row-major GEMMs C[m,n] = A[m,k] · B[k,n] (or B[n,k]ᵀ), after an
/// optional permuting copy of each input.
struct GemmMapping {
  std::int64_t batch = 1;
  std::int64_t m = 0;
  std::int64_t n = 0;
  std::int64_t k = 0;
  /// B is stored [n, k] and used transposed by the GEMM (no copy).
  bool transposeB = false;
  /// Operand shapes, needed only when a permutation is given.
  Shape shapeA;
  Shape shapeB;
  /// Axis i of the copy is axis permuteA[i] of A; empty: A is used in place.
  std::vector<int> permuteA;
  std::vector<int> permuteB;
};

/// The GEMM (or batched GEMM loop) peer of a two-operand contraction.
PeerRun gemmPeer(DType dtype, const GemmMapping& mapping);
/// bi,ij,bj->b on the best path: T = A·M (GEMM), then out[b] = dot(T[b,:], C[b,:]).
PeerRun bilinearPeer(DType dtype, std::int64_t b, std::int64_t i, std::int64_t j);
/// ij,jk,kl->il on the best path: T = B·C (a j×l matrix), then out = A·T.
PeerRun chainPeer(DType dtype, std::int64_t i, std::int64_t j, std::int64_t k, std::int64_t l);
/// bi,bi->b as one BLAS dot per row.
PeerRun rowDotPeer(DType dtype, std::int64_t b, std::int64_t i);
/// i,j->ij as a GEMM with k = 1 and beta = 0.
PeerRun outerProductPeer(DType dtype, std::int64_t i, std::int64_t j);

/// "OpenBLAS 0.3.21 (Haswell, 1 thread)": the library build and kernel in use.
std::string openblasDescription();
/// Pins OpenBLAS to one thread (the suite is single-threaded for now).
void useOneBlasThread();

} // namespace einjit::bench
