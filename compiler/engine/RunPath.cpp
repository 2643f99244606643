// Runs a plan whose program is split into a path of pairwise contractions (passes::choosePath):
// each step is a binary plan of its own, reading original operands or earlier temporaries.
// bf16 and f16 paths run in f32: the operands are widened once, the steps (f32 plans, see
// Plan::State) keep f32 temporaries, and the last one's result is rounded once into `out`, with
// alpha and beta applied in f32 as a kernel would.
#include "engine/EngineImpl.h"

#include <complex>
#include <functional>

namespace einjit {

namespace {

/// Calls visit(offsetA, offsetB) for every index of `shape`, in C order, with the element offsets
/// of that index under `a` and `b`.
void forEachIndex(const Shape& shape, const Strides& a, const Strides& b,
                  const std::function<void(std::int64_t, std::int64_t)>& visit) {
  if (elementCount(shape) == 0)
    return;
  Shape index(shape.size(), 0);
  std::int64_t offsetA = 0;
  std::int64_t offsetB = 0;
  while (true) {
    visit(offsetA, offsetB);
    std::size_t d = shape.size();
    for (; d > 0; --d) {
      if (++index[d - 1] < shape[d - 1]) {
        offsetA += a[d - 1];
        offsetB += b[d - 1];
        break;
      }
      offsetA -= a[d - 1] * (shape[d - 1] - 1);
      offsetB -= b[d - 1] * (shape[d - 1] - 1);
      index[d - 1] = 0;
    }
    if (d == 0)
      return;
  }
}

template <class Half>
Tensor widened(const TensorView& view) {
  Tensor wide(DType::f32, view.shape());
  const Half* source = static_cast<const Half*>(view.data());
  float* target = wide.as<float>();
  forEachIndex(
      view.shape(), view.strides(), wide.view().strides(),
      [&](std::int64_t from, std::int64_t to) { target[to] = static_cast<float>(source[from]); });
  return wide;
}

/// A C-order f32 copy of a bf16 or f16 view (exact).
Tensor widenedToF32(const TensorView& view) {
  return view.dtype() == DType::bf16 ? widened<bfloat16>(view) : widened<float16>(view);
}

template <class Half>
void roundInto(const TensorView& result, const MutableTensorView& out, float alpha, float beta) {
  const float* source = static_cast<const float*>(result.data());
  Half* target = static_cast<Half*>(out.data());
  forEachIndex(out.shape(), result.strides(), out.strides(),
               [&](std::int64_t from, std::int64_t to) {
                 float value = alpha * source[from];
                 if (beta != 0)
                   value += beta * static_cast<float>(target[to]);
                 target[to] = Half(value);
               });
}

/// out = alpha * result + beta * out (out not read when beta is zero), rounded once.
void roundIntoHalf(const TensorView& result, const MutableTensorView& out,
                   const RunOptions& options) {
  auto alpha = static_cast<float>(options.alpha.real());
  auto beta = static_cast<float>(options.beta.real());
  if (out.dtype() == DType::bf16)
    roundInto<bfloat16>(result, out, alpha, beta);
  else
    roundInto<float16>(result, out, alpha, beta);
}

} // namespace

void runPath(const Plan::State& state, std::span<const TensorView* const> operands,
             const MutableTensorView& out, const RunOptions& options) {
  const std::vector<passes::PathStep>& steps = state.path.steps;
  std::size_t operandCount = state.program.operands.size();
  bool half = isHalfPrecision(state.program.dtype);
  DType stepType = half ? DType::f32 : state.program.dtype;
  std::vector<Tensor> wideOperands;
  std::vector<TensorView> wideViews;
  if (half) {
    for (const TensorView* operand : operands)
      wideOperands.push_back(widenedToF32(*operand));
    for (const Tensor& operand : wideOperands)
      wideViews.push_back(operand.view());
  }
  // A set of its own per run, so concurrent runs of one plan never share a temporary: one an
  // earlier run gave back where there is one, else filled below.
  LeasePool<std::vector<Tensor>>::Lease lease(state.pathTemporaries);
  std::vector<Tensor>& temporaries = *lease;
  std::size_t reused = temporaries.size();
  std::vector<TensorView> inputs;
  for (std::size_t k = 0; k < steps.size(); ++k) {
    const Plan::State& step = *state.stepStates[k];
    inputs.clear();
    for (std::size_t value : steps[k].reads)
      inputs.push_back(value < operandCount ? (half ? wideViews[value] : *operands[value])
                                            : temporaries[value - operandCount].view());
    // The last step writes out itself unless its f32 result must round into a 16-bit out.
    if (k + 1 == steps.size() && (!half || out.dtype() == DType::f32)) {
      runPlan(step, inputs, out, options);
      return;
    }
    if (k < reused) {
      runPlan(step, inputs, temporaries[k].view(), RunOptions{.threads = options.threads});
      continue;
    }
    // Checked before allocating, so the message names the step (Tensor would too, vaguely).
    std::uint64_t bytes = 0;
    if (__builtin_mul_overflow(static_cast<std::uint64_t>(elementCount(step.outputShape)),
                               dtypeSize(stepType), &bytes))
      bytes = ~std::uint64_t{0};
    limits::checkAllocation(bytes, "plan.run: the temporary " + step.program.outputName +
                                       " of shape " + shapeToPython(step.outputShape) +
                                       " (contraction path step " + std::to_string(k) + ")");
    // Written whole by the step (beta zero) before anything reads it: no pass over it first.
    temporaries.push_back(step.multiplyAdds > 0 ? Tensor::empty(stepType, step.outputShape)
                                                : Tensor(stepType, step.outputShape));
    runPlan(step, inputs, temporaries.back().view(), RunOptions{.threads = options.threads});
  }
  if (half && !temporaries.empty())
    roundIntoHalf(temporaries[steps.size() - 1].view(), out, options);
}

} // namespace einjit
