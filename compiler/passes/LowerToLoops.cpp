// lowerToNest: the plain loop nest of a contraction, before any scheduling pass — one serial
// loop per label, output loops in the output's order around the reduction loops, these ordered
// so that the innermost walks memory densely where strides are known.
#include "passes/NestQueries.h"
#include "passes/Passes.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace einjit::passes {

namespace {

ir::TensorAccess accessOf(const std::string& name, std::size_t source, bool conj,
                          const std::vector<ir::Index>& indices, const TensorLayout& layout,
                          const std::map<std::string, std::size_t>& labelIds) {
  ir::TensorAccess access;
  access.name = name;
  access.source = source;
  access.conj = conj;
  access.strides.assign(labelIds.size(), ir::LabelStride{{}, 0});
  for (std::size_t d = 0; d < indices.size(); ++d) {
    if (indices[d].isZero())
      continue;
    std::size_t label = labelIds.at(indices[d].label);
    access.indices.push_back(label);
    ir::LabelStride& stride = access.strides[label];
    stride.sourceDims.push_back(layout[d].sourceDim);
    if (stride.known && layout[d].knownStride)
      stride.known = *stride.known + *layout[d].knownStride;
    else
      stride.known = std::nullopt;
  }
  return access;
}

/// Summed labels, the one with the largest smallest-known-stride outermost, so that the
/// innermost reduction loop walks memory densely where strides are known.
std::vector<std::size_t> reductionOrder(const ir::LoopNest& nest,
                                        const std::vector<std::size_t>& summed) {
  auto smallestStride = [&](std::size_t label) {
    std::int64_t smallest = std::numeric_limits<std::int64_t>::max();
    for (const ir::TensorAccess& input : nest.inputs)
      if (holds(input, label) && input.strides[label].known)
        smallest = std::min(smallest, std::abs(*input.strides[label].known));
    return smallest;
  };
  std::vector<std::size_t> ordered = summed;
  std::stable_sort(ordered.begin(), ordered.end(), [&](std::size_t a, std::size_t b) {
    return smallestStride(a) > smallestStride(b);
  });
  return ordered;
}

} // namespace

ir::LoopNest lowerToNest(const Contraction& contraction) {
  const ir::IndexProgram& program = contraction.program;
  ir::LoopNest nest;
  nest.dtype = program.dtype;
  nest.outputDtype = program.outputDtype;
  nest.constantExtents = contraction.constantExtents;
  std::map<std::string, std::size_t> labelIds;
  std::map<std::string, std::int64_t> extents = program.labelExtents();
  for (const std::string& label : program.labels()) {
    labelIds.emplace(label, nest.labels.size());
    nest.labels.push_back(ir::LoopLabel{label, extents.at(label)});
  }
  for (std::size_t t = 0; t < program.operands.size(); ++t) {
    const ir::Operand& operand = program.operands[t];
    nest.inputs.push_back(accessOf(operand.name, contraction.sources[t],
                                   operand.conj && isComplex(program.dtype), operand.indices,
                                   contraction.operands[t], labelIds));
  }
  nest.output =
      accessOf(program.outputName, 0, false, program.output, contraction.output, labelIds);
  for (std::size_t label : nest.output.indices)
    nest.outputLoops.push_back(ir::Loop{label});
  std::vector<std::size_t> summed;
  for (const std::string& label : program.summedLabels())
    summed.push_back(labelIds.at(label));
  for (std::size_t label : reductionOrder(nest, summed))
    nest.reductionLoops.push_back(ir::Loop{label});
  return nest;
}

} // namespace einjit::passes
