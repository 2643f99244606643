// dropUnitDims: a dimension of extent 1 is only ever indexed at 0, so it needs no loop and no
// stride; removing it leaves fewer labels to loop over and lets foldLabels see through it.
#include "passes/Passes.h"

namespace einjit::passes {

namespace {

void dropFrom(std::vector<ir::Index>& indices, TensorLayout& layout, Shape* shape,
              const std::map<std::string, std::int64_t>& extents) {
  std::vector<ir::Index> keptIndices;
  TensorLayout keptLayout;
  Shape keptShape;
  for (std::size_t d = 0; d < indices.size(); ++d) {
    if (indices[d].isZero() || extents.at(indices[d].label) == 1)
      continue;
    keptIndices.push_back(indices[d]);
    keptLayout.push_back(layout[d]);
    if (shape)
      keptShape.push_back((*shape)[d]);
  }
  indices = std::move(keptIndices);
  layout = std::move(keptLayout);
  if (shape)
    *shape = std::move(keptShape);
}

} // namespace

Contraction dropUnitDims(Contraction contraction) {
  ir::IndexProgram& program = contraction.program;
  std::map<std::string, std::int64_t> extents = program.labelExtents();
  for (std::size_t t = 0; t < program.operands.size(); ++t)
    dropFrom(program.operands[t].indices, contraction.operands[t], &program.operands[t].shape,
             extents);
  dropFrom(program.output, contraction.output, nullptr, extents);
  ir::verify(program);
  return contraction;
}

} // namespace einjit::passes
