// The OpenBLAS peer: cblas_sgemm / dgemm and sdot / ddot through the shared BLAS recipes, its
// threads set with openblas_set_num_threads (OpenBLAS then splits each GEMM it finds large
// enough; the batch loops stay sequential, as a plain BLAS user writes them).
#include "BlasRecipes.h"

#include <cblas.h>

namespace einjit::bench {

namespace {

using Index = std::int64_t;

blasint blas(Index value) {
  return static_cast<blasint>(value);
}

struct OpenblasOps {
  static void gemm(bool transposeB, Index m, Index n, Index k, const float* a, Index lda,
                   const float* b, Index ldb, float* c, Index ldc) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, blas(m),
                blas(n), blas(k), 1.0f, a, blas(lda), b, blas(ldb), 0.0f, c, blas(ldc));
  }
  static void gemm(bool transposeB, Index m, Index n, Index k, const double* a, Index lda,
                   const double* b, Index ldb, double* c, Index ldc) {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, blas(m),
                blas(n), blas(k), 1.0, a, blas(lda), b, blas(ldb), 0.0, c, blas(ldc));
  }
  static float dot(Index n, const float* x, const float* y) {
    return cblas_sdot(blas(n), x, 1, y, 1);
  }
  static double dot(Index n, const double* x, const double* y) {
    return cblas_ddot(blas(n), x, 1, y, 1);
  }
};

} // namespace

PeerLibrary openblasPeer() {
  PeerLibrary peer;
  peer.name = "openblas";
  peer.description =
      std::string(openblas_get_config()) + " (core " + openblas_get_corename() + ", pthreads)";
  peer.build = [](const BenchCase& benchCase, int) {
    return blasRecipePeer<OpenblasOps>(benchCase);
  };
  peer.useThreads = [](int threads) { openblas_set_num_threads(threads); };
  return peer;
}

} // namespace einjit::bench
