// Helpers for the JIT tests: IndexPrograms from compact text, views of any layout over random
// small-integer data, and the comparison of a JIT result with the reference interpreter's.
#pragma once

#include "einjit/engine.h"
#include "ir/IndexProgram.h"
#include "passes/Passes.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace einjit::test {

/// An IndexProgram from "ik,kj->ij" and shapes: one letter per label, '0' for a literal 0, no
/// ellipsis. Operands are named x, y, z, x3, … and may be conjugated by listing their index.
ir::IndexProgram programOf(const std::string& spec, const std::vector<Shape>& shapes, DType dtype,
                           const std::vector<std::size_t>& conjugated = {});

/// A contraction of `program` whose operands and output are contiguous and row-major.
passes::Contraction contiguousContraction(const ir::IndexProgram& program,
                                          bool constantExtents = true);
/// The loop nest the pass pipeline makes of contiguousContraction(program).
ir::LoopNest contiguousNest(const ir::IndexProgram& program,
                            const passes::LoopOptions& options = {}, bool constantExtents = true);

/// How a test view lays its elements out in memory.
enum class Layout {
  Contiguous, ///< row-major
  Permuted,   ///< row-major in a random order of the dimensions (a transposed view)
  Padded,     ///< row-major with gaps after every row of every dimension
  Reversed,   ///< one dimension walked backwards (a negative stride)
  Broadcast,  ///< one dimension of extent > 1 with stride 0 (inputs only)
};
std::string layoutName(Layout layout);

/// A view over a buffer it owns.
struct OwnedView {
  Tensor storage;
  MutableTensorView view;
};

/// A view of `shape` laid out as `layout`, its memory filled with random integers in [-3, 3]
/// (both parts for complex), or with NaN when `nan` and the dtype is floating point.
OwnedView randomView(DType dtype, const Shape& shape, Layout layout, std::mt19937& rng,
                     bool nan = false);
/// A copy of `source` with the same layout and contents.
OwnedView copyOf(const OwnedView& source);

/// Random views (randomView) of each of `shapes`, all laid out as `layout`.
struct OwnedViews {
  std::vector<OwnedView> owners;
  std::vector<TensorView> views;
};
OwnedViews randomViews(DType dtype, const std::vector<Shape>& shapes, Layout layout,
                       std::mt19937& rng);

/// Expects equal shapes and elements within `tolerance` * (1 + |expected|); NaN matches NaN.
void expectClose(const TensorView& actual, const TensorView& expected, double tolerance,
                 const std::string& context);

/// The tolerance of a dtype for results of integer-valued data (exact sums) or of normalized
/// data (`inexact`).
double toleranceOf(DType dtype, bool inexact);

/// Each step of a path as its statement ("t0[j,l] = sum_k y[j,k] * z[k,l]").
std::vector<std::string> stepTexts(const passes::ContractionPath& path);

/// The operands of `ij,jk,kl->il` on shapes (1, 2), (2, 8), (8, 8) in a 16-bit `dtype`: x = [256,
/// 1], y all ones, z = 3·I. x @ y = 257 (no bf16: it rounds to 256) and the result 771 per
/// element: 772 rounded once to bf16, 768 with a bf16 temporary.
std::vector<Tensor> chainOf771(DType dtype);

/// `ik,kj->ij` summing a 2^48 axis of stride-0 views of one float, planned on `engine` (which
/// must force Strategy::Packed): its packed kernel's offset tables need 4 PiB of scratch, which
/// einjit_rt_scratch refuses on every thread that asks, so every run fails with Resource.
struct UnallocatableScratch {
  explicit UnallocatableScratch(Engine& engine);
  static constexpr std::int64_t kHuge = std::int64_t{1} << 48;
  float one = 1;
  TensorView a{&one, DType::f32, {4, kHuge}, {0, 0}};
  TensorView b{&one, DType::f32, {kHuge, 64}, {0, 0}};
  Plan plan;
};

} // namespace einjit::test
