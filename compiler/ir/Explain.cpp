#include "ir/Explain.h"

#include "support/Format.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <set>

namespace einjit::ir {

std::string_view labelRoleName(LabelRole role) {
  switch (role) {
  case LabelRole::Batch:
    return "batch";
  case LabelRole::Free:
    return "free";
  case LabelRole::Contracted:
    return "contracted";
  case LabelRole::Summed:
    return "summed";
  }
  return "?";
}

std::vector<LabelInfo> classifyLabels(const IndexProgram& program) {
  std::map<std::string, std::int64_t> extents = program.labelExtents();
  std::vector<LabelInfo> infos;
  for (const std::string& label : program.labels()) {
    LabelInfo info;
    info.label = label;
    info.extent = extents.count(label) ? extents.at(label) : 1;
    std::set<std::size_t> operandsWithLabel;
    for (std::size_t t = 0; t < program.operands.size(); ++t)
      for (std::size_t d = 0; d < program.operands[t].indices.size(); ++d)
        if (program.operands[t].indices[d].label == label) {
          info.sites.push_back({t, d});
          operandsWithLabel.insert(t);
        }
    auto inOutput = std::find(program.output.begin(), program.output.end(), Index::of(label));
    bool shared = operandsWithLabel.size() >= 2;
    if (inOutput != program.output.end()) {
      info.outputAxis = static_cast<int>(inOutput - program.output.begin());
      info.role = shared ? LabelRole::Batch : LabelRole::Free;
    } else {
      info.role = shared ? LabelRole::Contracted : LabelRole::Summed;
    }
    infos.push_back(std::move(info));
  }
  return infos;
}

std::vector<BroadcastDim> broadcastDims(const IndexProgram& program) {
  std::vector<BroadcastDim> dims;
  for (std::size_t t = 0; t < program.operands.size(); ++t)
    for (std::size_t d = 0; d < program.operands[t].indices.size(); ++d)
      if (program.operands[t].indices[d].isZero())
        dims.push_back({t, d});
  return dims;
}

namespace {

// Maps IR labels to einsum letters: one-letter labels keep their letter, the rest (and every
// literal 0 of an operand) take letters no label uses.
class LetterMap {
public:
  explicit LetterMap(const IndexProgram& program) {
    for (const std::string& label : program.labels())
      if (isLetter(label))
        used_.insert(label[0]);
  }

  char letterFor(const std::string& label) {
    if (isLetter(label))
      return label[0];
    auto found = assigned_.find(label);
    if (found != assigned_.end())
      return found->second;
    return assigned_[label] = freshLetter();
  }

  char freshLetter() {
    static constexpr std::string_view order =
        "zyxwvutsrqponmlkjihgfedcbaZYXWVUTSRQPONMLKJIHGFEDCBA";
    for (char c : order)
      if (used_.insert(c).second)
        return c;
    return '?';
  }

private:
  static bool isLetter(const std::string& label) {
    return label.size() == 1 && std::isalpha(static_cast<unsigned char>(label[0]));
  }
  std::set<char> used_;
  std::map<std::string, char> assigned_;
};

} // namespace

EinsumForm equivalentEinsum(const IndexProgram& program) {
  LetterMap letters(program);
  EinsumForm form;
  std::vector<std::string> terms;
  for (const Operand& operand : program.operands) {
    std::string term;
    for (const Index& index : operand.indices)
      term += index.isZero() ? letters.freshLetter() : letters.letterFor(index.label);
    terms.push_back(term);
  }
  std::string out;
  for (std::size_t d = 0; d < program.output.size(); ++d) {
    if (program.output[d].isZero())
      form.unitOutputAxes.push_back(d);
    else
      out += letters.letterFor(program.output[d].label);
  }
  form.subscripts = support::join(terms, ",") + "->" + out;
  for (const Prologue& prologue : program.prologues) {
    const std::string& name = program.operands.at(prologue.operand).name;
    if (prologue.kind == PrologueKind::Ravel)
      form.prologueNotes.push_back(name + " is flattened to 1-D first (" + name + ".ravel())");
    else
      form.prologueNotes.push_back(
          name + " is L2-normalised along its axis " + std::to_string(prologue.axis) + " first (" +
          name + " / max(norm, " + support::shortestDouble(prologue.epsilon) + "))");
  }
  for (const Operand& operand : program.operands)
    if (operand.conj)
      form.prologueNotes.push_back(operand.name + " enters complex-conjugated (" + operand.name +
                                   ".conj())");
  return form;
}

std::int64_t multiplyAdds(const IndexProgram& program) {
  std::int64_t count = 1;
  for (const auto& [label, extent] : program.labelExtents())
    if (__builtin_mul_overflow(count, extent, &count))
      return std::numeric_limits<std::int64_t>::max();
  return count;
}

} // namespace einjit::ir
