// The contraction plan both callers take: passes::pathOf's path, run where it pays and the caller
// can run it, with the explanation stages that show it.
#include "driver/ContractionPlan.h"

#include "einjit/error.h"
#include "ir/Explain.h"

namespace einjit::driver {

ContractionPlan planContraction(const ir::IndexProgram& program, const PlanOptions& options) {
  ContractionPlan plan;
  plan.multiplyAdds = ir::multiplyAdds(program);
  if (!options.paths)
    return plan;
  plan.path = passes::pathOf(program, options.caches);
  if (!plan.path.runs())
    return plan;
  bool half = isHalfPrecision(program.dtype);
  if (half && !options.widensHalfPaths) {
    plan.fusedBecause = "its steps would run in f32 on widened copies of the " +
                        std::string(dtypeName(program.dtype)) + " operands";
    return plan;
  }
  if (!program.prologues.empty() && !options.stagesPrologues) {
    plan.fusedBecause = "its steps would read the operands after their prologues";
    return plan;
  }
  // bf16 and f16 paths run their steps in f32, so that the temporaries are not rounded and the
  // result rounds once.
  for (const passes::PathStep& step : plan.path.steps) {
    plan.steps.push_back(step.program);
    if (half)
      plan.steps.back().dtype = DType::f32;
  }
  plan.multiplyAdds = plan.path.multiplyAdds;
  return plan;
}

std::vector<const ir::IndexProgram*> kernelPrograms(const ir::IndexProgram& program,
                                                    const ContractionPlan& plan) {
  std::vector<const ir::IndexProgram*> programs;
  if (!plan.runsPath())
    programs.push_back(&program);
  for (const ir::IndexProgram& step : plan.steps)
    programs.push_back(&step);
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
  for (std::size_t k = 0; k < texts.size(); ++k) {
    if (texts.size() > 1)
      all += "-- step " + std::to_string(k) + ": " + ir::statementText(*programs[k]) + "\n";
    all += texts[k];
  }
  return all;
}

} // namespace einjit::driver
