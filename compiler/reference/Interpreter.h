// The reference interpreter: evaluates any IndexProgram directly over strided views, with wide
// accumulation. It is the oracle for tests and `--check`, never the fast path.
#pragma once

#include "ir/IndexProgram.h"

#include <complex>
#include <vector>

namespace einjit::reference {

struct InterpretOptions {
  /// out = alpha * contraction + beta * out. Complex dtypes use the complex values; real dtypes
  /// the real parts; integer dtypes round alpha and beta to integers.
  std::complex<double> alpha{1.0, 0.0};
  std::complex<double> beta{0.0, 0.0};
};

/// Evaluates `program` on `inputs` (one view per operand, shapes and dtype as declared, any
/// strides including 0) into `out` (shape program.outputShape(), any non-overlapping strides).
/// Accumulates f32, bf16 and f16 in double, f64 in long double, integers in int64 (wrapping like
/// numpy), c64 in complex<double>, c128 in complex<long double>; bf16 and f16 round once, to
/// nearest even, when the result is stored. Throws Error(Misuse) on a count, dtype, rank or
/// extent that does not match the program, or a null data pointer for a non-empty tensor.
void interpret(const ir::IndexProgram& program, InputViews inputs, const MutableTensorView& out,
               const InterpretOptions& options = {});
/// Same, into a new C-order tensor.
Tensor interpret(const ir::IndexProgram& program, InputViews inputs,
                 const InterpretOptions& options = {});

/// Operand `operand` of `program` after its prologues (ravel, normalize; not conj), as a new
/// C-order tensor of the program's dtype. Computed in the wide types above and rounded once, as
/// the interpreter stages operands: the oracle of the engine's generated prologue functions.
/// Throws like interpret() when `view` does not fit the operand.
Tensor applyPrologues(const ir::IndexProgram& program, std::size_t operand, const TensorView& view);

} // namespace einjit::reference
