// The call-reading extras of the public API (CallOptions, outputDtypeOf, callOperandNames,
// Plan::inputNames): what bindings such as the Python package need to take a call's operands by
// name and to ask for the legacy Keras batch_dot semantics or an f32 output, as the CLI does.
#include "engine/EngineImpl.h"

#include "driver/CallReading.h"
#include "einjit/error.h"
#include "frontend/CallText.h"
#include "frontend/OutputDtype.h"

namespace einjit {

DType outputDtypeOf(DType dtype, const CallOptions& options) {
  return frontend::outputDtypeFor(dtype, options.outputDtype);
}

std::vector<std::string> callOperandNames(std::string_view expression) {
  frontend::ParsedCall call = frontend::parseCall(std::string(expression));
  if (call.operandNames.empty())
    return {};
  return frontend::distinctOperandNames(call);
}

const std::vector<std::string>& Plan::inputNames() const {
  return state_->inputNames;
}

std::vector<Shape> callShapes(std::string_view expression, std::string_view shapesText) {
  frontend::ShapeBinding binding = frontend::parseShapes(std::string(shapesText));
  if (binding.named.empty())
    return binding.positional;
  frontend::ParsedCall call = frontend::parseCall(std::string(expression));
  std::vector<Shape> shapes;
  for (const std::string& name : frontend::distinctOperandNames(call)) {
    auto found = binding.named.find(name);
    if (found == binding.named.end())
      break;
    shapes.push_back(found->second);
  }
  if (shapes.size() != binding.named.size() || !binding.positional.empty()) {
    // Names that do not match: the front end's own binding reports which, as for the CLI.
    frontend::lowerCall(call, binding);
    throw Error(ErrorKind::Internal, "callShapes: the shapes do not bind but lowerCall took them");
  }
  return shapes;
}

std::shared_ptr<Plan::State> callState(std::shared_ptr<Engine::Impl> engine,
                                       driver::CallReading reading) {
  frontend::LoweredCall& lowered = reading.lowered;
  auto state = std::make_shared<Plan::State>(std::move(engine), std::move(lowered.program));
  if (!lowered.operandSources.empty())
    state->bindInputs(frontend::distinctOperandNames(lowered.call), lowered.operandSources);
  state->facts = std::move(reading.facts);
  return state;
}

Plan Engine::plan(std::string_view expression, const std::vector<Shape>& shapes, DType dtype,
                  const CallOptions& options) {
  std::shared_ptr<Plan::State> state = callState(
      impl_, driver::readCall(expression, frontend::ShapeBinding{shapes, {}}, dtype, options));
  state->compileContiguous();
  return Plan(std::move(state));
}

} // namespace einjit
