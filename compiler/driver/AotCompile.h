// Ahead-of-time compilation, the driver's half that `einjit compile` calls: a call text, its
// shapes, dtype and CallOptions, read as the Engine reads it (CallReading.h), planned as the JIT
// plans it (ContractionPlan.h: a pairwise path for three or more operands, a relayout path for
// two), each kernel lowered by the same passes, and the entry points compiled into one object
// through the persistent kernel cache (Driver.h's loadOrCompile, as the JIT's kernels are).
#pragma once

#include "KernelAbi.h"
#include "codegen/AotObject.h"
#include "driver/ContractionPlan.h"
#include "driver/KernelCacheFiles.h"
#include "einjit/engine.h"
#include "einjit/explain.h"
#include "ir/IndexProgram.h"
#include "passes/Passes.h"
#include "support/CacheSizes.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace einjit::driver {

/// One kernel to compile: an entry point NAME (and NAME_strided) computing a call.
struct AotRequest {
  std::string name;       ///< the C entry point, a C identifier
  std::string expression; ///< the call, as `einjit explain` takes it
  std::string shapes;     ///< the operand shapes, as frontend::parseShapes takes them
  DType dtype = DType::f32;
  std::string origin; ///< "FILE:LINE: " for manifest lines, so errors point at the line
  /// How the call is read, as by Engine::plan: the legacy Keras batch_dot semantics, an f32
  /// output for bf16 or f16 operands (driver::readCall).
  CallOptions callOptions = {};
};

/// What the kernels are compiled for.
struct AotOptions {
  codegen::TargetDesc target;
  support::CacheSizes caches;
  bool threaded = true; ///< entry points take `int threads`; false: no pool, no packed kernel
};

/// The options for `targetName` ("host", or a CPU LLVM knows: else Error(Argument) "SOURCE:
/// LLVM does not know the CPU …"), blocked for the caches aotCacheSizes picks (`pinned`, else
/// the host's or the stated defaults).
AotOptions aotOptions(const std::string& targetName, const std::optional<CacheSizes>& pinned,
                      bool threaded, const std::string& source);

/// The cache sizes a target's kernels are blocked for: `pinned` when given (--cache-sizes or
/// $EINJIT_CACHE_SIZES), else this machine's for "host", else the stated defaults
/// (support::CacheSizes{}, a common x86 core), as the machine that runs them is not this one.
support::CacheSizes aotCacheSizes(const std::string& targetName,
                                  const std::optional<support::CacheSizes>& pinned);

/// What planContraction is asked for an entry point: the target's caches, and no path over
/// prologues (its steps would read the staged operands), which stays fused.
PlanOptions aotPlanOptions(const AotOptions& options);

/// One lowered request: its entry points and what its header says about them.
struct AotKernel {
  std::string name;                    ///< the C symbol
  std::string call;                    ///< the expression as given
  ir::IndexProgram program;            ///< with its prologues
  std::vector<std::string> inputNames; ///< parameter names, in order (distinct tensors)
  std::vector<Shape> inputShapes;      ///< parallel to inputNames, as the caller passes them
  bool hasStridedEntry = true;         ///< NAME_strided exists (not when an operand is ravelled)
  /// An input the entry point L2-normalizes before the contraction.
  struct Normalized {
    std::string name; ///< its parameter name
    int axis = 0;
    double epsilon = 0;
  };
  std::vector<Normalized> normalized;
  /// The path the entry points run, the JIT's choice (planContraction: pairwise where it beats
  /// the fused nest, or a relayout path); empty when they run one fused kernel. A bf16 or f16
  /// path runs as the JIT's: its operands widened to f32 in scratch, f32 steps and temporaries,
  /// and the result rounded once into out.
  passes::ContractionPath path;
  std::string pathText; ///< its steps as `einjit explain --emit=path` lists them; "" when fused
  /// The dtype of the scratch argument's elements: the program's, or f32 for a bf16 or f16 path.
  DType scratchDtype = DType::f32;
  std::int64_t scratchElements = 0; ///< elements of scratchDtype the scratch argument holds
  bool threaded = false;            ///< takes a last `int threads` argument
  bool parallel = false;            ///< a kernel splits its outermost output loop across threads
  /// Per-thread scratch memory its kernels ask einjit_rt for (packed kernels; 0: none, so the
  /// entry point cannot fail).
  std::int64_t scratchBytes = 0;
  codegen::AotEntryPoint entry;        ///< contiguous operands: every stride compiled in
  codegen::AotEntryPoint stridedEntry; ///< NAME_strided: strides passed at run time (no ravel)
  /// What `einjit explain` shows of the call, as the driver planned it here: the program, the
  /// path (when there is one to show) and the contiguous entry point's loop nests.
  std::vector<ExplainedStage> stages;
  /// The rest of what `einjit explain` says of the call as read (AotRequest::callOptions): its
  /// dtypes, the index statement and einsum of its result, both Keras readings where they may
  /// differ.
  Explanation facts;
};

/// What an entry point returns (runtime/KernelAbi.h), as the header defines it.
inline constexpr std::int32_t kAotStatusOk = runtime::kStatusOk;
inline constexpr std::int32_t kAotStatusOutOfMemory = runtime::kStatusOutOfMemory;

/// Lowers `request`, its call read by readCall (driver/CallReading.h) as the Engine reads it.
/// Throws readCall's errors (prefixed by the request's origin) and
/// Error(Unsupported) for prologues an object cannot run (a normalized bf16 or f16 operand, an
/// operand normalized twice, a call that both ravels and normalizes).
AotKernel lowerAot(const AotRequest& request, const AotOptions& options);

/// The object of every entry point of `kernels`, named `library` in the cache key.
struct AotObjectCode {
  std::string object;
  bool fromCache = false; ///< loaded from the persistent kernel cache
};

/// Where compileAot looks for its object and stores it: the persistent kernel cache's directory
/// ("": none, compile every time), and who receives the cache's one warning (a directory it
/// cannot use; empty: none).
struct AotCache {
  std::string directory = defaultKernelCacheDirectory();
  std::function<void(const std::string&)> warn;
};

/// The object from `cache` when it holds one compiled from the same module for the same target,
/// else compiled (codegen::compileAotObject) and stored there.
AotObjectCode compileAot(const std::string& library, const std::vector<AotKernel>& kernels,
                         const codegen::TargetDesc& target, const AotCache& cache);

} // namespace einjit::driver
