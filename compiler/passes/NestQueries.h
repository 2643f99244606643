// Small queries and edits on a LoopNest that the scheduling passes share (Vectorize.cpp, Tile.cpp,
// Stream.cpp, …): which tensors hold a label and with what stride, and moving one loop.
#pragma once

#include "ir/LoopNest.h"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <vector>

namespace einjit::passes {

/// True when `tensor` indexes `label`.
inline bool holds(const ir::TensorAccess& tensor, std::size_t label) {
  return !tensor.strides[label].sourceDims.empty();
}

/// True when `tensor` indexes `label` with a known unit stride.
inline bool unitIn(const ir::TensorAccess& tensor, std::size_t label) {
  return holds(tensor, label) && tensor.strides[label].known == std::optional<std::int64_t>(1);
}

/// The labels of `loops`, in order.
inline std::vector<std::size_t> loopLabels(const std::vector<ir::Loop>& loops) {
  std::vector<std::size_t> labels;
  for (const ir::Loop& loop : loops)
    labels.push_back(loop.label);
  return labels;
}

/// True when `loop` points into the nest's output loops.
inline bool isOutputLoop(const ir::LoopNest& nest, const ir::Loop* loop) {
  return loop && loop >= nest.outputLoops.data() &&
         loop < nest.outputLoops.data() + nest.outputLoops.size();
}

/// The loop over `label` (the nest must loop over it).
inline ir::Loop& loopOver(ir::LoopNest& nest, std::size_t label) {
  for (std::vector<ir::Loop>* group : {&nest.outputLoops, &nest.reductionLoops})
    for (ir::Loop& loop : *group)
      if (loop.label == label)
        return loop;
  return nest.outputLoops.at(nest.outputLoops.size()); // unreachable for a verified nest
}

/// Takes the loop over `label` out of `loops` (it must be there) and returns it.
inline ir::Loop takeLoop(std::vector<ir::Loop>& loops, std::size_t label) {
  auto found = std::find_if(loops.begin(), loops.end(),
                            [&](const ir::Loop& loop) { return loop.label == label; });
  ir::Loop loop = *found;
  loops.erase(found);
  return loop;
}

} // namespace einjit::passes
