// The reference interpreter in the public API: a call read by the front end and evaluated
// directly over strided views with wide accumulation. Slow and simple: the oracle `einjit run
// --check` compares the JIT with (`--interpret` runs it alone), never the fast path. No JIT, no
// Engine.
#pragma once

#include "einjit/dtype.h"
#include "einjit/engine.h"
#include "einjit/tensor.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace einjit {

/// One call bound to operand shapes and a dtype, evaluated by the reference interpreter.
/// Copies share state; run() is safe to call from many threads at once.
class ReferenceCall {
public:
  /// Reads `expression` (an einsum string or a call, as Engine::plan takes it) on operands of
  /// these shapes, one per distinct operand name in order, and this dtype. With
  /// options.legacyBatchDot, the legacy Keras reading (Error(Argument) for a call whose meaning
  /// never changed); options.outputDtype as for Engine::plan. Throws the front end's errors.
  ReferenceCall(std::string_view expression, const std::vector<Shape>& shapes, DType dtype,
                const CallOptions& options = {});

  const Shape& outputShape() const;
  /// The output's dtype: the operands', or f32 where CallOptions::outputDtype asked for it.
  DType outputDtype() const;
  /// The output's name in the call's index notation ("out").
  const std::string& outputName() const;

  /// out = alpha * contraction + beta * out (options.threads is ignored: one thread), with one
  /// input per distinct operand name as for Plan::run. Accumulates f32, bf16 and f16 in double,
  /// f64 in long double, integers in int64 (wrapping like numpy), c64 in complex<double>, c128
  /// in complex<long double>; bf16 and f16 round once, when stored. Throws Error(Misuse) when
  /// the inputs or `out` do not fit: count, dtype, rank, extents, a null pointer.
  void run(InputViews inputs, const MutableTensorView& out, const RunOptions& options = {}) const;
  /// Same, into a new C-order tensor.
  Tensor run(InputViews inputs, const RunOptions& options = {}) const;

  struct State;

private:
  std::shared_ptr<const State> state_;
};

} // namespace einjit
