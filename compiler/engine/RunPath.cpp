// Runs a plan whose program is split into a path of pairwise contractions (passes::choosePath):
// each step is a binary plan of its own, reading original operands or earlier temporaries.
// bf16 and f16 paths run in f32, as driver::ContractionPlan lays them out: a generated copy
// widens each operand once into an f32 temporary, the steps (f32 plans) keep f32 temporaries,
// and another rounds the last one once into `out`, applying alpha and beta as any 16-bit kernel
// does. The same kernels an entry point compiled ahead of time runs (driver/AotCompile.cpp).
#include "engine/EngineImpl.h"

#include "einjit/error.h"

#include <array>

namespace einjit {

void runPath(const Plan::State& state, std::span<const TensorView* const> operands,
             const MutableTensorView& out, const RunOptions& options) {
  const std::vector<passes::PathStep>& steps = state.path.steps;
  std::size_t operandCount = state.program.operands.size();
  std::size_t widened = state.widenStates.size();
  // A set of its own per run, so concurrent runs of one plan never share a temporary: one an
  // earlier run gave back where there is one, else filled below. It holds the widened operands
  // first, then each step's result that does not go to out.
  LeasePool<std::vector<Tensor>>::Lease lease(state.pathTemporaries);
  std::vector<Tensor>& temporaries = *lease;
  std::size_t reused = temporaries.size();
  RunOptions whole{.threads = options.threads};
  // Runs `writer` on `inputs` into temporaries[k], allocated on the first run of this set;
  // what() names it for the allocation check.
  auto intoTemporary = [&](std::size_t k, const Plan::State& writer, InputViews inputs,
                           auto&& what) {
    if (k >= reused) {
      // Checked before allocating, so the message names the temporary (Tensor would too,
      // vaguely).
      DType dtype = writer.program.resultDtype();
      std::uint64_t bytes = 0;
      if (__builtin_mul_overflow(static_cast<std::uint64_t>(elementCount(writer.outputShape)),
                                 dtypeSize(dtype), &bytes))
        bytes = ~std::uint64_t{0};
      limits::checkAllocation(bytes, "plan.run: the temporary " + writer.program.outputName +
                                         " of shape " + shapeToPython(writer.outputShape) + " (" +
                                         what() + ")");
      // Written whole by the kernel (beta zero) before anything reads it: no pass over it first.
      temporaries.push_back(writer.multiplyAdds > 0 ? Tensor::empty(dtype, writer.outputShape)
                                                    : Tensor(dtype, writer.outputShape));
    }
    runPlan(writer, inputs, temporaries[k].view(), whole);
  };
  for (std::size_t t = 0; t < widened; ++t)
    intoTemporary(t, *state.widenStates[t], {*operands[t]},
                  [] { return std::string("the f32 copy of an operand"); });
  // A value a step reads: an operand (its f32 copy where widened) or an earlier temporary.
  auto value = [&](std::size_t read) -> TensorView {
    if (read >= operandCount)
      return temporaries[widened + read - operandCount].view();
    return widened ? TensorView(temporaries[read].view()) : *operands[read];
  };
  // A step reads one value (a relayout copy) or two: held here, so that a run allocates nothing.
  std::array<TensorView, 2> held;
  for (std::size_t k = 0; k < steps.size(); ++k) {
    const Plan::State& step = *state.stepStates[k];
    const std::vector<std::size_t>& reads = steps[k].reads;
    if (reads.size() > held.size())
      throw Error(ErrorKind::Internal, "plan.run: contraction path step " + std::to_string(k) +
                                           " reads " + std::to_string(reads.size()) + " values");
    for (std::size_t i = 0; i < reads.size(); ++i)
      held[i] = value(reads[i]);
    std::span<const TensorView> inputs(held.data(), reads.size());
    // The last step writes out itself unless its f32 result rounds into a 16-bit out.
    if (k + 1 == steps.size() && !state.roundState) {
      runPlan(step, inputs, out, options);
      return;
    }
    intoTemporary(widened + k, step, inputs,
                  [k] { return "contraction path step " + std::to_string(k); });
  }
  runPlan(*state.roundState, {temporaries[widened + steps.size() - 1].view()}, out, options);
}

} // namespace einjit
