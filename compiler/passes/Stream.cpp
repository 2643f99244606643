// stream: the Streaming strategy's tile — wide vector steps (or rows of a transpose) when
// nothing is summed, independent rows when a summed label is vectorized, and non-temporal
// stores for an output larger than half the L3 (Passes.h: the "stream" pass).
#include "passes/NestQueries.h"
#include "passes/Passes.h"

namespace einjit::passes {

namespace {

/// Vectors per step when nothing is summed (a 256-bit f32 step writes two cache lines), and rows
/// of independent sums when a summed label is vectorized.
constexpr int kStreamingVectors = 4;
constexpr int kStreamingRows = 4;
/// Rows of the gathered input's unit-stride label per transpose tile (transposeTile). 16 ran
/// 'ij->ji' 4000^2 13 % faster than 8 but compiled in 77 ms, not 42.
constexpr int kTransposeRows = 8;

/// Makes the output loop over `label` an unrolled loop of `rows` and moves it innermost.
void unrollInnermost(ir::LoopNest& nest, std::size_t label, int rows) {
  ir::Loop loop = takeLoop(nest.outputLoops, label);
  loop.kind = ir::LoopKind::Unrolled;
  loop.factor = rows;
  nest.outputLoops.push_back(loop);
}

/// Nothing summed, an input gathered along the vector label (a transpose, 'ij->ji'): the output
/// label along which that input has unit stride is unrolled by kTransposeRows, so that each
/// gather's cache lines (and pages) serve that many rows before the tile moves on. One row at a
/// time touched a new page per element: 'ij->ji' on 4000^2 f32 took 60 ms (2 GB/s); in rows of
/// 8, 7.7 ms.
void transposeTile(ir::LoopNest& nest, std::size_t vectorLabel) {
  for (const ir::TensorAccess& input : nest.inputs) {
    if (!holds(input, vectorLabel) || unitIn(input, vectorLabel))
      continue;
    for (std::size_t label : nest.output.indices) {
      if (label == vectorLabel || !unitIn(input, label))
        continue;
      std::int64_t extent = nest.labels[label].extent;
      int rows = nest.constantExtents
                     ? static_cast<int>(std::min<std::int64_t>(kTransposeRows, extent))
                     : kTransposeRows;
      if (rows < 2)
        continue;
      unrollInnermost(nest, label, rows);
      loopOver(nest, vectorLabel).factor = 1;
      return;
    }
  }
}

/// An output larger than half the L3 is not read back from the caches before it is evicted:
/// storing it past them saves reading every line in first. Needs whole vectors of unit output
/// stride, and a vector label the lanes divide: the remainder's ordinary stores into the lines
/// the non-temporal ones are filling flush them half written (ESPnet's bfct,bfet->bftce with e
/// innermost, c64, 6 = 4 + 2: 172 ms against 2.9 with cached stores). Streaming only: measured
/// on B32 (40 MB written between loads), non-temporal stores mixed with the loads of a
/// contraction ran 1.4x slower than cached ones.
void chooseNontemporal(ir::LoopNest& nest, const LoopOptions& options, std::size_t vectorLabel) {
  double outputBytes = static_cast<double>(dtypeSize(nest.dtype));
  for (std::size_t label : nest.output.indices)
    outputBytes *= static_cast<double>(nest.labels[label].extent);
  nest.nontemporalStores = nest.constantExtents && isOutputLoop(nest, nest.vectorLoop()) &&
                           unitIn(nest.output, vectorLabel) &&
                           nest.labels[vectorLabel].extent % nest.vectorLoop()->lanes == 0 &&
                           outputBytes > static_cast<double>(options.caches.l3) / 2;
}

} // namespace

ir::LoopNest stream(ir::LoopNest nest, const LoopOptions& options) {
  const ir::Loop* vector = nest.vectorLoop();
  if (nest.strategy != ir::Strategy::Streaming || nest.packed || !vector)
    return nest;
  std::size_t vectorLabel = vector->label;
  if (nest.reductionLoops.empty()) {
    ir::Loop& vectorLoop = loopOver(nest, vectorLabel);
    vectorLoop.factor = kStreamingVectors;
    if (nest.constantExtents)
      while (vectorLoop.factor > 1 &&
             nest.labels[vectorLabel].extent < vectorLoop.factor * vectorLoop.lanes)
        vectorLoop.factor /= 2;
    if (!nest.unrolledLoop())
      transposeTile(nest, vectorLabel);
  } else if (!isOutputLoop(nest, vector) && !nest.unrolledLoop()) {
    // Independent sums of the innermost output label's consecutive rows overlap their loads.
    const std::vector<std::size_t>& outputOrder = nest.output.indices;
    for (auto label = outputOrder.rbegin(); label != outputOrder.rend(); ++label) {
      std::int64_t extent = nest.labels[*label].extent;
      if (nest.constantExtents && extent < 2)
        continue;
      unrollInnermost(nest, *label,
                      nest.constantExtents
                          ? static_cast<int>(std::min<std::int64_t>(kStreamingRows, extent))
                          : kStreamingRows);
      break;
    }
  }
  chooseNontemporal(nest, options, vectorLabel);
  return nest;
}

} // namespace einjit::passes
