// LoopNest: the loops a kernel runs, the stage between the passes and LLVM code generation. It
// fixes the loop order, which loop is vectorized or unrolled, and how every tensor is addressed
// (a stride per label, known when compiling or read from the kernel's stride table at run time).
#pragma once

#include "einjit/dtype.h"
#include "ir/PackedGemm.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace einjit::ir {

/// The family of schedule a kernel gets (docs/architecture.md §5, passes/ChooseStrategy.cpp):
enum class Strategy {
  Direct,    ///< the general nest: output loops around reductions, a register tile, threads
  Small,     ///< tiny (batched) products: each on one thread, reductions fully unrolled
  Streaming, ///< memory-bound: one pass, wide vectors, non-temporal stores for large outputs
  Packed,    ///< BLIS-style blocking with packed panels and a micro-kernel (LoopNest::packed)
};

/// "direct", "small", "streaming", "packed".
std::string_view strategyName(Strategy strategy);

/// Loops at most this long may be fully unrolled (Loop::fullUnroll).
inline constexpr std::int64_t kMaxFullUnrollTrip = 64;

/// One loop variable of the kernel. Labels are numbered; LoopNest::labels[i] is label i.
struct LoopLabel {
  std::string name;
  std::int64_t extent = 0;
  bool operator==(const LoopLabel&) const = default;
};

/// How a loop walks its label.
enum class LoopKind {
  Serial,   ///< one index per iteration
  Vector,   ///< `lanes` consecutive indices in one vector, `factor` vectors per iteration
  Unrolled, ///< `factor` consecutive indices per iteration, each with its own accumulators
};

std::string_view loopKindName(LoopKind kind);

/// A loop over one label. Vector and unrolled loops end with narrower copies of the body for the
/// remainder: a vector loop with factor > 1 continues one vector at a time, then one element at
/// a time; an unrolled loop continues one index at a time.
struct Loop {
  std::size_t label = 0;
  LoopKind kind = LoopKind::Serial;
  int lanes = 1;  ///< Vector: elements per vector
  int factor = 1; ///< Vector: vectors per iteration; Unrolled: indices per iteration
  /// Its iterations are split across threads in chunks of whole steps (only the outermost
  /// output loop; the kernel calls einjit_rt_parallel_for, which may still use one thread).
  bool parallel = false;
  /// Emitted as straight-line code, one copy of the body per step: only with constant extents
  /// and at most kMaxFullUnrollTrip steps.
  bool fullUnroll = false;
  bool operator==(const Loop&) const = default;
  /// Indices one full iteration covers: lanes × factor for a vector loop, factor otherwise.
  std::int64_t step() const { return kind == LoopKind::Vector ? lanes * factor : factor; }
};

/// The stride of one tensor along one label, in elements.
struct LabelStride {
  /// The dimensions of the user's tensor whose strides add up to this one (two for a diagonal
  /// such as x[i,i]); empty when the tensor does not depend on the label.
  std::vector<std::size_t> sourceDims;
  /// The stride when the kernel may assume it (0 for an absent label); nullopt when the kernel
  /// reads it from the stride table at run time.
  std::optional<std::int64_t> known;
  bool operator==(const LabelStride&) const = default;
};

/// A tensor the kernel reads (an operand) or writes (the output).
struct TensorAccess {
  std::string name;
  std::size_t source = 0; ///< the operand of the lowered program it reads (not for the output)
  bool conj = false;      ///< reads the complex conjugate
  std::vector<std::size_t> indices; ///< label of each dimension, for printing
  std::vector<LabelStride> strides; ///< one per label of the nest
  bool operator==(const TensorAccess&) const = default;
};

/// A kernel as loops:
///   for each point of outputLoops (outermost first):
///     acc = Σ over reductionLoops of Π inputs
///     output = alpha * acc + beta * output          (output not read when beta == 0)
/// The runtime passes data pointers (inputs, then the output), a stride table of
/// (inputs + 1) × labels entries (tensor-major) and the label extents.
struct LoopNest {
  DType dtype = DType::f32; ///< of the inputs, and of the output unless outputDtype says
  /// An f32 output of bf16 or f16 inputs (ir::IndexProgram::outputDtype), stored unrounded, or a
  /// bf16 or f16 output of f32 inputs, rounded once as it is stored.
  std::optional<DType> outputDtype;
  Strategy strategy = Strategy::Direct;
  /// The cost figures that decided the strategy, one line each ("forced" when an option chose
  /// it). Printed, but not part of keyText: it does not change the code.
  std::vector<std::string> rationale;
  /// When beta is zero and the output pointer and strides allow aligned vector stores, the
  /// kernel writes the output with non-temporal stores (bypassing the caches) and ends with a
  /// fence; otherwise with ordinary stores. Needs a vector loop over a unit-stride output label.
  bool nontemporalStores = false;
  /// When true the extents are compiled in as constants; otherwise the kernel reads them from
  /// its extents argument and serves any extents (with the same unit dimensions).
  bool constantExtents = true;
  std::vector<LoopLabel> labels;
  std::vector<TensorAccess> inputs;
  TensorAccess output;
  /// The output's dtype: outputDtype, else dtype.
  DType resultDtype() const { return outputDtype.value_or(dtype); }
  std::vector<Loop> outputLoops;
  std::vector<Loop> reductionLoops;
  /// Set for the packed strategy: the kernel runs these blocked loops, and outputLoops and
  /// reductionLoops are empty.
  std::optional<PackedGemm> packed;

  /// True when the kernel splits work across threads: the packed schedule's units (through
  /// einjit_rt_parallel_for_per_thread) or the outermost output loop (einjit_rt_parallel_for).
  bool runsInParallel() const {
    return packed ? packed->parallel : !outputLoops.empty() && outputLoops.front().parallel;
  }
  /// The vectorized loop, if any.
  const Loop* vectorLoop() const;
  /// The first unrolled loop (the outer of the two of a dot tile), if any.
  const Loop* unrolledLoop() const;
  /// The unrolled loops, outermost first: none, one (the rows of a register tile) or two (the
  /// rows and columns of a dot tile, whose vector loop is a reduction loop).
  std::vector<const Loop*> unrolledLoops() const;
  /// The loop of a transpose tile, if the nest has one: a permutation copy (one real input,
  /// nothing summed) whose vector label is an output label of unit output stride along which
  /// the input is gathered (held, stride not known 1), and whose one unrolled loop runs over a
  /// label of known unit input stride. The kernel reads each tile's input as vectors along that
  /// label and transposes them in registers (codegen/TransposeTile.h) instead of gathering it
  /// lane by lane; the passes choose it (passes/Transpose.cpp).
  const Loop* transposedLoop() const;
  /// Number of stride-table entries: (inputs + 1) × labels.
  std::size_t strideTableSize() const { return (inputs.size() + 1) * labels.size(); }
  bool operator==(const LoopNest&) const = default;
};

/// The deterministic text of a nest: a header with extents and strides, then the loops.
std::string toString(const LoopNest& nest);
std::ostream& operator<<(std::ostream& os, const LoopNest& nest);
/// The same text with tensors named by position (in0, in1, …, out) and, when the extents are
/// not constants, extents left out: two nests with equal keys compile to the same kernel.
std::string keyText(const LoopNest& nest);
/// The full text of a nest, which parseLoopNest reads back to an equal nest: toString's text
/// plus what that summary leaves out, each tensor's source dimensions (" dims [0,2]", one per
/// index) and each input's operand (" operand 1"), and ", run-time extents" in the first line
/// when the extents are not constants. The IR the pass log and `einjit opt` print.
std::string toIRText(const LoopNest& nest);
/// Reads toIRText's text, or toString's (a tensor's dimensions then count 0, 1, … and an input
/// reads the operand at its position), back into a nest, and verifies it. Blank lines and
/// leading or trailing spaces are ignored. Throws Error(Syntax) naming the line and column, and
/// Error(Syntax, "the loop nest is inconsistent: …") with verify's finding.
LoopNest parseLoopNest(std::string_view text);
/// Checks the invariants code generation relies on (labels named once with extents >= 0, every
/// label looped once, at most one vector and two unrolled loops, unrolled loops output loops,
/// output loops exactly the output labels, strides sized to the labels and one source dimension
/// per index, only the outermost output loop parallel, full unrolling only of short constant
/// loops, non-temporal stores only along a vector loop of unit output stride, a packed schedule
/// only under the packed strategy and consistent with the nest: verifyPacked). Throws
/// Error(Internal) naming the broken invariant.
void verify(const LoopNest& nest);

} // namespace einjit::ir
