// Reading a call under the chosen Keras batch_dot semantics, the other reading (or its refusal)
// kept as a fact of the explanation, and the output dtype asked for.
#include "driver/CallReading.h"

#include "driver/CallFacts.h"
#include "einjit/error.h"
#include "frontend/OutputDtype.h"

namespace einjit::driver {

namespace {

constexpr const char* kLegacyKeras =
    "legacy Keras (Keras <= 2.2.4, tf.keras <= 1.14, TensorFlow backend)";

KerasReading readingOf(const std::optional<ir::IndexProgram>& program, const std::string& error) {
  return program ? KerasReading{contractionFacts(*program), ""} : KerasReading{std::nullopt, error};
}

// The current reading, with the legacy one beside it as a fact where the call has one.
CallReading readCurrent(const frontend::ParsedCall& call, const frontend::ShapeBinding& shapes,
                        const frontend::LowerOptions& lowerOptions) {
  frontend::LoweredCall lowered = frontend::lowerCall(call, shapes, lowerOptions);
  Explanation facts = callFacts(lowered);
  if (lowered.legacy || lowered.legacyError) {
    facts.batchDot =
        BatchDotFacts{false, KerasReading{facts.result, ""},
                      readingOf(lowered.legacy, lowered.legacyError.value_or("")),
                      !lowered.legacy || !sameContraction(lowered.program, *lowered.legacy)};
  }
  return CallReading{std::move(lowered), std::move(facts)};
}

// The legacy reading, with the current one (or its refusal) beside it as a fact.
CallReading readLegacy(const frontend::ParsedCall& call, const frontend::ShapeBinding& shapes,
                       frontend::LowerOptions lowerOptions) {
  if (!frontend::hasLegacyBatchDot(call))
    throw Error(ErrorKind::Argument, "legacy batch_dot: " + call.function +
                                         " has one meaning; legacy semantics exist only for "
                                         "K.batch_dot, keras.layers.Dot and keras.layers.dot");
  // The current reading first: where it holds, the legacy one comes with it (or its refusal).
  std::optional<frontend::LoweredCall> current;
  std::string currentError;
  try {
    current = frontend::lowerCall(call, shapes, lowerOptions);
  } catch (const Error& error) {
    if (error.kind() == ErrorKind::Internal || error.kind() == ErrorKind::Resource ||
        error.kind() == ErrorKind::Arity)
      throw;
    currentError = error.message();
  }
  if (current) {
    if (!current->legacy)
      throw Error(ErrorKind::Shape, std::string(kLegacyKeras) +
                                        " refuses this call: " + current->legacyError.value_or(""));
    ir::IndexProgram currentProgram = std::move(current->program);
    current->program = std::move(*current->legacy);
    current->legacy.reset();
    Explanation facts = callFacts(*current);
    facts.batchDot = BatchDotFacts{true, KerasReading{contractionFacts(currentProgram), ""},
                                   KerasReading{facts.result, ""},
                                   !sameContraction(currentProgram, current->program)};
    return CallReading{std::move(*current), std::move(facts)};
  }
  // Only legacy Keras accepts the call (axis 0 of 2-D inputs, §8.6).
  lowerOptions.batchDot = frontend::BatchDotSemantics::Legacy;
  frontend::LoweredCall legacy = frontend::lowerCall(call, shapes, lowerOptions);
  Explanation facts = callFacts(legacy);
  facts.batchDot = BatchDotFacts{true, KerasReading{std::nullopt, currentError},
                                 KerasReading{facts.result, ""}, true};
  return CallReading{std::move(legacy), std::move(facts)};
}

} // namespace

CallReading readCall(std::string_view expression, const frontend::ShapeBinding& shapes, DType dtype,
                     const CallOptions& options) {
  DType outputDtype = frontend::outputDtypeFor(dtype, options.outputDtype);
  frontend::ParsedCall call = frontend::parseCall(std::string(expression));
  frontend::LowerOptions lowerOptions;
  lowerOptions.dtype = dtype;
  CallReading reading = options.legacyBatchDot ? readLegacy(call, shapes, lowerOptions)
                                               : readCurrent(call, shapes, lowerOptions);
  if (outputDtype != dtype) {
    reading.lowered.program.outputDtype = outputDtype;
    if (reading.lowered.legacy)
      reading.lowered.legacy->outputDtype = outputDtype;
    reading.facts.outputDtype = outputDtype;
  }
  return reading;
}

} // namespace einjit::driver
