// The prologues (ravel, normalize) as LLVM IR: the one code generator for them, which the JIT's
// prologue functions (PrologueFunction.cpp) and the ahead-of-time entry points (AotObject.cpp)
// both call. Codegen-internal (pulls in LLVM).
#pragma once

#include "einjit/tensor.h"
#include "ir/IndexProgram.h"

#include <llvm/IR/IRBuilder.h>

#include <vector>

namespace llvm {
class TargetMachine;
} // namespace llvm

namespace einjit::codegen {

/// Emits, at the builder's insertion point, the L2-normalization along `axis` of the array of
/// `shape` at `source` (its strides in elements are `sourceStrides[d]` when that is not null, else
/// contiguous row-major), writing the normalized values, contiguous row-major, at `target`
/// (`target` may be `source` when the source is contiguous). Per fibre along the axis, as the
/// reference interpreter computes it: one pass summing |x|² (re² + im² for complex) in double,
/// one pass dividing each element by max(sqrt(sum), epsilon) in double and rounding once to the
/// dtype (bf16 and f16 through a round-to-odd float, so that the result is correctly rounded).
/// Real and complex floating-point dtypes only; throws Error(Internal) for others.
void emitNormalize(llvm::IRBuilder<>& builder, DType dtype, const Shape& shape, int axis,
                   double epsilon, llvm::Value* source, llvm::Value* sourceStrides,
                   llvm::Value* target, const llvm::TargetMachine& machine);

/// Emits the `steps` (an operand's prologues, in program order; conj is the kernel's) of an array
/// of `shape` at `source` with strides `sourceStrides` (in elements, one per dimension), writing
/// the result, contiguous row-major, at `target`. A ravel of a contiguous array is the same memory
/// read as 1-D, so the steps come down to one pass that copies the array in C order (when the
/// first step is a ravel or there is no normalize) or normalizes it into `target`, and a
/// normalize in place for every later normalize. Each normalize rounds to the dtype.
void emitOperandPrologue(llvm::IRBuilder<>& builder, DType dtype, const Shape& shape,
                         const std::vector<ir::Prologue>& steps, llvm::Value* source,
                         llvm::Value* sourceStrides, llvm::Value* target,
                         const llvm::TargetMachine& machine);

} // namespace einjit::codegen
