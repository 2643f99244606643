// The facts of an explanation (include/einjit/explain.h): what each reading of a call computes,
// in the words of numpy and Keras, and Engine::explain, which gathers them with the compiler's
// stages.
#include "engine/CallReading.h"
#include "engine/EngineImpl.h"

#include "einjit/error.h"
#include "ir/Explain.h"
#include "support/Format.h"

#include <cctype>
#include <map>

namespace einjit {

namespace {

constexpr const char* kLegacyKeras =
    "legacy Keras (Keras <= 2.2.4, tf.keras <= 1.14, TensorFlow backend)";

// ir::multiplyAdds, but saying so when the count does not fit in 64 bits (extents of 2^32
// each are legal) instead of saturating.
std::optional<std::int64_t> checkedMultiplyAdds(const ir::IndexProgram& program) {
  std::int64_t count = 1;
  for (const auto& [label, extent] : program.labelExtents())
    if (__builtin_mul_overflow(count, extent, &count))
      return std::nullopt;
  return count;
}

// The equivalent numpy expression, e.g. "np.einsum('bik,bjk->bij', a, b)", with the
// normalisation, ravel and conj prologues written out and np.expand_dims for unit output axes.
std::string numpyEquivalent(const ir::IndexProgram& program, const ir::EinsumForm& form) {
  std::vector<std::string> operands;
  for (std::size_t t = 0; t < program.operands.size(); ++t) {
    std::string expr = program.operands[t].name;
    for (const ir::Prologue& prologue : program.prologues) {
      if (prologue.operand != t)
        continue;
      if (prologue.kind == ir::PrologueKind::Ravel)
        expr = "np.ravel(" + expr + ")";
      else
        expr = expr + " / np.maximum(np.linalg.norm(" + expr +
               ", axis=" + std::to_string(prologue.axis) + ", keepdims=True), " +
               support::shortestDouble(prologue.epsilon) + ")";
    }
    if (program.operands[t].conj)
      expr = "np.conj(" + expr + ")";
    operands.push_back(expr);
  }
  std::string call = "np.einsum('" + form.subscripts + "', " + support::join(operands, ", ") + ")";
  if (form.unitOutputAxes.empty())
    return call;
  std::vector<std::string> axes;
  for (std::size_t axis : form.unitOutputAxes)
    axes.push_back(std::to_string(axis));
  std::string axisText = axes.size() == 1 ? axes[0] : "(" + support::join(axes, ", ") + ")";
  return "np.expand_dims(" + call + ", " + axisText + ")";
}

ContractionFacts contractionFacts(const ir::IndexProgram& program) {
  ContractionFacts facts;
  facts.outputName = program.outputName;
  facts.outShape = program.outputShape();
  facts.index = ir::statementText(program);
  ir::EinsumForm form = ir::equivalentEinsum(program);
  facts.einsum = form.subscripts;
  facts.numpy = numpyEquivalent(program, form);
  for (const ir::LabelInfo& info : ir::classifyLabels(program)) {
    LabelFacts label{info.label, std::string(ir::labelRoleName(info.role)), info.extent, {}, {}};
    for (const ir::LabelSite& site : info.sites)
      label.sites.push_back(AxisRef{program.operands[site.operand].name, site.axis});
    if (info.outputAxis >= 0)
      label.outputAxis = static_cast<std::size_t>(info.outputAxis);
    facts.labels.push_back(std::move(label));
  }
  for (const ir::BroadcastDim& dim : ir::broadcastDims(program))
    facts.broadcast.push_back(AxisRef{program.operands[dim.operand].name, dim.axis});
  facts.unitOutputAxes = form.unitOutputAxes;
  facts.notes = form.prologueNotes;
  facts.multiplyAdds = checkedMultiplyAdds(program);
  return facts;
}

// The einsum with letters renamed in order of first appearance, so that two programs that
// differ only in label names compare equal.
std::string canonicalSubscripts(const std::string& subscripts) {
  std::map<char, char> renamed;
  std::string out;
  for (char c : subscripts) {
    if (!std::isalpha(static_cast<unsigned char>(c))) {
      out += c;
      continue;
    }
    auto found = renamed.find(c);
    if (found == renamed.end())
      found = renamed.emplace(c, static_cast<char>('a' + renamed.size())).first;
    out += found->second;
  }
  return out;
}

bool sameContraction(const ir::IndexProgram& a, const ir::IndexProgram& b) {
  ir::EinsumForm formA = ir::equivalentEinsum(a), formB = ir::equivalentEinsum(b);
  return a.outputShape() == b.outputShape() &&
         canonicalSubscripts(formA.subscripts) == canonicalSubscripts(formB.subscripts) &&
         formA.unitOutputAxes == formB.unitOutputAxes && a.prologues == b.prologues;
}

/// The call-level facts of `lowered`, whose program is the chosen reading.
Explanation callFacts(const frontend::LoweredCall& lowered) {
  const ir::IndexProgram& program = lowered.program;
  Explanation facts;
  facts.call = lowered.call.text;
  facts.function = lowered.call.function;
  facts.dtype = program.dtype;
  facts.outputDtype = program.outputDtype;
  for (const ir::Operand& operand : program.operands)
    facts.operands.push_back(OperandFacts{operand.name, operand.shape});
  facts.result = contractionFacts(program);
  return facts;
}

KerasReading readingOf(const std::optional<ir::IndexProgram>& program, const std::string& error) {
  return program ? KerasReading{contractionFacts(*program), ""} : KerasReading{std::nullopt, error};
}

} // namespace

const ExplainedStage* Explanation::stage(const std::string& key) const {
  for (const ExplainedStage& candidate : stages)
    if (candidate.key == key)
      return &candidate;
  return nullptr;
}

namespace {

CallReading readCallText(std::string_view expression, const std::vector<Shape>& shapes, DType dtype,
                         const CallOptions& options);

} // namespace

CallReading readCall(std::string_view expression, const std::vector<Shape>& shapes, DType dtype,
                     const CallOptions& options) {
  outputDtypeOf(dtype, options);
  CallReading reading = readCallText(expression, shapes, dtype, options);
  if (options.outputDtype && *options.outputDtype != dtype) {
    reading.lowered.program.outputDtype = options.outputDtype;
    if (reading.lowered.legacy)
      reading.lowered.legacy->outputDtype = options.outputDtype;
    reading.facts.outputDtype = options.outputDtype;
  }
  return reading;
}

namespace {

CallReading readCallText(std::string_view expression, const std::vector<Shape>& shapes, DType dtype,
                         const CallOptions& options) {
  frontend::ParsedCall call = frontend::parseCall(std::string(expression));
  frontend::ShapeBinding binding;
  binding.positional = shapes;
  frontend::LowerOptions lowerOptions;
  lowerOptions.dtype = dtype;
  if (!options.legacyBatchDot) {
    frontend::LoweredCall lowered = frontend::lowerCall(call, binding, lowerOptions);
    Explanation facts = callFacts(lowered);
    if (lowered.legacy || lowered.legacyError) {
      facts.batchDot =
          BatchDotFacts{false, KerasReading{facts.result, ""},
                        readingOf(lowered.legacy, lowered.legacyError.value_or("")),
                        !lowered.legacy || !sameContraction(lowered.program, *lowered.legacy)};
    }
    return CallReading{std::move(lowered), std::move(facts)};
  }
  if (!frontend::hasLegacyBatchDot(call))
    throw Error(ErrorKind::Argument, "legacy batch_dot: " + call.function +
                                         " has one meaning; legacy semantics exist only for "
                                         "K.batch_dot, keras.layers.Dot and keras.layers.dot");
  // The current reading first: where it holds, the legacy one comes with it (or its refusal).
  std::optional<frontend::LoweredCall> current;
  std::string currentError;
  try {
    current = frontend::lowerCall(call, binding, lowerOptions);
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
  // Only legacy Keras accepts the call (axis 0 of 2-D inputs, §11.3).
  lowerOptions.batchDot = frontend::BatchDotSemantics::Legacy;
  frontend::LoweredCall legacy = frontend::lowerCall(call, binding, lowerOptions);
  Explanation facts = callFacts(legacy);
  facts.batchDot = BatchDotFacts{true, KerasReading{std::nullopt, currentError},
                                 KerasReading{facts.result, ""}, true};
  return CallReading{std::move(legacy), std::move(facts)};
}

} // namespace

Explanation programFacts(const ir::IndexProgram& program) {
  frontend::LoweredCall lowered;
  lowered.program = program;
  lowered.call.text = ir::equivalentEinsum(program).subscripts;
  lowered.call.function = "np.einsum";
  return callFacts(lowered);
}

Explanation Plan::explanation(ExplainStage stage) const {
  Explanation explanation = state_->facts ? *state_->facts : programFacts(state_->program);
  explanation.stages = stages(*state_, stage);
  return explanation;
}

Explanation Engine::explain(std::string_view expression, const std::vector<Shape>& shapes,
                            DType dtype, const CallOptions& options,
                            std::optional<ExplainStage> stage) {
  if (stage && *stage > ExplainStage::Index)
    return plan(expression, shapes, dtype, options).explanation(*stage);
  CallReading reading = readCall(expression, shapes, dtype, options);
  if (stage)
    reading.facts.stages.push_back(
        ExplainedStage{"program", "index program", ir::toString(reading.lowered.program)});
  return std::move(reading.facts);
}

} // namespace einjit
