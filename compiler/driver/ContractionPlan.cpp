// The contraction plan both callers take: passes::pathOf's path, run where it pays and the caller
// can run it, with the explanation stages that show it.
#include "driver/ContractionPlan.h"

#include "einjit/error.h"
#include "ir/Explain.h"

#include <set>

namespace einjit::driver {

namespace {

/// `base`, or `base` with underscores appended until no name of `taken` is it.
std::string freshName(std::string base, const std::set<std::string>& taken) {
  while (taken.count(base))
    base += "_";
  return base;
}

/// The program copying `from` (of `shape`, a label per dimension) into `to`, element by element:
/// read as `dtype`, written as `outputDtype`.
ir::IndexProgram copyProgram(const std::string& from, const std::string& to, const Shape& shape,
                             DType dtype, DType outputDtype) {
  ir::IndexProgram copy;
  copy.dtype = dtype;
  copy.outputDtype = outputDtype;
  ir::Operand operand{from, shape, {}, false};
  for (std::size_t d = 0; d < shape.size(); ++d)
    operand.indices.push_back(ir::Index::of("d" + std::to_string(d)));
  copy.output = operand.indices;
  copy.operands.push_back(std::move(operand));
  copy.outputName = to;
  ir::verify(copy);
  return copy;
}

} // namespace

ContractionPlan planContraction(const ir::IndexProgram& program, const PlanOptions& options) {
  ContractionPlan plan;
  plan.multiplyAdds = ir::multiplyAdds(program);
  if (!options.paths)
    return plan;
  plan.path = passes::pathOf(program, options.caches);
  if (!plan.path.runs())
    return plan;
  if (!program.prologues.empty() && !options.stagesPrologues) {
    plan.fusedBecause = "its steps would read the operands after their prologues";
    return plan;
  }
  for (const passes::PathStep& step : plan.path.steps)
    plan.steps.push_back(step.program);
  plan.multiplyAdds = plan.path.multiplyAdds;
  if (!isHalfPrecision(program.dtype))
    return plan;
  // bf16 and f16 paths run their steps in f32 on widened operands, so that the temporaries are
  // not rounded and the result rounds once.
  for (std::size_t t = 0; t < program.operands.size(); ++t) {
    const ir::Operand& operand = program.operands[t];
    plan.widen.push_back(copyProgram(operand.name, operand.name + "_f32", program.operandShape(t),
                                     program.dtype, DType::f32));
  }
  for (ir::IndexProgram& step : plan.steps)
    step.dtype = DType::f32;
  if (program.resultDtype() == DType::f32)
    return plan;
  // The last step writes an f32 temporary under a name no step uses, which rounds into out.
  std::set<std::string> taken;
  for (const ir::IndexProgram& step : plan.steps) {
    taken.insert(step.outputName);
    for (const ir::Operand& operand : step.operands)
      taken.insert(operand.name);
  }
  ir::IndexProgram& last = plan.steps.back();
  std::string result = freshName(last.outputName + "_f32", taken);
  plan.round = copyProgram(result, last.outputName, last.outputShape(), DType::f32, program.dtype);
  last.outputName = result;
  return plan;
}

std::vector<const ir::IndexProgram*> kernelPrograms(const ir::IndexProgram& program,
                                                    const ContractionPlan& plan) {
  std::vector<const ir::IndexProgram*> programs;
  if (!plan.runsPath())
    programs.push_back(&program);
  for (const ir::IndexProgram& widen : plan.widen)
    programs.push_back(&widen);
  for (const ir::IndexProgram& step : plan.steps)
    programs.push_back(&step);
  if (plan.round)
    programs.push_back(&*plan.round);
  return programs;
}

std::optional<ExplainedStage> pathStage(const ir::IndexProgram& program,
                                        const ContractionPlan& plan) {
  // Three or more operands have a path to choose; two may run a relayout path.
  if (plan.path.steps.empty())
    return std::nullopt;
  std::string heading = plan.path.relayout.empty()
                            ? "path (" + std::to_string(program.operands.size()) + " operands)"
                            : "path (relayout)";
  std::string text = passes::toString(plan.path);
  if (isHalfPrecision(program.dtype) && plan.runsPath())
    text += "  " + std::string(dtypeName(program.dtype)) +
            ": the operands widen to f32, the steps and their temporaries are f32, the result "
            "rounds once\n";
  if (!plan.fusedBecause.empty())
    text += "  but the fused nest runs here: " + plan.fusedBecause + "\n";
  return ExplainedStage{"path", std::move(heading), std::move(text)};
}

std::string kernelStageText(const ir::IndexProgram& program, const ContractionPlan& plan,
                            const std::vector<std::string>& texts) {
  std::vector<const ir::IndexProgram*> programs = kernelPrograms(program, plan);
  if (programs.size() != texts.size())
    throw Error(ErrorKind::Internal, "explain: " + std::to_string(texts.size()) + " texts for " +
                                         std::to_string(programs.size()) + " kernels");
  std::string all;
  // The widening and rounding copies are named by what they do; the steps by their number.
  std::size_t widened = plan.widen.size();
  for (std::size_t k = 0; k < texts.size(); ++k) {
    std::string what;
    if (k < widened)
      what = "widen to f32";
    else if (plan.round && k + 1 == texts.size())
      what = "round to " + std::string(dtypeName(program.resultDtype()));
    else
      what = "step " + std::to_string(k - widened);
    if (texts.size() > 1)
      all += "-- " + what + ": " + ir::statementText(*programs[k]) + "\n";
    all += texts[k];
  }
  return all;
}

} // namespace einjit::driver
