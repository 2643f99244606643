// unroll: the Small strategy's unrolling — register-tile rows that divide their extent, and the
// innermost reduction loops as straight-line code (Passes.h: the "unroll" pass).
#include "passes/NestQueries.h"
#include "passes/Passes.h"

namespace einjit::passes {

namespace {

/// Fully unrolled sums stop at this many tile updates (FMAs of whole vectors), where the
/// straight-line body starts to cost more in instruction fetch than the loop it replaces (B32's
/// 8x2-vector tile over k = 32, 512 updates, measured slower unrolled than looped).
constexpr std::int64_t kMaxUnrolledUpdates = 256;

/// Rows that divide their extent leave no one-row remainder, whose loads the tile would not
/// share; a divisor below half the rows shares too little to be worth it.
void divideRows(ir::LoopNest& nest) {
  const ir::Loop* unrolled = nest.unrolledLoop();
  // A dot tile's rows and columns were chosen with their edge tiles counted (dotTileShape).
  if (!unrolled || !nest.constantExtents || nest.unrolledLoops().size() > 1)
    return;
  ir::Loop& rowsLoop = loopOver(nest, unrolled->label);
  std::int64_t extent = nest.labels[rowsLoop.label].extent;
  for (int rows = rowsLoop.factor; rows * 2 >= rowsLoop.factor && rows >= 2; --rows)
    if (extent % rows == 0) {
      rowsLoop.factor = rows;
      return;
    }
}

/// The innermost reduction loops become straight-line code while the copies of the body they
/// make stay within kMaxFullUnrollTrip and the tile updates they hold within
/// kMaxUnrolledUpdates.
void unrollReductionsFully(ir::LoopNest& nest) {
  if (!nest.constantExtents)
    return;
  const ir::Loop* unrolled = nest.unrolledLoop();
  const ir::Loop* vector = nest.vectorLoop();
  std::int64_t updates =
      static_cast<std::int64_t>(unrolled ? unrolled->factor : 1) * (vector ? vector->factor : 1);
  std::int64_t copies = 1;
  for (auto loop = nest.reductionLoops.rbegin(); loop != nest.reductionLoops.rend(); ++loop) {
    if (loop->kind != ir::LoopKind::Serial)
      return; // a vector sum stays a loop, and so do the loops around it
    std::int64_t trip = nest.labels[loop->label].extent;
    // trip > kMaxFullUnrollTrip / copies is copies * trip > kMaxFullUnrollTrip, without
    // overflowing for a long trip. An empty sum (a zero extent) makes copies 0: nothing to copy.
    if ((copies > 0 && trip > ir::kMaxFullUnrollTrip / copies) ||
        copies * trip * updates > kMaxUnrolledUpdates)
      return;
    copies *= trip;
    loop->fullUnroll = true;
  }
}

} // namespace

ir::LoopNest unroll(ir::LoopNest nest, const LoopOptions&) {
  if (nest.strategy != ir::Strategy::Small || nest.packed)
    return nest;
  divideRows(nest);
  unrollReductionsFully(nest);
  return nest;
}

} // namespace einjit::passes
