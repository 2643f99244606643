// An operand's prologues (ravel, normalize) as a function of their own, compiled like a kernel:
// the JIT runs it into a staging buffer before the kernel reads the operand. No LLVM types.
#pragma once

#include "codegen/Codegen.h"
#include "ir/IndexProgram.h"

#include <string>
#include <vector>

namespace einjit::codegen {

/// What one operand's prologue function computes: its prologues in program order (conj is the
/// kernel's, not a prologue) on an array of `shape` and `dtype`.
struct OperandPrologue {
  DType dtype = DType::f32;
  Shape shape;                     ///< the operand as passed (before the prologues)
  std::vector<ir::Prologue> steps; ///< their `operand` fields are not read
};

/// The prologues `program` runs on its operand `operand` (no steps when it has none).
OperandPrologue operandPrologue(const ir::IndexProgram& program, std::size_t operand);
/// Text that identifies the function's code (with the target, a cache key).
std::string keyText(const OperandPrologue& prologue);

/// The prologue function has the kernel entry's C signature (KernelEntry, runtime/KernelAbi.h),
/// so that the kernel cache, the disk cache and the JIT hold it as they hold a kernel:
///   data     {source, target}: the operand's elements as passed, and the buffer the result is
///            written to, contiguous row-major in the shape after the prologues (as many elements
///            as the source has);
///   strides  the source's stride of each of its dimensions, in elements;
///   extents, alpha, beta  not read (null is fine).
/// It returns kStatusOk. The code is PrologueIR.h's, which ahead-of-time entry points inline.
/// Its LLVM IR, before or after optimization.
std::string emitPrologueIR(const OperandPrologue& prologue, const TargetDesc& target,
                           const std::string& symbol, bool optimized);
/// The object file that defines `symbol`, optimized by the kernels' pipeline plus LLVM's loop
/// vectorizer. LLVM failures throw Error(Internal) naming the stage ("codegen (verify): …").
std::string compilePrologue(const OperandPrologue& prologue, const TargetDesc& target,
                            const std::string& symbol);

} // namespace einjit::codegen
