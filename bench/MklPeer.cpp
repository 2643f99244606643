// The oneMKL peer (PyPI `mkl`, bench-only): cblas_sgemm / dgemm and sdot / ddot through the
// shared BLAS recipes, and for the bf16 and f16 cases cblas_gemm_bf16bf16f32 / f16f16f32 (16-bit
// A and B, f32 C; oneMKL has no batched form of them, so batches are a loop of calls). libmkl_rt is
// opened with dlopen, local and deep-bound, because it exports the same cblas_* names as OpenBLAS,
// which is linked into this binary: a normal link would bind every cblas_sgemm call to whichever
// library comes first. The prototypes come from mkl-include, so each symbol is cast to MKL's own
// declared type. Threads: GNU OpenMP threading layer (the binary already runs libgomp; mixing in
// Intel's OpenMP runtime would give two thread pools), set through MKL and OpenMP both.
#include "BlasRecipes.h"

#include <mkl_cblas.h>
#include <mkl_service.h>

#include <dlfcn.h>
#include <omp.h>

#include <array>
#include <string>

namespace einjit::bench {

namespace {

using Index = std::int64_t;

/// The MKL entry points the peer calls, looked up once from EINJIT_BENCH_MKL_LIBRARY.
struct MklEntries {
  decltype(&cblas_sgemm) sgemm = nullptr;
  decltype(&cblas_dgemm) dgemm = nullptr;
  decltype(&cblas_sdot) sdot = nullptr;
  decltype(&cblas_ddot) ddot = nullptr;
  decltype(&MKL_Set_Num_Threads) setThreads = nullptr;
  decltype(&MKL_Set_Threading_Layer) setThreadingLayer = nullptr;
  decltype(&MKL_Get_Version_String) versionString = nullptr;
  decltype(&cblas_gemm_bf16bf16f32) gemmBf16 = nullptr;
  decltype(&cblas_gemm_f16f16f32) gemmF16 = nullptr;
  std::string failure; ///< why the library could not be used; empty when it can
  /// Why the 16-bit GEMMs cannot be used (an older oneMKL); the f32/f64 peer still runs.
  std::string halfFailure;
};

template <class Function>
void lookUp(void* library, const char* name, Function& entry, std::string& failure) {
  entry = reinterpret_cast<Function>(dlsym(library, name));
  if (entry == nullptr && failure.empty())
    failure = std::string(EINJIT_BENCH_MKL_LIBRARY) + " has no " + name;
}

const MklEntries& mkl() {
  static const MklEntries entries = [] {
    MklEntries found;
    void* library = dlopen(EINJIT_BENCH_MKL_LIBRARY, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if (library == nullptr) {
      const char* why = dlerror();
      found.failure = why != nullptr ? why : "dlopen failed";
      return found;
    }
    lookUp(library, "cblas_sgemm", found.sgemm, found.failure);
    lookUp(library, "cblas_dgemm", found.dgemm, found.failure);
    lookUp(library, "cblas_sdot", found.sdot, found.failure);
    lookUp(library, "cblas_ddot", found.ddot, found.failure);
    lookUp(library, "MKL_Set_Num_Threads", found.setThreads, found.failure);
    lookUp(library, "MKL_Set_Threading_Layer", found.setThreadingLayer, found.failure);
    lookUp(library, "MKL_Get_Version_String", found.versionString, found.failure);
    lookUp(library, "cblas_gemm_bf16bf16f32", found.gemmBf16, found.halfFailure);
    lookUp(library, "cblas_gemm_f16f16f32", found.gemmF16, found.halfFailure);
    // The layer must be chosen before any other MKL call.
    if (found.failure.empty() && found.setThreadingLayer(MKL_THREADING_GNU) != MKL_THREADING_GNU)
      found.failure = "oneMKL refused its GNU OpenMP threading layer";
    return found;
  }();
  return entries;
}

MKL_INT blas(Index value) {
  return static_cast<MKL_INT>(value);
}

struct MklOps {
  static void gemm(bool transposeB, Index m, Index n, Index k, const float* a, Index lda,
                   const float* b, Index ldb, float* c, Index ldc) {
    mkl().sgemm(CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, blas(m),
                blas(n), blas(k), 1.0f, a, blas(lda), b, blas(ldb), 0.0f, c, blas(ldc));
  }
  static void gemm(bool transposeB, Index m, Index n, Index k, const double* a, Index lda,
                   const double* b, Index ldb, double* c, Index ldc) {
    mkl().dgemm(CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, blas(m),
                blas(n), blas(k), 1.0, a, blas(lda), b, blas(ldb), 0.0, c, blas(ldc));
  }
  // einjit's 16-bit types are the bare bit patterns oneMKL's MKL_BF16 / MKL_F16 (unsigned short)
  // hold.
  static void gemm(bool transposeB, Index m, Index n, Index k, const bfloat16* a, Index lda,
                   const bfloat16* b, Index ldb, float* c, Index ldc) {
    mkl().gemmBf16(CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, blas(m),
                   blas(n), blas(k), 1.0f, reinterpret_cast<const MKL_BF16*>(a), blas(lda),
                   reinterpret_cast<const MKL_BF16*>(b), blas(ldb), 0.0f, c, blas(ldc));
  }
  static void gemm(bool transposeB, Index m, Index n, Index k, const float16* a, Index lda,
                   const float16* b, Index ldb, float* c, Index ldc) {
    mkl().gemmF16(CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, blas(m),
                  blas(n), blas(k), 1.0f, reinterpret_cast<const MKL_F16*>(a), blas(lda),
                  reinterpret_cast<const MKL_F16*>(b), blas(ldb), 0.0f, c, blas(ldc));
  }
  static float dot(Index n, const float* x, const float* y) {
    return mkl().sdot(blas(n), x, 1, y, 1);
  }
  static double dot(Index n, const double* x, const double* y) {
    return mkl().ddot(blas(n), x, 1, y, 1);
  }
};

std::string mklDescription() {
  if (!mkl().failure.empty())
    return "unavailable: " + mkl().failure;
  std::array<char, 256> version{};
  mkl().versionString(version.data(), static_cast<int>(version.size()));
  return std::string(version.data()) + " (" EINJIT_BENCH_MKL_LIBRARY ", GNU OpenMP threading)";
}

} // namespace

PeerLibrary mklPeer() {
  PeerLibrary peer;
  peer.name = "mkl";
  peer.description = mklDescription();
  peer.build = [](const BenchCase& benchCase, int) {
    if (!mkl().failure.empty())
      throw PeerUnsupported("oneMKL could not be loaded: " + mkl().failure);
    if (isHalfPrecision(benchCase.dtype) && !mkl().halfFailure.empty())
      throw PeerUnsupported(mkl().halfFailure);
    return blasRecipePeer<MklOps>(benchCase);
  };
  peer.useThreads = [](int threads) {
    if (!mkl().failure.empty())
      return;
    mkl().setThreads(threads);
    // The 16-bit GEMMs take their team size from OpenMP, not MKL_Set_Num_Threads: without this,
    // a one-thread run of cblas_gemm_f16f16f32 used both cores (2048^3: 176 GFLOP/s, 8.3 s of
    // CPU in 4.4 s; pinned to one core, 95).
    omp_set_num_threads(threads);
  };
  return peer;
}

} // namespace einjit::bench
