// The BLIS peer, through BLIS's own typed API (bli_sgemm / bli_dgemm with row and column
// strides, bli_?dotv): Debian's libblis also exports cblas_sgemm, which would collide with
// OpenBLAS's in one binary, while the bli_ names are BLIS's alone. A transposed B is expressed
// by strides, not by a flag or a copy. Threads: bli_thread_set_num_threads (BLIS's OpenMP build).
#include "BlasRecipes.h"

#include <blis.h>

namespace einjit::bench {

namespace {

using Index = std::int64_t;

struct BlisOps {
  // Row-major B[k,n] has row stride ldb, column stride 1; stored as [n,k] and used transposed,
  // its k×n view has row stride 1 and column stride ldb.
  static void gemm(bool transposeB, Index m, Index n, Index k, const float* a, Index lda,
                   const float* b, Index ldb, float* c, Index ldc) {
    float one = 1.0f;
    float zero = 0.0f;
    bli_sgemm(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, m, n, k, &one, const_cast<float*>(a), lda, 1,
              const_cast<float*>(b), transposeB ? 1 : ldb, transposeB ? ldb : 1, &zero, c, ldc, 1);
  }
  static void gemm(bool transposeB, Index m, Index n, Index k, const double* a, Index lda,
                   const double* b, Index ldb, double* c, Index ldc) {
    double one = 1.0;
    double zero = 0.0;
    bli_dgemm(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, m, n, k, &one, const_cast<double*>(a), lda, 1,
              const_cast<double*>(b), transposeB ? 1 : ldb, transposeB ? ldb : 1, &zero, c, ldc, 1);
  }
  static float dot(Index n, const float* x, const float* y) {
    float result = 0;
    bli_sdotv(BLIS_NO_CONJUGATE, BLIS_NO_CONJUGATE, n, const_cast<float*>(x), 1,
              const_cast<float*>(y), 1, &result);
    return result;
  }
  static double dot(Index n, const double* x, const double* y) {
    double result = 0;
    bli_ddotv(BLIS_NO_CONJUGATE, BLIS_NO_CONJUGATE, n, const_cast<double*>(x), 1,
              const_cast<double*>(y), 1, &result);
    return result;
  }
};

} // namespace

PeerLibrary blisPeer() {
  bli_init();
  PeerLibrary peer;
  peer.name = "blis";
  peer.description = std::string("BLIS ") + bli_info_get_version_str() + " (sub-configuration " +
                     bli_arch_string(bli_arch_query_id()) + ", OpenMP)";
  peer.build = [](const BenchCase& benchCase, int) {
    if (isHalfPrecision(benchCase.dtype))
      throw PeerUnsupported("BLIS's typed API has no " + std::string(dtypeName(benchCase.dtype)) +
                            " datatype");
    return blasRecipePeer<BlisOps>(benchCase);
  };
  peer.useThreads = [](int threads) { bli_thread_set_num_threads(threads); };
  return peer;
}

} // namespace einjit::bench
