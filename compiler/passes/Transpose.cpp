// transpose: a permutation copy's tiles transposed in registers (Passes.h: the "transpose" pass).
#include "passes/NestQueries.h"
#include "passes/Passes.h"

#include <bit>

namespace einjit::passes {

namespace {

/// The output label along which `input` has unit stride, other than `vectorLabel`.
std::optional<std::size_t> unitRowLabel(const ir::LoopNest& nest, std::size_t vectorLabel) {
  for (std::size_t label : nest.output.indices)
    if (label != vectorLabel && unitIn(nest.inputs.front(), label))
      return label;
  return std::nullopt;
}

} // namespace

ir::LoopNest transposeTiles(ir::LoopNest nest, const LoopOptions&) {
  const ir::Loop* vector = nest.vectorLoop();
  if (nest.packed || nest.inputs.size() != 1 || !nest.reductionLoops.empty() ||
      isComplex(nest.dtype) || !isOutputLoop(nest, vector))
    return nest;
  std::size_t vectorLabel = vector->label;
  int lanes = vector->lanes;
  const ir::TensorAccess& input = nest.inputs.front();
  if (!unitIn(nest.output, vectorLabel) || !holds(input, vectorLabel) ||
      unitIn(input, vectorLabel) || !std::has_single_bit(static_cast<unsigned>(lanes)))
    return nest;
  std::optional<std::size_t> rowLabel = unitRowLabel(nest, vectorLabel);
  if (!rowLabel)
    return nest;
  for (const ir::Loop* unrolled : nest.unrolledLoops())
    if (unrolled->label != *rowLabel)
      return nest;
  std::int64_t rowExtent = nest.labels[*rowLabel].extent;
  int rows =
      nest.constantExtents ? static_cast<int>(std::min<std::int64_t>(lanes, rowExtent)) : lanes;
  if (rows < 2)
    return nest;
  ir::Loop vectorLoop = takeLoop(nest.outputLoops, vectorLabel);
  vectorLoop.factor = 1;
  ir::Loop rowLoop = takeLoop(nest.outputLoops, *rowLabel);
  rowLoop.kind = ir::LoopKind::Unrolled;
  rowLoop.factor = rows;
  // The rows inside: the input is read in `rows` sequential streams and the output written down
  // a strip of whole vectors. The other way round, the input's strip missed the caches in
  // page-crossing strides the prefetchers do not follow: 'ij->ji' 4096^2 f32 took 32 ms against
  // 8.6 (Zen 4).
  vectorLoop.parallel = rowLoop.parallel = false;
  nest.outputLoops.push_back(vectorLoop);
  nest.outputLoops.push_back(rowLoop);
  const std::string& rowName = nest.labels[*rowLabel].name;
  const std::string& vectorName = nest.labels[vectorLabel].name;
  nest.rationale.push_back(
      "transpose: " + input.name + " is gathered along " + vectorName + " and contiguous along " +
      rowName + ": tiles of " + std::to_string(rows) + " " + rowName + " x " +
      std::to_string(lanes) + " " + vectorName + " read along " + rowName +
      ", transposed in registers (" +
      std::to_string(std::bit_width(static_cast<unsigned>(std::min(lanes, rows))) - 1) +
      " shuffle rounds), stored along " + vectorName);
  return nest;
}

} // namespace einjit::passes
