// The compile driver's common half: the one lowering of a program to a loop nest and the one
// identity of a compiled object in the persistent kernel cache, used by the JIT (Engine) and by
// ahead-of-time compilation (AotCompile.h) alike.
#pragma once

#include "codegen/Codegen.h"
#include "ir/IndexProgram.h"
#include "ir/LoopNest.h"
#include "jit/DiskCache.h"
#include "passes/Passes.h"

#include <string>
#include <vector>

namespace einjit::driver {

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

} // namespace einjit::driver
