// choosePath: the order of pairwise contractions for a program of three or more operands, so a
// chain like ij,jk,kl->il costs two small contractions instead of one nest over every label.
// Exact search (3^n subsets splits) up to eight operands, greedy (n^3 pairs priced in time linear
// in their labels) beyond: 64 operands, the limit, take milliseconds (docs/LIMITS.md).
#include "passes/Passes.h"

#include "einjit/error.h"

#include <algorithm>
#include <limits>
#include <set>
#include <sstream>

namespace einjit::passes {

namespace {

constexpr std::size_t kExactLimit = 8;
constexpr std::int64_t kSaturated = std::numeric_limits<std::int64_t>::max();

std::int64_t saturatingMultiply(std::int64_t a, std::int64_t b) {
  if (a == 0 || b == 0)
    return 0;
  if (a > kSaturated / b)
    return kSaturated;
  return a * b;
}

std::int64_t saturatingAdd(std::int64_t a, std::int64_t b) {
  return a > kSaturated - b ? kSaturated : a + b;
}

/// Facts about the program the search asks again and again.
struct PathProblem {
  const ir::IndexProgram& program;
  std::map<std::string, std::int64_t> extents;
  std::vector<std::vector<std::string>> operandLabels; ///< distinct, in order of appearance
  std::set<std::string> outputLabels;

  explicit PathProblem(const ir::IndexProgram& source)
      : program(source), extents(source.labelExtents()) {
    for (const ir::Operand& operand : source.operands) {
      std::vector<std::string> labels;
      for (const ir::Index& index : operand.indices)
        if (!index.isZero() && std::find(labels.begin(), labels.end(), index.label) == labels.end())
          labels.push_back(index.label);
      operandLabels.push_back(std::move(labels));
    }
    for (const ir::Index& index : source.output)
      if (!index.isZero())
        outputLabels.insert(index.label);
  }

  std::size_t size() const { return operandLabels.size(); }

  /// The labels the value of a group of operands holds: all of a lone operand's labels (its
  /// own sums happen in the step that reads it), else those the output or an operand outside
  /// the group still needs.
  std::vector<std::string> labelsOf(const std::vector<bool>& inGroup) const {
    std::size_t members =
        static_cast<std::size_t>(std::count(inGroup.begin(), inGroup.end(), true));
    std::vector<std::string> labels;
    for (std::size_t t = 0; t < size(); ++t) {
      if (!inGroup[t])
        continue;
      for (const std::string& label : operandLabels[t]) {
        if (std::find(labels.begin(), labels.end(), label) != labels.end())
          continue;
        if (members == 1 || outputLabels.count(label) || neededOutside(label, inGroup))
          labels.push_back(label);
      }
    }
    return labels;
  }

  bool neededOutside(const std::string& label, const std::vector<bool>& inGroup) const {
    for (std::size_t t = 0; t < size(); ++t)
      if (!inGroup[t] && std::find(operandLabels[t].begin(), operandLabels[t].end(), label) !=
                             operandLabels[t].end())
        return true;
    return false;
  }

  /// Iterations of a nest over the union of two values' labels.
  std::int64_t stepCost(const std::vector<std::string>& left,
                        const std::vector<std::string>& right) const {
    std::int64_t cost = 1;
    for (const std::string& label : left)
      cost = saturatingMultiply(cost, extents.at(label));
    for (const std::string& label : right)
      if (std::find(left.begin(), left.end(), label) == left.end())
        cost = saturatingMultiply(cost, extents.at(label));
    return cost;
  }
};

/// A node of the contraction tree: an original operand (left == right == none) or a pair.
struct TreeNode {
  std::vector<bool> members;
  std::vector<std::string> labels;
  std::int64_t cost = 0; ///< of the whole subtree
  int left = -1;
  int right = -1;
  std::size_t operand = 0; ///< for a leaf
};

std::vector<bool> membersOfMask(std::uint32_t mask, std::size_t count) {
  std::vector<bool> members(count, false);
  for (std::size_t t = 0; t < count; ++t)
    members[t] = (mask >> t) & 1U;
  return members;
}

/// Exact: the cheapest tree for every subset, from the cheapest trees of its two halves.
/// Returns the nodes; the root is the last.
std::vector<TreeNode> exactTree(const PathProblem& problem) {
  std::size_t count = problem.size();
  std::uint32_t full = (1U << count) - 1;
  std::vector<int> nodeOf(full + 1, -1);
  std::vector<TreeNode> nodes;
  for (std::uint32_t mask = 1; mask <= full; ++mask) {
    TreeNode node;
    node.members = membersOfMask(mask, count);
    node.labels = problem.labelsOf(node.members);
    if ((mask & (mask - 1)) == 0) {
      node.operand = static_cast<std::size_t>(__builtin_ctz(mask));
    } else {
      std::uint32_t lowest = mask & (~mask + 1);
      node.cost = kSaturated;
      bool found = false;
      // Each split once: the half holding the lowest member goes left.
      for (std::uint32_t sub = (mask - 1) & mask; sub != 0; sub = (sub - 1) & mask) {
        if (!(sub & lowest))
          continue;
        const TreeNode& left = nodes[static_cast<std::size_t>(nodeOf[sub])];
        const TreeNode& right = nodes[static_cast<std::size_t>(nodeOf[mask ^ sub])];
        std::int64_t cost = saturatingAdd(saturatingAdd(left.cost, right.cost),
                                          problem.stepCost(left.labels, right.labels));
        if (!found || cost < node.cost) {
          found = true;
          node.cost = cost;
          node.left = nodeOf[sub];
          node.right = nodeOf[mask ^ sub];
        }
      }
    }
    nodeOf[mask] = static_cast<int>(nodes.size());
    nodes.push_back(std::move(node));
  }
  return nodes;
}

/// The labels as small integers, for the greedy search's inner loop: per label its extent,
/// whether the output keeps it, and the operands that hold it as a bit mask (operands are at
/// most limits::maxOperands = 64).
struct LabelTable {
  std::map<std::string, int> ids;
  std::vector<std::int64_t> extents;
  std::vector<bool> inOutput;
  std::vector<std::uint64_t> holders;

  explicit LabelTable(const PathProblem& problem) {
    for (std::size_t t = 0; t < problem.size(); ++t)
      for (const std::string& label : problem.operandLabels[t]) {
        auto [it, added] = ids.emplace(label, static_cast<int>(extents.size()));
        if (added) {
          extents.push_back(problem.extents.at(label));
          inOutput.push_back(problem.outputLabels.count(label) > 0);
          holders.push_back(0);
        }
        holders[static_cast<std::size_t>(it->second)] |= std::uint64_t{1} << t;
      }
  }

  std::vector<int> idsOf(const std::vector<std::string>& labels) const {
    std::vector<int> result;
    for (const std::string& label : labels)
      result.push_back(ids.at(label));
    return result;
  }

  /// PathProblem::labelsOf for the operands in `mask`, in the same order, in time linear in
  /// their labels.
  std::vector<std::string> labelsOf(const PathProblem& problem, std::uint64_t mask) const {
    bool single = (mask & (mask - 1)) == 0;
    std::vector<bool> taken(extents.size(), false);
    std::vector<std::string> labels;
    for (std::size_t t = 0; t < problem.size(); ++t) {
      if (!((mask >> t) & 1U))
        continue;
      for (const std::string& label : problem.operandLabels[t]) {
        auto id = static_cast<std::size_t>(ids.at(label));
        if (taken[id])
          continue;
        taken[id] = true;
        if (single || inOutput[id] || (holders[id] & ~mask))
          labels.push_back(label);
      }
    }
    return labels;
  }
};

/// Greedy: merge the pair whose step is cheapest (ties: the smaller result) until one is left.
/// Each round prices every live pair from label ids and operand masks, O(labels) a pair, so 64
/// operands take milliseconds; only the chosen pair's labels are built in order.
std::vector<TreeNode> greedyTree(const PathProblem& problem) {
  std::size_t count = problem.size();
  LabelTable table(problem);
  std::vector<TreeNode> nodes;
  std::vector<std::vector<int>> nodeIds; // per node: its labels as ids
  std::vector<std::uint64_t> nodeMasks;  // per node: its operands
  std::vector<int> live;
  for (std::size_t t = 0; t < count; ++t) {
    TreeNode leaf;
    leaf.members.assign(count, false);
    leaf.members[t] = true;
    leaf.labels = table.labelsOf(problem, std::uint64_t{1} << t);
    leaf.operand = t;
    live.push_back(static_cast<int>(nodes.size()));
    nodeIds.push_back(table.idsOf(leaf.labels));
    nodeMasks.push_back(std::uint64_t{1} << t);
    nodes.push_back(std::move(leaf));
  }
  // stamp[id] == round marks the labels of the pair's left value while it is priced.
  std::vector<std::uint64_t> stamp(table.extents.size(), 0);
  std::uint64_t round = 0;
  while (live.size() > 1) {
    std::size_t bestA = 0;
    std::size_t bestB = 1;
    std::int64_t bestCost = kSaturated;
    std::int64_t bestSize = kSaturated;
    bool found = false;
    for (std::size_t a = 0; a < live.size(); ++a)
      for (std::size_t b = a + 1; b < live.size(); ++b) {
        auto left = static_cast<std::size_t>(live[a]);
        auto right = static_cast<std::size_t>(live[b]);
        std::uint64_t outside = ~(nodeMasks[left] | nodeMasks[right]);
        ++round;
        std::int64_t cost = 1;
        std::int64_t size = 1;
        // The pair's step iterates over the union of its labels; its value keeps those the
        // output or an operand outside the pair still needs (as labelsOf decides).
        auto visit = [&](int id) {
          auto label = static_cast<std::size_t>(id);
          cost = saturatingMultiply(cost, table.extents[label]);
          if (table.inOutput[label] || (table.holders[label] & outside))
            size = saturatingMultiply(size, table.extents[label]);
        };
        for (int id : nodeIds[left]) {
          stamp[static_cast<std::size_t>(id)] = round;
          visit(id);
        }
        for (int id : nodeIds[right])
          if (stamp[static_cast<std::size_t>(id)] != round)
            visit(id);
        if (cost < bestCost || (cost == bestCost && size < bestSize) || !found) {
          found = true;
          bestA = a;
          bestB = b;
          bestCost = cost;
          bestSize = size;
        }
      }
    auto left = static_cast<std::size_t>(live[bestA]);
    auto right = static_cast<std::size_t>(live[bestB]);
    TreeNode merged;
    merged.members.assign(count, false);
    for (std::size_t t = 0; t < count; ++t)
      merged.members[t] = nodes[left].members[t] || nodes[right].members[t];
    merged.labels = table.labelsOf(problem, nodeMasks[left] | nodeMasks[right]);
    merged.left = live[bestA];
    merged.right = live[bestB];
    merged.cost = saturatingAdd(saturatingAdd(nodes[left].cost, nodes[right].cost), bestCost);
    live.erase(live.begin() + static_cast<std::ptrdiff_t>(bestB));
    live[bestA] = static_cast<int>(nodes.size());
    nodeIds.push_back(table.idsOf(merged.labels));
    nodeMasks.push_back(nodeMasks[left] | nodeMasks[right]);
    nodes.push_back(std::move(merged));
  }
  return nodes; // the last merge, the root, is last
}

/// Turns a tree into steps, children before parents.
class StepWriter {
public:
  StepWriter(const PathProblem& problem, const std::vector<TreeNode>& nodes)
      : problem_(problem), nodes_(nodes) {
    for (const ir::Operand& operand : problem.program.operands)
      takenNames_.insert(operand.name);
    takenNames_.insert(problem.program.outputName);
  }

  ContractionPath write() {
    value(static_cast<int>(nodes_.size()) - 1, true);
    path_.multiplyAdds = 0;
    for (const PathStep& step : path_.steps)
      path_.multiplyAdds = saturatingAdd(path_.multiplyAdds, step.multiplyAdds);
    return std::move(path_);
  }

private:
  /// The value id of a node (see PathStep::reads), writing its steps first. `likeOutput`: its
  /// labels in the output's order (see below).
  std::size_t value(int nodeId, bool isRoot, bool likeOutput = false) {
    const TreeNode& node = nodes_[static_cast<std::size_t>(nodeId)];
    if (node.left < 0)
      return node.operand;
    const ir::IndexProgram& program = problem_.program;
    // A last step that sums nothing (Performer's scaling by a row norm, bhde,bhnd,bhn->bhne)
    // multiplies element by element: its operands laid out in the output's order make it a
    // streaming product rather than a transpose, and the packed product before it writes its
    // tile in that order (bhde,bhnd->bhen packed B from bhnd's rows, 18 % of the run).
    bool childrenLikeOutput = isRoot && !sumsAnything(node);
    std::size_t left = value(node.left, false, childrenLikeOutput);
    std::size_t right = value(node.right, false, childrenLikeOutput);
    PathStep step;
    step.program.dtype = program.dtype;
    step.program.operands = {operandFor(left), operandFor(right)};
    step.reads = {left, right};
    if (isRoot) {
      step.program.output = program.output;
      step.program.outputName = program.outputName;
    } else if (likeOutput) {
      for (const ir::Index& index : program.output)
        if (std::find(node.labels.begin(), node.labels.end(), index.label) != node.labels.end())
          step.program.output.push_back(ir::Index::of(index.label));
      step.program.outputName = freshName();
    } else {
      for (const std::string& label : node.labels)
        step.program.output.push_back(ir::Index::of(label));
      step.program.outputName = freshName();
    }
    step.multiplyAdds = problem_.stepCost(nodes_[static_cast<std::size_t>(node.left)].labels,
                                          nodes_[static_cast<std::size_t>(node.right)].labels);
    ir::verify(step.program);
    path_.steps.push_back(std::move(step));
    return problem_.size() + path_.steps.size() - 1;
  }

  /// True when a node's step sums a label: one of its children's labels it does not keep.
  bool sumsAnything(const TreeNode& node) const {
    for (int child : {node.left, node.right})
      for (const std::string& label : nodes_[static_cast<std::size_t>(child)].labels)
        if (std::find(node.labels.begin(), node.labels.end(), label) == node.labels.end())
          return true;
    return false;
  }

  ir::Operand operandFor(std::size_t valueId) const {
    const ir::IndexProgram& program = problem_.program;
    if (valueId < problem_.size()) {
      ir::Operand operand = program.operands[valueId];
      operand.shape = program.operandShape(valueId);
      return operand;
    }
    const ir::IndexProgram& made = path_.steps[valueId - problem_.size()].program;
    ir::Operand operand;
    operand.name = made.outputName;
    operand.shape = made.outputShape();
    operand.indices = made.output;
    return operand;
  }

  std::string freshName() {
    std::string name = "t" + std::to_string(path_.steps.size());
    while (takenNames_.count(name))
      name = "_" + name;
    takenNames_.insert(name);
    return name;
  }

  const PathProblem& problem_;
  const std::vector<TreeNode>& nodes_;
  std::set<std::string> takenNames_;
  ContractionPath path_;
};

} // namespace

ContractionPath choosePath(const ir::IndexProgram& program) {
  if (program.operands.size() < 3)
    return {};
  // The front ends refuse more; the greedy search keeps operand sets in 64-bit masks.
  if (program.operands.size() > limits::maxOperands)
    throw Error(ErrorKind::Resource,
                "contraction path: " + std::to_string(program.operands.size()) +
                    " operands, more than the limit " + std::to_string(limits::maxOperands));
  PathProblem problem(program);
  std::vector<TreeNode> nodes =
      problem.size() <= kExactLimit ? exactTree(problem) : greedyTree(problem);
  ContractionPath path = StepWriter(problem, nodes).write();
  std::int64_t iterations = 1;
  for (const auto& [label, extent] : problem.extents)
    iterations = saturatingMultiply(iterations, extent);
  path.fusedMultiplyAdds =
      saturatingMultiply(iterations, static_cast<std::int64_t>(program.operands.size() - 1));
  return path;
}

std::string toString(const ContractionPath& path) {
  std::ostringstream os;
  for (std::size_t k = 0; k < path.steps.size(); ++k) {
    const PathStep& step = path.steps[k];
    bool chunked = path.chunks && k >= path.chunks->firstChunkedStep;
    if (chunked && k == path.chunks->firstChunkedStep)
      os << "  per chunk of " << path.chunks->chunk << " " << path.chunks->label << " ("
         << path.chunks->count << " chunks):\n";
    os << (chunked ? "    " : "  ") << ir::statementText(step.program) << "   " << step.multiplyAdds
       << (step.program.operands.size() == 1 ? " elements copied\n" : " multiply-adds\n");
  }
  if (!path.relayout.empty()) {
    os << "  relayout: " << path.relayout << " (the path runs)\n";
    return os.str();
  }
  os << "  total " << path.multiplyAdds << " multiply-adds; fused nest " << path.fusedMultiplyAdds
     << (path.beatsFused() ? " (the path runs)\n" : " (the fused nest runs)\n");
  return os.str();
}

} // namespace einjit::passes
