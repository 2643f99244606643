// Reading a call text on operand shapes under the chosen Keras batch_dot semantics: the program a
// plan computes and the facts its explanation (include/einjit/explain.h) gives.
#pragma once

#include "einjit/engine.h"
#include "frontend/CallText.h"

#include <string_view>
#include <vector>

namespace einjit {

struct CallReading {
  /// `lowered.program` is the chosen reading (legacy with CallOptions::legacyBatchDot);
  /// operandSources bind it to the call's distinct operand names.
  frontend::LoweredCall lowered;
  /// Everything but the compiler stages.
  Explanation facts;
};

/// Lowers `expression` on `shapes` (one per distinct operand name, in order). With
/// options.legacyBatchDot the legacy reading is the program, and the current one is still read
/// for the explanation: its refusal (axis 0 of 2-D inputs, §11.3) is a fact, not an error.
/// Error(Argument) for legacy semantics on a call whose meaning never changed; the legacy
/// refusal as Error(Shape) when legacy Keras refuses the shapes.
CallReading readCall(std::string_view expression, const std::vector<Shape>& shapes, DType dtype,
                     const CallOptions& options);

/// The facts of a plan made without call text (an einsum, an IndexProgram): the program itself.
Explanation programFacts(const ir::IndexProgram& program);

} // namespace einjit
