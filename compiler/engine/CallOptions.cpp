// The call-reading extras of the public API (CallOptions, callOperandNames, Plan::inputNames):
// what bindings such as the Python package need to take a call's operands by name and to ask
// for the legacy Keras batch_dot semantics, as the CLI does.
#include "engine/EngineImpl.h"

#include "einjit/error.h"
#include "frontend/CallText.h"

namespace einjit {

std::vector<std::string> callOperandNames(std::string_view expression) {
  frontend::ParsedCall call = frontend::parseCall(std::string(expression));
  if (call.operandNames.empty())
    return {};
  return frontend::distinctOperandNames(call);
}

const std::vector<std::string>& Plan::inputNames() const {
  return state_->inputNames;
}

Plan Engine::plan(std::string_view expression, const std::vector<Shape>& shapes, DType dtype,
                  const CallOptions& callOptions) {
  frontend::ParsedCall call = frontend::parseCall(std::string(expression));
  frontend::LowerOptions options;
  options.dtype = dtype;
  if (callOptions.legacyBatchDot) {
    // The same refusal as `einjit run --batch-dot=legacy`.
    if (!frontend::hasLegacyBatchDot(call))
      throw Error(ErrorKind::Argument, "legacy batch_dot: " + call.function +
                                           " has one meaning; legacy semantics exist only for "
                                           "K.batch_dot, keras.layers.Dot and keras.layers.dot");
    options.batchDot = frontend::BatchDotSemantics::Legacy;
  }
  frontend::ShapeBinding binding;
  binding.positional = shapes;
  frontend::LoweredCall lowered = frontend::lowerCall(call, binding, options);
  auto state = std::make_shared<Plan::State>(impl_, std::move(lowered.program));
  if (!lowered.operandSources.empty())
    state->bindInputs(frontend::distinctOperandNames(lowered.call), lowered.operandSources);
  state->compileContiguous();
  return Plan(std::move(state));
}

} // namespace einjit
