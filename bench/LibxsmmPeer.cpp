// The LIBXSMM peer: one JIT-generated small-matrix kernel (libxsmm_smmdispatch / dmmdispatch,
// LIBXSMM 1.17's API) called once per batch entry. LIBXSMM is column-major, so the row-major
// C[m,n] = A[m,k]·B[k,n] is computed as the column-major Cᵀ = Bᵀ·Aᵀ: M = n, N = m, K = k with
// the operands swapped, no copy. A case LIBXSMM declines to JIT (its dispatch returns NULL, as
// for a transposed A in this version) and every non-GEMM recipe are "n/a". Permuted layouts are
// copied first, as for the BLAS peers. Strided batches (the attention cases) pass their leading
// dimensions to the dispatch and their offsets to each call.
// Threads: LIBXSMM's kernels are single-threaded; with more than one thread the batch loop is
// split by an OpenMP `parallel for`, as a LIBXSMM user does.
#include "BlasRecipes.h"

#include <libxsmm.h>

#include <memory>
#include <sstream>

namespace einjit::bench {

namespace {

using Index = std::int64_t;

libxsmm_smmfunction dispatch(const float*, libxsmm_blasint m, libxsmm_blasint n, libxsmm_blasint k,
                             libxsmm_blasint lda, libxsmm_blasint ldb, libxsmm_blasint ldc,
                             int flags) {
  float alpha = 1.0f;
  float beta = 0.0f;
  int prefetch = LIBXSMM_PREFETCH_NONE;
  return libxsmm_smmdispatch(m, n, k, &lda, &ldb, &ldc, &alpha, &beta, &flags, &prefetch);
}

libxsmm_dmmfunction dispatch(const double*, libxsmm_blasint m, libxsmm_blasint n, libxsmm_blasint k,
                             libxsmm_blasint lda, libxsmm_blasint ldb, libxsmm_blasint ldc,
                             int flags) {
  double alpha = 1.0;
  double beta = 0.0;
  int prefetch = LIBXSMM_PREFETCH_NONE;
  return libxsmm_dmmdispatch(m, n, k, &lda, &ldb, &ldc, &alpha, &beta, &flags, &prefetch);
}

template <class T>
PeerRun batchedKernelPeer(const BenchCase& benchCase, int threads) {
  const GemmMapping& mapping = benchCase.gemm;
  auto blas = [](Index value) { return static_cast<libxsmm_blasint>(value); };
  // Column-major view: the kernel's A is our B (n×k, or k×n transposed), its B is our A.
  int flags = mapping.transposeB ? LIBXSMM_GEMM_FLAG_TRANS_A : LIBXSMM_GEMM_FLAG_NONE;
  auto kernel =
      dispatch(static_cast<const T*>(nullptr), blas(mapping.n), blas(mapping.m), blas(mapping.k),
               blas(leadingB(mapping)), blas(leadingA(mapping)), blas(mapping.n), flags);
  if (kernel == nullptr) {
    std::ostringstream reason;
    reason << "LIBXSMM " << LIBXSMM_CONFIG_VERSION
           << " generates no kernel for M×N×K = " << mapping.n << "×" << mapping.m << "×"
           << mapping.k
           << (mapping.transposeB ? " with A transposed (B transposed, row-major)" : "")
           << ": its dispatch returned NULL";
    throw PeerUnsupported(reason.str());
  }
  auto offsets = std::make_shared<const std::vector<GemmOffsets>>(gemmBatchOffsets(mapping));
  Index batches = mapping.batch;
  // The permuted layouts (S5, S6) are copied first, as for the BLAS peers.
  GemmOperands<T> operands(benchCase);
  return [=](const std::vector<const void*>& inputs, void* out) {
    auto [a, b] = operands(inputs);
    T* c = static_cast<T*>(out);
    const GemmOffsets* at = offsets->data();
    // A single GEMM is one kernel call: a LIBXSMM user would not start a team for it.
    if (threads <= 1 || batches < threads) {
      for (Index batch = 0; batch < batches; ++batch)
        kernel(b + at[batch].b, a + at[batch].a, c + at[batch].c);
      return;
    }
#pragma omp parallel for num_threads(threads) schedule(static)
    for (Index batch = 0; batch < batches; ++batch)
      kernel(b + at[batch].b, a + at[batch].a, c + at[batch].c);
  };
}

} // namespace

PeerLibrary libxsmmPeer() {
  libxsmm_init();
  PeerLibrary peer;
  peer.name = "libxsmm";
  peer.description = std::string("LIBXSMM ") + LIBXSMM_CONFIG_VERSION + " (JIT target " +
                     libxsmm_get_target_arch() + ", batch split by OpenMP)";
  peer.build = [](const BenchCase& benchCase, int threads) -> PeerRun {
    if (benchCase.recipe != Recipe::Gemm)
      throw PeerUnsupported("not a (batched) GEMM: LIBXSMM's JIT kernels are small GEMMs only");
    if (isHalfPrecision(benchCase.dtype))
      throw PeerUnsupported("the LIBXSMM peer maps f32 and f64 only (LIBXSMM 1.17's "
                            "libxsmm_bsmmdispatch takes bf16 operands in its own pair-interleaved "
                            "layout; not mapped here)");
    return benchCase.dtype == DType::f64 ? batchedKernelPeer<double>(benchCase, threads)
                                         : batchedKernelPeer<float>(benchCase, threads);
  };
  return peer;
}

} // namespace einjit::bench
