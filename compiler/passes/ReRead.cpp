// The traffic a loop nest that does not block for the caches (direct, small, a dot tile) makes
// beyond the L2: operands read again on every step of a loop they do not depend on.
#include "passes/NestQueries.h"
#include "passes/Passes.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace einjit::passes {

namespace {

/// Bytes one core streams per cycle from DRAM (Zen 4: 22 GB/s at 3.7 GHz, bench/RESULTS.md's
/// one-thread triad) and from an L3 that holds the data (several times that).
constexpr double kDramBytesPerCycle = 6;
constexpr double kL3BytesPerCycle = 16;

double ceilDiv(double value, double divisor) {
  return std::ceil(value / divisor);
}

} // namespace

ReRead reReadBeyondL2(const ir::LoopNest& nest, const support::CacheSizes& caches) {
  std::vector<const ir::Loop*> loops;
  for (const ir::Loop& loop : nest.outputLoops)
    loops.push_back(&loop);
  for (const ir::Loop& loop : nest.reductionLoops)
    loops.push_back(&loop);
  auto size = static_cast<double>(dtypeSize(nest.dtype));
  auto levelOf = [&](std::size_t label) {
    for (std::size_t level = 0; level < loops.size(); ++level)
      if (loops[level]->label == label)
        return level;
    return loops.size();
  };
  // The bytes of `tensor` one step of the loop at `level` touches: the whole extent of the
  // labels of deeper loops, one step of the loop's own, one index of the enclosing loops'.
  auto touched = [&](const ir::TensorAccess& tensor, std::size_t level) {
    double bytes = size;
    for (std::size_t label : tensor.indices) {
      std::size_t at = levelOf(label);
      auto extent = static_cast<double>(nest.labels[label].extent);
      if (at == level)
        bytes *= std::min(extent, static_cast<double>(loops[at]->step()));
      else if (at > level && at < loops.size())
        bytes *= extent;
    }
    return bytes;
  };
  auto l2 = static_cast<double>(caches.l2);
  auto halfL3 = static_cast<double>(caches.l3) / 2;
  ReRead again;
  for (const ir::TensorAccess& input : nest.inputs) {
    double steps = 1;
    for (std::size_t level = 0; level < loops.size(); ++level) {
      auto extent = static_cast<double>(nest.labels[loops[level]->label].extent);
      steps *= ceilDiv(extent, static_cast<double>(loops[level]->step()));
      double body = touched(nest.output, level);
      for (const ir::TensorAccess& tensor : nest.inputs)
        body += touched(tensor, level);
      if (!holds(input, loops[level]->label) && body > l2) {
        std::set<std::size_t> labels(input.indices.begin(), input.indices.end());
        double once = size;
        for (std::size_t label : labels)
          once *= static_cast<double>(nest.labels[label].extent);
        double bytes = std::max(0.0, touched(input, level) * steps - once);
        bool fitsL3 = touched(input, level) <= halfL3;
        again.bytes += bytes;
        if (touched(input, level) > again.largestFootprint) {
          again.largestFootprint = touched(input, level);
          again.largestReads = once > 0 ? touched(input, level) * steps / once : 0.0;
          again.operand = input.name;
          again.loopLabel = loops[level]->label;
        }
        again.cycles += bytes / (fitsL3 ? kL3BytesPerCycle : kDramBytesPerCycle);
        break;
      }
    }
  }
  return again;
}

} // namespace einjit::passes
