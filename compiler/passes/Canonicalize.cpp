// canonicalize: canonical label names and, for two operands, a canonical operand order, so that
// contractions that differ only in naming or in operand order share one cache entry.
#include "passes/Passes.h"

#include <map>
#include <sstream>
#include <utility>

namespace einjit::passes {

namespace {

std::string canonicalLabel(std::size_t position) {
  if (position < 26)
    return std::string(1, static_cast<char>('a' + position));
  if (position < 52)
    return std::string(1, static_cast<char>('A' + (position - 26)));
  return "l" + std::to_string(position);
}

void rename(std::vector<ir::Index>& indices, const std::map<std::string, std::string>& names) {
  for (ir::Index& index : indices)
    if (!index.isZero())
      index.label = names.at(index.label);
}

Contraction relabel(Contraction contraction) {
  std::map<std::string, std::string> names;
  std::vector<std::string> labels = contraction.program.labels();
  for (std::size_t position = 0; position < labels.size(); ++position)
    names.emplace(labels[position], canonicalLabel(position));
  for (ir::Operand& operand : contraction.program.operands)
    rename(operand.indices, names);
  rename(contraction.program.output, names);
  return contraction;
}

Contraction swapOperands(Contraction contraction) {
  std::swap(contraction.program.operands[0], contraction.program.operands[1]);
  std::swap(contraction.sources[0], contraction.sources[1]);
  std::swap(contraction.operands[0], contraction.operands[1]);
  return contraction;
}

/// Everything the kernel depends on, with operands named by position: the order to compare.
std::string orderText(const Contraction& contraction) {
  Contraction anonymous = contraction;
  for (std::size_t t = 0; t < anonymous.program.operands.size(); ++t)
    anonymous.program.operands[t].name = "in" + std::to_string(t);
  anonymous.program.outputName = "out";
  std::ostringstream os;
  os << toString(anonymous);
  return os.str();
}

} // namespace

Contraction canonicalize(Contraction contraction) {
  Contraction kept = relabel(contraction);
  if (contraction.program.operands.size() != 2)
    return kept;
  Contraction swapped = relabel(swapOperands(std::move(contraction)));
  return orderText(swapped) < orderText(kept) ? swapped : kept;
}

} // namespace einjit::passes
