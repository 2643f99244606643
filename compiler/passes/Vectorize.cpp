// vectorize: picks the label the kernel runs in vectors and moves its loop innermost of its group
// (Passes.h: the "vectorize" pass).
#include "passes/NestQueries.h"
#include "passes/Passes.h"

#include <bit>

namespace einjit::passes {

namespace {

int unitInputs(const ir::LoopNest& nest, std::size_t label) {
  return static_cast<int>(std::count_if(nest.inputs.begin(), nest.inputs.end(),
                                        [&](const auto& input) { return unitIn(input, label); }));
}

/// The label with the most unit-stride inputs (at least one); ties go to the later label.
std::optional<std::size_t> mostUnitInputs(const ir::LoopNest& nest,
                                          const std::vector<std::size_t>& labels) {
  std::optional<std::size_t> best;
  for (std::size_t label : labels)
    if (unitInputs(nest, label) > 0 &&
        (!best || unitInputs(nest, label) >= unitInputs(nest, *best)))
      best = label;
  return best;
}

/// The innermost output label of unit stride in every input that holds it (one at least): its
/// loads are vectors or broadcasts and only the output is scattered, once per sum. For complex
/// nests with a sum, whose gathers would move pair by pair in the innermost loop (W2's
/// fdtk,fet->fked: k over the summed t, 0.3 -> 6.9 GFLOP/s, where t would gather x).
std::optional<std::size_t> unitWhereHeld(const ir::LoopNest& nest) {
  const std::vector<std::size_t>& order = nest.output.indices;
  for (auto label = order.rbegin(); label != order.rend(); ++label) {
    bool held = false;
    bool unit = true;
    for (const ir::TensorAccess& input : nest.inputs)
      if (holds(input, *label)) {
        held = true;
        unit = unit && unitIn(input, *label);
      }
    if (held && unit)
      return *label;
  }
  return std::nullopt;
}

} // namespace

ir::LoopNest vectorize(ir::LoopNest nest, const LoopOptions& options) {
  if (nest.packed || nest.vectorLoop())
    return nest;
  // bf16 and f16 compute in f32 registers: as many lanes as f32 has.
  std::size_t computeBytes = isHalfPrecision(nest.dtype) ? 4 : dtypeSize(nest.dtype);
  int lanes = static_cast<int>(options.vectorBits / (8 * computeBytes));
  const std::vector<std::size_t>& outputOrder = nest.output.indices;
  std::vector<std::size_t> summedOrder = loopLabels(nest.reductionLoops);
  std::optional<std::size_t> unitOutput;
  for (std::size_t label : outputOrder)
    if (!unitOutput && unitIn(nest.output, label))
      unitOutput = label;
  std::optional<std::size_t> chosen;
  if (unitOutput && unitInputs(nest, *unitOutput) > 0)
    chosen = unitOutput;
  bool complex = isComplex(nest.dtype);
  if (!chosen && complex && !nest.reductionLoops.empty())
    chosen = unitWhereHeld(nest);
  if (!chosen)
    chosen = mostUnitInputs(nest, summedOrder);
  if (!chosen)
    chosen = unitOutput ? unitOutput : mostUnitInputs(nest, outputOrder);
  if (!chosen)
    return nest;
  // Complex with nothing summed: a scattered output or a gathered operand moves pair by pair for
  // every product, slower than scalar code (BF1's bfct,bfet->bftce scattering t: 0.8 against 2.3
  // GFLOP/s), so the label must be unit-stride wherever it is.
  if (complex && nest.reductionLoops.empty() &&
      !(unitIn(nest.output, *chosen) &&
        std::all_of(nest.inputs.begin(), nest.inputs.end(), [&](const auto& input) {
          return !holds(input, *chosen) || unitIn(input, *chosen);
        })))
    return nest;
  if (nest.constantExtents) {
    std::uint64_t extent = static_cast<std::uint64_t>(nest.labels[*chosen].extent);
    lanes = std::min(lanes, static_cast<int>(std::bit_floor(std::max<std::uint64_t>(extent, 1))));
  }
  if (lanes < 2)
    return nest;
  bool output = std::find(outputOrder.begin(), outputOrder.end(), *chosen) != outputOrder.end();
  std::vector<ir::Loop>& group = output ? nest.outputLoops : nest.reductionLoops;
  ir::Loop loop = takeLoop(group, *chosen);
  loop.kind = ir::LoopKind::Vector;
  loop.lanes = lanes;
  loop.factor = 1;
  group.push_back(loop);
  if (isComplex(nest.dtype))
    nest.rationale.push_back("vectorize: complex " + nest.labels[*chosen].name + " as " +
                             std::to_string(lanes) +
                             " interleaved (re, im) pairs per vector, multiplied by real FMAs");
  return nest;
}

} // namespace einjit::passes
