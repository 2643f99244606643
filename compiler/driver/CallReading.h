// Reading a call text on operand shapes under the caller's CallOptions (the Keras batch_dot
// semantics, the output dtype): the one reading the Engine (Engine::plan, call, explain) and
// ahead-of-time compilation (lowerAot) both take, so a call computes the same through either.
#pragma once

#include "einjit/engine.h"
#include "einjit/explain.h"
#include "frontend/CallText.h"

#include <string_view>

namespace einjit::driver {

struct CallReading {
  /// `lowered.program` is the chosen reading (legacy with CallOptions::legacyBatchDot), with
  /// CallOptions::outputDtype; operandSources bind it to the call's distinct operand names.
  frontend::LoweredCall lowered;
  /// Everything an explanation says but the compiler stages: the chosen reading's facts and,
  /// for calls Keras versions read apart, both readings (BatchDotFacts).
  Explanation facts;
};

/// Lowers `expression` on `shapes` (positional, or by the call's operand names). With
/// options.legacyBatchDot the legacy reading is the program, and the current one is still read
/// for the explanation: its refusal (axis 0 of 2-D inputs, docs/semantics.md §8.6) is a fact,
/// not an error. Throws the front end's errors; Error(Argument) for an output dtype other than
/// outputDtypeOf allows and for legacy semantics on a call whose meaning never changed; the
/// legacy refusal as Error(Shape) when legacy Keras refuses the shapes.
CallReading readCall(std::string_view expression, const frontend::ShapeBinding& shapes, DType dtype,
                     const CallOptions& options);

} // namespace einjit::driver
