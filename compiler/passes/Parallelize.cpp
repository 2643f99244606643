// parallelize: splits the outermost output loop across threads when the work is large enough
// (Passes.h: the "parallelize" pass).
#include "passes/Passes.h"

#include "ThreadPool.h"

namespace einjit::passes {

/// Only with constant extents: otherwise the work is unknown here. The thread count is a
/// run-time argument, so one compiled kernel serves every count. Small kernels too: each tiny
/// product stays on one thread, but a large batch splits.
ir::LoopNest parallelize(ir::LoopNest nest, const LoopOptions&) {
  if (!nest.constantExtents || nest.outputLoops.empty() || nest.packed)
    return nest;
  // In double: a product of large extents must not overflow.
  double work = 1;
  for (const ir::LoopLabel& label : nest.labels)
    work *= static_cast<double>(label.extent);
  ir::Loop& outer = nest.outputLoops.front();
  std::int64_t steps = nest.labels[outer.label].extent / outer.step();
  if (steps >= 2 && work >= 2.0 * static_cast<double>(runtime::kMinWorkPerThread) &&
      !outer.fullUnroll)
    outer.parallel = true;
  return nest;
}

} // namespace einjit::passes
