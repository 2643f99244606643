// ReferenceCall (include/einjit/reference.h): a call lowered by the front end, its operands bound
// to the call's distinct names, evaluated by the interpreter.
#include "einjit/reference.h"

#include "einjit/error.h"
#include "frontend/CallText.h"
#include "frontend/OutputDtype.h"
#include "reference/Interpreter.h"

namespace einjit {

struct ReferenceCall::State {
  ir::IndexProgram program;
  /// Per program operand: the input it reads (`a @ a` reads one input twice).
  std::vector<std::size_t> operandSources;
  std::size_t inputCount = 0;
  Shape outputShape;
};

ReferenceCall::ReferenceCall(std::string_view expression, const std::vector<Shape>& shapes,
                             DType dtype, const CallOptions& options) {
  DType outputDtype = frontend::outputDtypeFor(dtype, options.outputDtype);
  frontend::ParsedCall call = frontend::parseCall(std::string(expression));
  frontend::LowerOptions lowerOptions;
  lowerOptions.dtype = dtype;
  if (options.legacyBatchDot) {
    if (!frontend::hasLegacyBatchDot(call))
      throw Error(ErrorKind::Argument, "legacy batch_dot: " + call.function +
                                           " has one meaning; legacy semantics exist only for "
                                           "K.batch_dot, keras.layers.Dot and keras.layers.dot");
    lowerOptions.batchDot = frontend::BatchDotSemantics::Legacy;
  }
  frontend::ShapeBinding binding;
  binding.positional = shapes;
  frontend::LoweredCall lowered = frontend::lowerCall(call, binding, lowerOptions);
  auto state = std::make_shared<State>();
  state->program = std::move(lowered.program);
  if (outputDtype != dtype)
    state->program.outputDtype = outputDtype;
  state->operandSources = std::move(lowered.operandSources);
  state->inputCount = frontend::distinctOperandNames(lowered.call).size();
  state->outputShape = state->program.outputShape();
  state_ = std::move(state);
}

const Shape& ReferenceCall::outputShape() const {
  return state_->outputShape;
}

DType ReferenceCall::outputDtype() const {
  return state_->program.resultDtype();
}

const std::string& ReferenceCall::outputName() const {
  return state_->program.outputName;
}

void ReferenceCall::run(InputViews inputs, const MutableTensorView& out,
                        const RunOptions& options) const {
  if (inputs.size() != state_->inputCount)
    throw Error(ErrorKind::Misuse, "reference: the call takes " +
                                       std::to_string(state_->inputCount) +
                                       (state_->inputCount == 1 ? " input" : " inputs") + ", got " +
                                       std::to_string(inputs.size()));
  std::vector<TensorView> operands;
  for (std::size_t source : state_->operandSources)
    operands.push_back(inputs[source]);
  reference::interpret(state_->program, operands, out,
                       reference::InterpretOptions{options.alpha, options.beta});
}

Tensor ReferenceCall::run(InputViews inputs, const RunOptions& options) const {
  Tensor out(outputDtype(), state_->outputShape);
  run(inputs, out.view(), options);
  return out;
}

} // namespace einjit
