// The OpenBLAS peer: cblas_sgemm / dgemm and sdot / ddot through the shared BLAS recipes, its
// threads set with openblas_set_num_threads (OpenBLAS then splits each GEMM it finds large
// enough; the batch loops stay sequential, as a plain BLAS user writes them). bf16 cases use
// cblas_sbgemm (bf16 A and B, f32 C) when the library exports it: cblas.h always declares it,
// but only an OpenBLAS built with BUILD_BFLOAT16 defines it (Debian's 0.3.21 does not), so it is
// looked up at run time. OpenBLAS has no f16 GEMM in this mapping.
#include "BlasRecipes.h"

#include <cblas.h>
#include <dlfcn.h>

namespace einjit::bench {

namespace {

using Index = std::int64_t;

blasint blas(Index value) {
  return static_cast<blasint>(value);
}

/// cblas_sbgemm from the process's libraries, or null.
decltype(&cblas_sbgemm) sbgemm() {
  static const auto entry =
      reinterpret_cast<decltype(&cblas_sbgemm)>(dlsym(RTLD_DEFAULT, "cblas_sbgemm"));
  return entry;
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
  // einjit's bfloat16 is the bare bit pattern OpenBLAS's bfloat16 (uint16_t) holds.
  static void gemm(bool transposeB, Index m, Index n, Index k, const einjit::bfloat16* a, Index lda,
                   const einjit::bfloat16* b, Index ldb, float* c, Index ldc) {
    sbgemm()(CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, blas(m), blas(n),
             blas(k), 1.0f, reinterpret_cast<const ::bfloat16*>(a), blas(lda),
             reinterpret_cast<const ::bfloat16*>(b), blas(ldb), 0.0f, c, blas(ldc));
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
    if (benchCase.dtype == DType::bf16 && sbgemm() == nullptr)
      throw PeerUnsupported(std::string("this OpenBLAS (") + openblas_get_config() +
                            ") exports no cblas_sbgemm: it was built without BUILD_BFLOAT16");
    if (benchCase.dtype == DType::f16)
      throw PeerUnsupported("OpenBLAS has no f16 GEMM with an f32 C in this mapping");
    return blasRecipePeer<OpenblasOps>(benchCase);
  };
  peer.useThreads = [](int threads) { openblas_set_num_threads(threads); };
  return peer;
}

} // namespace einjit::bench
