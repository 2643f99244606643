// The contractions of BENCH.md's suite as data: einsum, extents, dtype, the flop and byte counts
// the rates are computed from, and the library-neutral recipe the peers follow to compute them.
#pragma once

#include "einjit/dtype.h"
#include "einjit/tensor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace einjit::bench {

/// What limits a case: its table column is GFLOP/s against peak, or GB/s against the triad.
enum class Bound { Compute, Memory };

/// How a hand-written peer computes a case, as a user of a GEMM library would write it.
enum class Recipe {
  Gemm,        ///< optional permuting copies, then a loop of GEMMs over the batch (GemmMapping)
  Bilinear,    ///< bi,ij,bj->b: T = A·M (GEMM), then out[b] = dot(T[b,:], C[b,:])
  Chain,       ///< ij,jk,kl->il: T = B·C (a j×l GEMM), then out = A·T
  RowDot,      ///< bi,bi->b: one dot per row
  OuterProduct ///< i,j->ij: a GEMM with k = 1
};

/// One batch axis of a GEMM mapping whose batch entries are not packed back to back: its extent
/// and how far (in elements) one step along it moves A, B and C.
struct BatchAxis {
  std::int64_t extent = 1;
  std::int64_t strideA = 0;
  std::int64_t strideB = 0; ///< 0: every entry along this axis reads the same B (GQA's groups)
  std::int64_t strideC = 0;
};

/// A contraction as `batch` row-major GEMMs C[m,n] = A[m,k] · B[k,n] (or B[n,k]ᵀ), after an
/// optional permuting copy of each input.
struct GemmMapping {
  std::int64_t batch = 1;
  std::int64_t m = 0;
  std::int64_t n = 0;
  std::int64_t k = 0;
  /// B is stored [n, k] and used transposed by the GEMM (no copy).
  bool transposeB = false;
  /// Axis i of the copy is axis permuteA[i] of A; empty: A is used in place.
  std::vector<int> permuteA;
  std::vector<int> permuteB;
  /// Leading dimensions of A and B when their rows are not contiguous (attention's heads sit
  /// between the rows); 0: k for A, k or n for B.
  std::int64_t lda = 0;
  std::int64_t ldb = 0;
  /// The batch loop as several axes with their own strides (outermost first); empty: one axis of
  /// `batch` entries, each A, B and C following the previous one.
  std::vector<BatchAxis> batchAxes;
};

/// One GEMM of a mapping's batch loop: where its A, B and C start, in elements.
struct GemmOffsets {
  std::int64_t a = 0;
  std::int64_t b = 0;
  std::int64_t c = 0;
};

/// The offsets of every GEMM of the batch loop, in loop order.
std::vector<GemmOffsets> gemmBatchOffsets(const GemmMapping& mapping);
/// A's leading dimension (mapping.lda, or k).
std::int64_t leadingA(const GemmMapping& mapping);
/// B's leading dimension (mapping.ldb, or k when B is used transposed, n when not).
std::int64_t leadingB(const GemmMapping& mapping);

/// One row of the suite.
struct BenchCase {
  std::string id;            ///< "S1", "B8", "G256.f64": benchmark names are "einjit/<id>/t<n>".
  std::string expression;    ///< the einsum einjit compiles
  std::vector<Shape> shapes; ///< operand shapes, in order
  Shape outputShape;         ///< the einsum's output shape (row-major, as the peers write it)
  DType dtype = DType::f32;  ///< f32, f64, bf16 or f16 (inputs and einjit's output)
  double flops = 0;          ///< 2 per multiply-add, of the best path for three operands
  double fusedFlops = 0;     ///< 2 per multiply-add of the single fused loop nest
  double bytes = 0;          ///< inputs read once plus the output written once
  Bound bound = Bound::Compute;
  Recipe recipe = Recipe::Gemm;
  GemmMapping gemm; ///< Recipe::Gemm only
  /// The other recipes' extents, in the order their comment names them (b,i,j / i,j,k,l / b,i /
  /// i,j).
  std::vector<std::int64_t> extents;
  std::string mapping; ///< the BLAS recipe in words (what README.md's mapping table says)
};

/// Every case: S1–S12, B8–B64, the G sizes (fp32 and fp64), then the low-precision cases (H
/// GEMMs in bf16 and f16, ATT in bf16 and f32, GQA in f16).
const std::vector<BenchCase>& benchCases();

/// The dtype a peer writes for a case of `dtype`: f32 for bf16 and f16, as oneMKL's
/// cblas_gemm_bf16bf16f32 / f16f16f32 and OpenBLAS's cblas_sbgemm return an f32 C (einjit
/// rounds its output to the 16-bit dtype once); the case's dtype otherwise.
DType peerOutputDType(DType dtype);

} // namespace einjit::bench
