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
};

/// One row of the suite.
struct BenchCase {
  std::string id;            ///< "S1", "B8", "G256.f64": benchmark names are "einjit/<id>/t<n>".
  std::string expression;    ///< the einsum einjit compiles
  std::vector<Shape> shapes; ///< operand shapes, in order
  Shape outputShape;         ///< the einsum's output shape (row-major, as the peers write it)
  DType dtype = DType::f32;  ///< f32 or f64
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

/// Every case: S1–S12, B8–B64, then the G sizes (fp32 and fp64).
const std::vector<BenchCase>& benchCases();

} // namespace einjit::bench
