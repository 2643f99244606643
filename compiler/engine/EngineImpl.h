// The Engine's insides, shared by the compiler/engine .cpp files: the JIT and cache an Engine
// owns, the state a Plan shares, and the run-time steps of a plan (checks, prologues, strides).
#pragma once

#include "codegen/Codegen.h"
#include "codegen/PrologueFunction.h"
#include "driver/ContractionPlan.h"
#include "einjit/engine.h"
#include "engine/LeasePool.h"
#include "ir/IndexProgram.h"
#include "ir/LoopNest.h"
#include "jit/DiskCache.h"
#include "jit/Jit.h"
#include "jit/KernelCache.h"
#include "passes/Passes.h"
#include "support/LruMap.h"

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <unordered_map>

namespace einjit {

struct Engine::Impl {
  explicit Impl(const EngineOptions& options);
  ~Impl();

  /// The kernel of `nest` from the cache; on a miss loaded from the disk cache or compiled.
  std::shared_ptr<const jit::Kernel> kernelFor(const ir::LoopNest& nest);
  /// The prologue function of one operand (codegen/PrologueFunction.h), cached like a kernel.
  std::shared_ptr<const jit::Kernel> prologueFor(const codegen::OperandPrologue& prologue);
  /// What the caches hold, as the miss path compiles it: the code under a given symbol.
  struct Source {
    /// The LLVM IR before optimization (what a disk entry's fingerprint digests).
    std::function<std::string(const std::string& symbol)> unoptimizedIR;
    /// The object files that define the symbol (an object bundle's parts).
    std::function<std::vector<std::string>(const std::string& symbol)> objects;
  };
  /// The in-memory cache's miss path (driver::loadOrCompile, as `einjit compile`'s): a valid
  /// disk entry of `key`, else a compilation (stored on disk for the next process).
  std::shared_ptr<const jit::Kernel> loadOrCompile(const Source& source, const std::string& key);
  /// The loop nest of `program` for tensors of the given stride classes; `strategy` forces one
  /// (else the engine's option, else the estimate's choice).
  ir::LoopNest lower(const ir::IndexProgram& program,
                     const std::vector<passes::StrideClass>& operandClasses,
                     const passes::StrideClass& outputClass,
                     std::optional<ir::Strategy> strategy = std::nullopt) const;
  /// True when the kernels of `estimate` may take a measured choice: measured now
  /// (Tuning::Measure), or measured earlier and kept in the persistent cache (either tuning).
  bool measures(const ir::LoopNest& estimate) const;
  /// The fastest of the candidate nests of `program`, its rationale ending in the timings: from
  /// the persistent cache when an earlier engine (or `einjit tune`) measured it, else measured
  /// now under Tuning::Measure (Tuning.cpp). `estimate` itself under Tuning::Estimate with no
  /// record, and when the operands or output are not contiguous (nothing to time on).
  ir::LoopNest measuredChoice(const ir::IndexProgram& program,
                              const std::vector<passes::StrideClass>& operandClasses,
                              const passes::StrideClass& outputClass, ir::LoopNest estimate);

  EngineOptions options;
  codegen::TargetDesc target;
  /// The ISA features the target enables and the host lacks: kernels are not run when any is.
  std::vector<std::string> missingFeatures;
  passes::LoopOptions loopOptions;
  jit::Jit jit;
  jit::KernelCache cache;
  jit::DiskCache disk;

  /// Engine::einsum's plans by call signature (einsumKey), so a repeated call skips the front
  /// end and the passes. Bounded by options.cacheCapacity, least recently used dropped first.
  std::shared_ptr<Plan::State> einsumPlan(const std::string& key) const;
  void rememberEinsumPlan(const std::string& key, std::shared_ptr<Plan::State> state);
  /// Drops the einsum plans (they hold this Impl: the Engine's destructor breaks the cycle).
  void forgetEinsumPlans();

private:
  mutable std::mutex einsumMutex_;
  mutable support::LruMap<std::string, std::shared_ptr<Plan::State>> einsumPlans_{
      std::max<std::size_t>(options.cacheCapacity, 1)};
};

/// A loop nest compiled for one combination of stride classes.
struct PreparedKernel {
  std::vector<passes::StrideClass> classes; ///< the operands' (after prologues), then the output's
  ir::LoopNest nest;
  std::vector<std::int64_t> extents; ///< the nest's label extents: the kernel's extents argument
  std::shared_ptr<const jit::Kernel> kernel;
};

/// The staged copies of a plan's prologue operands for one run: a buffer per operand with
/// prologues, contiguous in the shape after them, and a view of each, built once.
struct StagedOperands {
  /// A buffer per operand of `program` with prologues, contiguous in its shape after them.
  void allocate(const ir::IndexProgram& program, const std::vector<bool>& hasPrologue);

  std::vector<Tensor> buffers;   ///< per program operand; empty without prologues
  std::vector<TensorView> views; ///< per program operand: buffers[t].view(), or unset
};

struct Plan::State {
  State(std::shared_ptr<Engine::Impl> engine, ir::IndexProgram program);

  /// The kernel for these stride classes (the operands' after prologues, then the output's),
  /// compiled through the engine's cache on first use.
  std::shared_ptr<const PreparedKernel> prepared(std::vector<passes::StrideClass> classes) const;
  /// The classes of contiguous operands and output.
  std::vector<passes::StrideClass> contiguousClasses() const;
  /// Compiles the prologue functions and the kernels contiguous operands run: the fused nest's,
  /// or every path step's.
  void compileContiguous() const;

  /// Lets run() take one tensor per distinct operand name (`a @ a` takes one): program operand
  /// t reads input operandInputs[t]. The default is one input per operand.
  void bindInputs(std::vector<std::string> names, std::vector<std::size_t> operandInputs);

  std::shared_ptr<Engine::Impl> engine;
  ir::IndexProgram program;                ///< as the front end lowered it, prologues included
  std::vector<std::string> inputNames;     ///< what run() takes, in order
  std::vector<std::size_t> operandInputs;  ///< per program operand
  std::vector<std::size_t> firstOperandOf; ///< per input: the first operand reading it
  Shape outputShape;
  std::vector<Shape> readShapes; ///< operand shapes after the prologues
  std::vector<bool> hasPrologue; ///< per operand
  /// The prologue functions, one per operand (null without prologues), compiled on first use.
  const std::vector<std::shared_ptr<const jit::Kernel>>& prologueKernels() const;
  /// A run's staged operands: the buffers its prologue functions write, kept by the plan and
  /// reused, so that a run allocates none (Staging.cpp).
  LeasePool<StagedOperands> staging;
  /// The driver's plan of the program (driver::planContraction, as `einjit compile` plans it):
  /// fused, or a path (pairwise for three or more operands, relayout copies for two) that runs
  /// as stepStates, one prologue-free plan per step program.
  driver::ContractionPlan contraction;
  const passes::ContractionPath& path = contraction.path; ///< its path, which runPath walks
  std::vector<std::shared_ptr<State>> stepStates;
  /// A bf16 or f16 path's generated copies as plans of their own: one widening each operand to
  /// f32 (contraction.widen), and the one rounding the last step's f32 result into the output
  /// (contraction.round; null where the last step writes the output).
  std::vector<std::shared_ptr<State>> widenStates;
  std::shared_ptr<State> roundState;
  /// What a path run keeps between runs (RunPath.cpp), so that a call neither allocates nor
  /// faults in its (often large) temporaries afresh: the temporaries, the widened operands and
  /// one per step that writes one; and, for a chunked path, the views of one chunk of each
  /// operand and of the output (their shape and strides, rebased to each chunk).
  struct PathRunSet {
    std::vector<Tensor> temporaries;
    std::vector<TensorView> operandChunks;
    MutableTensorView outChunk;
  };
  LeasePool<PathRunSet> pathTemporaries;
  /// A chunked path's temporaries of one chunk: a set per range of chunks in flight (several
  /// when the chunks share out among threads).
  LeasePool<std::vector<Tensor>> chunkTemporaries;
  /// Plan::multiplyAdds: the fused program's, or the path's when it runs (contraction's).
  std::int64_t multiplyAdds = 0;
  /// The explanation's facts of the call the plan was made from; empty for a plan made from an
  /// einsum or an IndexProgram (Plan::explanation describes the program then).
  std::optional<Explanation> facts;
  mutable std::mutex mutex;
  /// Few per plan (usually one), so a scan beats a map keyed by text.
  mutable std::vector<std::shared_ptr<const PreparedKernel>> kernels;

private:
  mutable std::once_flag prologuesCompiled_;
  mutable std::vector<std::shared_ptr<const jit::Kernel>> prologueKernels_;
};

/// Plans from an IndexProgram, for the engine's own code and tests.
struct EngineAccess {
  static Plan planProgram(Engine& engine, ir::IndexProgram program, bool compileNow);
  /// Engine::einsum's plan: from the engine's einsum cache, or lowered (not yet compiled) and
  /// remembered there.
  static Plan einsumPlan(Engine& engine, std::string_view subscripts, InputViews inputs);
  /// Engine::call's plan: the same cache, keyed by the call text, the dtype and the shapes.
  static Plan callPlan(Engine& engine, std::string_view expression, InputViews inputs,
                       const CallOptions& options);
  /// Test seam: the target the engine's kernels are compiled for. A test sets an unknown triple
  /// to make LLVM fail deterministically and checks the failure comes back as an Error. Change
  /// it only before the engine compiles anything.
  static codegen::TargetDesc& target(Engine& engine) { return engine.impl_->target; }
  /// Test seam: the schedule's options (e.g. tiny cache sizes, so that small shapes run every
  /// blocking loop of the packed strategy). Change them only before the engine compiles.
  static passes::LoopOptions& loopOptions(Engine& engine) { return engine.impl_->loopOptions; }
};

namespace driver {
struct CallReading;
}
/// A plan's state for a call read by driver::readCall: its program, its inputs bound to the
/// call's distinct operand names, and its facts. Not compiled yet.
std::shared_ptr<Plan::State> callState(std::shared_ptr<Engine::Impl> engine,
                                       driver::CallReading reading);
/// The program and the compiler's stages of `state` up to `stage`, each built once (the
/// kernels for contiguous operands are compiled for Loops and later).
std::vector<ExplainedStage> stages(const Plan::State& state, ExplainStage stage);

/// Throws Error(Misuse) unless `inputs` and `out` fit the plan (Plan::run's contract).
void checkRun(const Plan::State& state, InputViews inputs, const TensorView& out);
/// Runs the plan (after checkRun).
void runPlan(const Plan::State& state, InputViews inputs, const MutableTensorView& out,
             const RunOptions& options);
/// Runs the plan's prologue functions (compiling them if the plan has not yet) on the inputs of
/// the operands that have prologues, into `staged` (leased from the plan's pool), and points
/// read[t] at each such operand's staged view; read[t] of the other operands is left alone.
void stageOperands(const Plan::State& state, InputViews inputs, StagedOperands& staged,
                   const TensorView** read);
/// Calls the compiled kernel of `prepared` on `read` (one view per program operand, prologues
/// applied) and `out`, with alpha, beta and the thread count of `options`.
void invokeKernel(const PreparedKernel& prepared, DType dtype, const TensorView* const* read,
                  const MutableTensorView& out, const RunOptions& options);
/// An input's data as the kernel ABI passes it: generated kernels and prologue functions take
/// every tensor as a `void*` (runtime::KernelEntry) and write only their output, the last. The
/// one place an input's `const` is cast away.
inline void* kernelInput(const TensorView& input) {
  return const_cast<void*>(input.data());
}
/// Runs a path plan's steps on its operands as the statement reads them (prologues applied):
/// temporaries for all but the last step, which writes `out` with alpha and beta.
void runPath(const Plan::State& state, std::span<const TensorView* const> operands,
             const MutableTensorView& out, const RunOptions& options);

} // namespace einjit
