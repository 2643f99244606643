// classifyLabels: the GETT groups (batch, M, N, K, summed inside one operand) of a contraction's
// labels, which the schedule and `explain` use.
#include "passes/Passes.h"

#include "support/Format.h"

#include <algorithm>

namespace einjit::passes {

namespace {

bool holds(const std::vector<ir::Index>& indices, const std::string& label) {
  return std::find(indices.begin(), indices.end(), ir::Index::of(label)) != indices.end();
}

} // namespace

LabelGroups classifyLabels(const ir::IndexProgram& program) {
  LabelGroups groups;
  groups.summedInOne.resize(program.operands.size());
  bool binary = program.operands.size() == 2;
  for (const std::string& label : program.labels()) {
    std::vector<std::size_t> holders;
    for (std::size_t t = 0; t < program.operands.size(); ++t)
      if (holds(program.operands[t].indices, label))
        holders.push_back(t);
    bool inOutput = holds(program.output, label);
    if (inOutput && holders.size() >= 2)
      groups.batch.push_back(label);
    else if (inOutput && binary && holders.front() == 1)
      groups.n.push_back(label);
    else if (inOutput)
      groups.m.push_back(label);
    else if (holders.size() >= 2)
      groups.k.push_back(label);
    else
      groups.summedInOne[holders.front()].push_back(label);
  }
  return groups;
}

std::string toString(const LabelGroups& groups, const ir::IndexProgram& program) {
  auto list = [](const std::vector<std::string>& labels) {
    return "[" + support::join(labels, ",") + "]";
  };
  std::string text = "batch " + list(groups.batch) + " M " + list(groups.m) + " N " +
                     list(groups.n) + " K " + list(groups.k);
  for (std::size_t t = 0; t < groups.summedInOne.size(); ++t)
    if (!groups.summedInOne[t].empty())
      text += " summed in " + program.operands.at(t).name + " " + list(groups.summedInOne[t]);
  return text;
}

} // namespace einjit::passes
