// Runs a plan whose program is split into a path of pairwise contractions (passes::choosePath):
// each step is a binary plan of its own, reading original operands or earlier temporaries.
#include "engine/EngineImpl.h"

namespace einjit {

void runPath(const Plan::State& state, const std::vector<const TensorView*>& operands,
             const TensorView& out, const RunOptions& options) {
  const std::vector<passes::PathStep>& steps = state.path.steps;
  std::size_t operandCount = state.program.operands.size();
  // Fresh per run, so concurrent runs of one plan never share a temporary.
  std::vector<Tensor> temporaries;
  temporaries.reserve(steps.size());
  std::vector<TensorView> inputs;
  for (std::size_t k = 0; k < steps.size(); ++k) {
    const Plan::State& step = *state.stepStates[k];
    inputs.clear();
    for (std::size_t value : steps[k].reads)
      inputs.push_back(value < operandCount ? *operands[value]
                                            : temporaries[value - operandCount].view());
    if (k + 1 == steps.size()) {
      runPlan(step, inputs, out, options);
      return;
    }
    // Checked before allocating, so the message names the step (Tensor would too, vaguely).
    std::uint64_t bytes = 0;
    if (__builtin_mul_overflow(static_cast<std::uint64_t>(elementCount(step.outputShape)),
                               dtypeSize(state.program.dtype), &bytes))
      bytes = ~std::uint64_t{0};
    limits::checkAllocation(bytes, "plan.run: the temporary " + step.program.outputName +
                                       " of shape " + shapeToPython(step.outputShape) +
                                       " (contraction path step " + std::to_string(k) + ")");
    temporaries.emplace_back(state.program.dtype, step.outputShape);
    runPlan(step, inputs, temporaries.back().view(), RunOptions{.threads = options.threads});
  }
}

} // namespace einjit
