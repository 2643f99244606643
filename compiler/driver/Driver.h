// The compile driver's common half: the one lowering of a program to a loop nest, and the one
// identity of a compiled object in the persistent kernel cache with the one sequence that loads
// it from there or compiles and stores it, used by the JIT (Engine) and by ahead-of-time
// compilation (AotCompile.h) alike. The plan both take of a program is ContractionPlan.h.
#pragma once

#include "codegen/Codegen.h"
#include "einjit/engine.h"
#include "ir/IndexProgram.h"
#include "ir/LoopNest.h"
#include "jit/DiskCache.h"
#include "passes/Passes.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace einjit::driver {

/// The schedule family a public Strategy forces; nullopt for Strategy::Auto.
std::optional<ir::Strategy> forcedStrategy(Strategy strategy);

/// The schedule's options for kernels of `target` blocked for `caches`: its vector width and
/// registers, its bf16 dot product; the strategy left to the estimate.
passes::LoopOptions targetLoopOptions(const codegen::TargetDesc& target,
                                      const support::CacheSizes& caches);

/// The loop nest of `program` for tensors of the given stride classes: its contraction
/// (passes::makeContraction), then the pass pipeline (passes::lowerContraction) under `options`.
ir::LoopNest lowerProgram(const ir::IndexProgram& program,
                          const std::vector<passes::StrideClass>& operandClasses,
                          const passes::StrideClass& outputClass, bool constantExtents,
                          const passes::LoopOptions& options);

/// What identifies a compiled object in the persistent kernel cache (docs/kernel-cache.md):
/// einjit's version, the target, the full `key`, and a digest of `unoptimizedCode`, the LLVM IR
/// before optimization (so that an einjit whose code generator changed never uses an old
/// object); `symbol` is the object's entry point.
jit::DiskEntryIdentity cacheIdentity(const codegen::TargetDesc& target, std::string key,
                                     const std::string& unoptimizedCode, std::string symbol);

/// What compiling one object through the persistent kernel cache needs.
struct CacheableObject {
  std::string key;    ///< what the object computes, for the target (cacheIdentity's key)
  std::string symbol; ///< its entry point
  /// The LLVM IR before optimization, which the entry's fingerprint digests: cheap next to
  /// optimization and machine code, and it pins down what the code generator makes of the key.
  std::function<std::string()> unoptimizedIR;
  std::function<std::string()> compile; ///< the object itself, what the cache saves
};

/// The one load-or-compile sequence of the Engine's miss path and of compileAot: `use` is called
/// on the object `disk` holds for `object` (compiled from the same IR for the same target by the
/// same einjit), else on a fresh compilation, which is then stored (after `use`, so that an
/// object the caller cannot link is not kept). A loaded object `use` throws Error on counts as
/// rejected (DiskCache::linkFailed): it is compiled again and the entry overwritten. With no
/// `disk`, or a disabled one, it compiles. Returns true when the object came from the disk.
bool loadOrCompile(jit::DiskCache* disk, const codegen::TargetDesc& target,
                   const CacheableObject& object,
                   const std::function<void(const std::string& code)>& use);

} // namespace einjit::driver
