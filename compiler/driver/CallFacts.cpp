// The facts of an explanation: what a program computes, in the words of numpy and Keras.
#include "driver/CallFacts.h"

#include "ir/Explain.h"
#include "support/Format.h"

#include <cctype>
#include <map>

namespace einjit::driver {

namespace {

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

} // namespace

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

bool sameContraction(const ir::IndexProgram& a, const ir::IndexProgram& b) {
  ir::EinsumForm formA = ir::equivalentEinsum(a), formB = ir::equivalentEinsum(b);
  return a.outputShape() == b.outputShape() &&
         canonicalSubscripts(formA.subscripts) == canonicalSubscripts(formB.subscripts) &&
         formA.unitOutputAxes == formB.unitOutputAxes && a.prologues == b.prologues;
}

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

Explanation programFacts(const ir::IndexProgram& program) {
  frontend::LoweredCall lowered;
  lowered.program = program;
  lowered.call.text = ir::equivalentEinsum(program).subscripts;
  lowered.call.function = "np.einsum";
  return callFacts(lowered);
}

} // namespace einjit::driver
