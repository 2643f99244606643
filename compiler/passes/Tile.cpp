// tile: the register tile — two vectors per step of the vector loop when its extent allows, and
// the output label that best shares the vector loads unrolled by as many rows as the vector
// registers hold, innermost of the output loops (Passes.h: the "tile" pass).
#include "passes/NestQueries.h"
#include "passes/Passes.h"

#include <cmath>

namespace einjit::passes {

namespace {

constexpr int kMaxUnroll = 8;

/// Bytes of the inputs that do (`withVector`) or do not hold the vector label, over the labels
/// `over`.
double inputBytes(const ir::LoopNest& nest, std::size_t vectorLabel,
                  const std::vector<std::size_t>& over, bool withVector) {
  double bytes = 0;
  for (const ir::TensorAccess& input : nest.inputs) {
    if (holds(input, vectorLabel) != withVector)
      continue;
    double elements = 1;
    for (std::size_t label : over)
      if (holds(input, label))
        elements *= static_cast<double>(nest.labels[label].extent);
    bytes += elements * static_cast<double>(dtypeSize(nest.dtype));
  }
  return bytes;
}

/// Direct, with the vector loop outside the rows: every vector step reads the rows' operand (the
/// one without the vector label) again. When that is more than half the L2, each pass streams it
/// from L3 or memory; with the rows outside instead it streams once, and the vector operand, over
/// the vector label and the sums, is what stays in the L2, if it fits in half of it. Measured
/// (Zen 4, median GFLOP/s, 1 / 2 threads): S7 (16 MB of rows, 512 KB of vector operand)
/// 104 / 211 -> 109 / 220, S6 (4 MB, 64 KB) 107 / 209 -> 109 / 221.
bool rowsOperandStreams(ir::LoopNest& nest, const LoopOptions& options, std::size_t vectorLabel,
                        std::size_t rowsLabel) {
  if (nest.strategy != ir::Strategy::Direct || !nest.constantExtents ||
      !isOutputLoop(nest, nest.vectorLoop()))
    return false;
  std::vector<std::size_t> summedOrder = loopLabels(nest.reductionLoops);
  std::vector<std::size_t> perVectorStep = summedOrder;
  perVectorStep.push_back(rowsLabel);
  double rowBytes = inputBytes(nest, vectorLabel, perVectorStep, false);
  double halfL2 = static_cast<double>(options.caches.l2) / 2;
  if (rowBytes <= halfL2)
    return false;
  std::vector<std::size_t> wholeVector = summedOrder;
  wholeVector.push_back(vectorLabel);
  double vectorBytes = inputBytes(nest, vectorLabel, wholeVector, true);
  if (vectorBytes > halfL2)
    return false;
  nest.rationale.push_back("tile: rows' operand " + std::to_string(std::llround(rowBytes)) +
                           " B per vector step > L2/2 " + std::to_string(std::llround(halfL2)) +
                           " B, vector operand " + std::to_string(std::llround(vectorBytes)) +
                           " B fits: rows outside the vector loop");
  return true;
}

} // namespace

ir::LoopNest tile(ir::LoopNest nest, const LoopOptions& options) {
  const ir::Loop* vectorLoop = nest.vectorLoop();
  if (!vectorLoop || nest.reductionLoops.empty() || nest.unrolledLoop())
    return nest;
  std::size_t vectorLabel = vectorLoop->label;
  int lanes = vectorLoop->lanes;
  std::int64_t vectorExtent = nest.labels[vectorLabel].extent;
  int vectorFactor = !nest.constantExtents || vectorExtent >= 2 * lanes ? 2 : 1;
  loopOver(nest, vectorLabel).factor = vectorFactor;

  auto sharing = [&](std::size_t label) {
    return std::count_if(nest.inputs.begin(), nest.inputs.end(), [&](const auto& input) {
      return holds(input, vectorLabel) && !holds(input, label);
    });
  };
  std::optional<std::size_t> partner;
  for (std::size_t label : nest.output.indices) {
    if (label == vectorLabel || sharing(label) == 0)
      continue;
    if (nest.constantExtents && nest.labels[label].extent < 2)
      continue;
    if (!partner || sharing(label) >= sharing(*partner))
      partner = label;
  }
  if (!partner)
    return nest;
  int registers = static_cast<int>(options.vectorRegisters);
  int rows = std::clamp((registers - vectorFactor - 1) / vectorFactor, 1, kMaxUnroll);
  if (nest.constantExtents)
    rows = static_cast<int>(std::min<std::int64_t>(rows, nest.labels[*partner].extent));
  if (rows < 2)
    return nest;
  bool rowsOutside = rowsOperandStreams(nest, options, vectorLabel, *partner);
  // The tiled loops go innermost: the vector loop outside the unrolled one, so that the vector
  // operand's panel stays in cache while the unrolled rows stream past it; or the other way round
  // when the rows' operand is the one to stream only once (rowsOperandStreams).
  ir::Loop rowsLoop = takeLoop(nest.outputLoops, *partner);
  rowsLoop.kind = ir::LoopKind::Unrolled;
  rowsLoop.factor = rows;
  auto vectorPosition =
      std::find_if(nest.outputLoops.begin(), nest.outputLoops.end(),
                   [&](const ir::Loop& loop) { return loop.label == vectorLabel; });
  nest.outputLoops.insert(rowsOutside ? vectorPosition : nest.outputLoops.end(), rowsLoop);
  return nest;
}

} // namespace einjit::passes
