// The prologues an ahead-of-time entry point runs before its kernel, as LLVM IR in the entry
// point itself, so the object still needs no einjit library. Codegen-internal (pulls in LLVM).
#pragma once

#include "codegen/AotObject.h"

#include <llvm/IR/IRBuilder.h>

namespace einjit::codegen {

/// Emits, at the builder's insertion point, the L2-normalization of `prologue` (AotObject.h):
/// reads the array at `source` (its strides in elements are `sourceStrides[d]` when that is not
/// null, else contiguous row-major) and writes the normalized values, contiguous row-major, at
/// `target`. Per fibre along the axis: one pass summing |x|² in double, one pass dividing by
/// max(sqrt(sum), epsilon) in double and rounding to the dtype. Real and complex dtypes only.
void emitNormalize(llvm::IRBuilder<>& builder, DType dtype, const AotNormalize& prologue,
                   llvm::Value* source, llvm::Value* sourceStrides, llvm::Value* target);

} // namespace einjit::codegen
