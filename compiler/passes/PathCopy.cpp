// The relayout copies of a two-operand path (PathCopy.h).
#include "passes/PathCopy.h"

#include <algorithm>

namespace einjit::passes {

double elementsOf(const std::vector<ir::Index>& indices,
                  const std::map<std::string, std::int64_t>& extents) {
  double count = 1;
  for (const ir::Index& index : indices)
    count *= static_cast<double>(extents.at(index.label));
  return count;
}

bool holdsLabel(const std::vector<ir::Index>& indices, const std::string& label) {
  return std::any_of(indices.begin(), indices.end(),
                     [&](const ir::Index& index) { return index.label == label; });
}

bool plainIndices(const std::vector<ir::Index>& indices) {
  std::set<std::string> seen;
  for (const ir::Index& index : indices)
    if (index.isZero() || !seen.insert(index.label).second)
      return false;
  return true;
}

std::size_t appendCopyStep(ContractionPath& path, std::size_t operandCount, DType dtype,
                           const ir::Operand& operand, std::size_t source,
                           std::vector<ir::Index> target, const std::string& outputName,
                           const std::map<std::string, std::int64_t>& extents) {
  PathStep step;
  step.program.dtype = dtype;
  ir::Operand read = operand;
  read.shape.clear();
  for (const ir::Index& index : operand.indices)
    read.shape.push_back(extents.at(index.label));
  step.program.operands = {read};
  step.program.output = std::move(target);
  step.program.outputName = outputName;
  step.reads = {source};
  step.multiplyAdds = static_cast<std::int64_t>(elementsOf(step.program.output, extents));
  ir::verify(step.program);
  path.steps.push_back(std::move(step));
  return operandCount + path.steps.size() - 1;
}

std::string freshTemporaryName(std::set<std::string>& taken, int& next) {
  std::string name;
  do
    name = "t" + std::to_string(next++);
  while (taken.count(name));
  taken.insert(name);
  return name;
}

} // namespace einjit::passes
