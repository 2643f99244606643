// LoopNest → native code through LLVM: the target description, the kernel's C ABI, and the three
// products of code generation (LLVM IR text, assembly text, an object file). LLVM types stay in
// the codegen .cpp files.
#pragma once

#include "KernelAbi.h"
#include "ir/LoopNest.h"

#include <cstdint>
#include <string>
#include <vector>

namespace einjit::codegen {

/// The machine code is generated for.
struct TargetDesc {
  std::string triple;
  std::string cpu;
  std::string features;      ///< "+avx2,+fma,-avx512f,…" as LLVM spells them; empty: the CPU's
  unsigned vectorBits = 128; ///< widest vector register the features allow
  unsigned vectorRegisters = 16; ///< vector registers of that width
  bool bf16DotProduct = false;   ///< AVX512-BF16 (vdpbf16ps)
  /// Identifies the target in cache keys.
  std::string key() const { return triple + "/" + cpu + "/" + features; }
};

/// The host: its process triple, sys::getHostCPUName() and sys::getHostCPUFeatures().
TargetDesc hostTarget();
/// A named CPU ("haswell", "skylake-avx512", …) with that CPU's own features, for `triple` (the
/// host's when empty). Throws Error(Internal, "codegen (target): …") when LLVM has no such
/// target.
TargetDesc namedTarget(const std::string& cpu, const std::string& triple = "");
/// The target a user names: "host" (or "") for hostTarget(), else an LLVM CPU name for the
/// host's triple ("x86-64-v3", "x86-64-v4", "znver4", "sapphirerapids", …). Throws
/// Error(Argument, "<context>: LLVM does not know the CPU …") naming the CPU when LLVM does not
/// know it (rather than LLVM's warning and a generic CPU).
TargetDesc resolveTarget(const std::string& cpu, const std::string& context);
/// The ISA features `target` enables that the host's CPU lacks ("avx512f", …), sorted; empty
/// when code for `target` runs here.
std::vector<std::string> featuresMissingOnHost(const TargetDesc& target);

/// The C ABI of every kernel (runtime/KernelAbi.h): it returns a status, kStatusOk or the
/// failure that kept it from its work.
using KernelEntry = runtime::KernelEntry;

/// Bytes of per-thread scratch memory (runtime/Scratch.h) a packed kernel asks for: what it
/// could not get when it returns kStatusOutOfMemory. 0 for other kernels, which ask for none.
std::int64_t packedScratchBytes(const ir::LoopNest& nest);

/// A packed kernel's micro-kernel and tile store alone (codegen/MicroKernel.cpp), for tests:
/// multiplies the packed panels aPanel (kc × MR, k-major) and bPanel (kc × NR) and stores the
/// first `rows` × `columns` of the MR × NR tile at out[rowOffsets[r] + columnOffsets[c]] (in
/// elements) as the kernel stores a tile: alpha * acc + beta * out when `first` is nonzero (out
/// not read when beta is zero), alpha * acc + out otherwise. alpha and beta point at one value.
using MicroKernelEntry = void (*)(const void* aPanel, const void* bPanel, std::int64_t kc,
                                  void* out, const std::int64_t* rowOffsets,
                                  const std::int64_t* columnOffsets, std::int64_t rows,
                                  std::int64_t columns, const void* alpha, const void* beta,
                                  std::int32_t first);
/// The object file defining `symbol` as the MicroKernelEntry of `nest`'s packed schedule
/// (nest.packed must be set), optimized as a kernel is.
std::string compileMicroKernel(const ir::LoopNest& nest, const TargetDesc& target,
                               const std::string& symbol);

/// The kernel's LLVM IR, before or after optimization.
std::string emitLLVMIR(const ir::LoopNest& nest, const TargetDesc& target,
                       const std::string& symbol, bool optimized);
/// The kernel's assembly after optimization.
std::string emitAssembly(const ir::LoopNest& nest, const TargetDesc& target,
                         const std::string& symbol);
/// Object files that together define `symbol` with the KernelEntry signature, after
/// optimization: one, or for a packed kernel two, compiled at the same time on two threads
/// (the packing routines, and the rest), which cuts its compile time by about a third on a
/// machine with a core to spare. LLVM failures throw Error(Internal) naming the stage
/// ("codegen (verify): …").
std::vector<std::string> compileObjects(const ir::LoopNest& nest, const TargetDesc& target,
                                        const std::string& symbol);

} // namespace einjit::codegen
