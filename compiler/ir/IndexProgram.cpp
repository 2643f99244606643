#include "ir/IndexProgram.h"

#include "einjit/error.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace einjit::ir {

Shape IndexProgram::operandShape(std::size_t t) const {
  Shape shape = operands.at(t).shape;
  for (const Prologue& prologue : prologues)
    if (prologue.operand == t && prologue.kind == PrologueKind::Ravel)
      shape = Shape{elementCount(shape)};
  return shape;
}

std::map<std::string, std::int64_t> IndexProgram::labelExtents() const {
  std::map<std::string, std::int64_t> extents;
  for (std::size_t t = 0; t < operands.size(); ++t) {
    Shape shape = operandShape(t);
    const std::vector<Index>& indices = operands[t].indices;
    for (std::size_t d = 0; d < indices.size() && d < shape.size(); ++d)
      if (!indices[d].isZero())
        extents.emplace(indices[d].label, shape[d]);
  }
  return extents;
}

Shape IndexProgram::outputShape() const {
  std::map<std::string, std::int64_t> extents = labelExtents();
  Shape shape;
  for (const Index& index : output) {
    auto found = extents.find(index.label);
    shape.push_back(index.isZero() || found == extents.end() ? 1 : found->second);
  }
  return shape;
}

std::vector<std::string> IndexProgram::labels() const {
  std::vector<std::string> ordered;
  auto add = [&](const Index& index) {
    if (!index.isZero() && std::find(ordered.begin(), ordered.end(), index.label) == ordered.end())
      ordered.push_back(index.label);
  };
  for (const Index& index : output)
    add(index);
  for (const Operand& operand : operands)
    for (const Index& index : operand.indices)
      add(index);
  return ordered;
}

std::vector<std::string> IndexProgram::summedLabels() const {
  std::vector<std::string> summed;
  for (const std::string& label : labels())
    if (std::find(output.begin(), output.end(), Index::of(label)) == output.end())
      summed.push_back(label);
  return summed;
}

namespace {

[[noreturn]] void broken(const std::string& what) {
  throw Error(ErrorKind::Internal, "invalid IndexProgram: " + what);
}

bool isIdentifier(const std::string& text) {
  if (text.empty() || !(std::isalpha(static_cast<unsigned char>(text[0])) || text[0] == '_'))
    return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

} // namespace

void verify(const IndexProgram& program) {
  if (program.operands.empty())
    broken("no operands");
  // f32 sums of 16-bit operands stored unrounded, or f32 sums rounded once into a 16-bit
  // output (the last kernel of a bf16 or f16 path, driver/ContractionPlan.h).
  if (program.outputDtype &&
      !(*program.outputDtype == DType::f32 && isHalfPrecision(program.dtype)) &&
      !(isHalfPrecision(*program.outputDtype) && program.dtype == DType::f32))
    broken("output dtype " + std::string(dtypeName(*program.outputDtype)) + " for " +
           std::string(dtypeName(program.dtype)) +
           " operands (another output dtype is f32 for bf16 or f16 operands, or bf16 or f16 for "
           "f32 operands)");
  if (!isIdentifier(program.outputName))
    broken("output name '" + program.outputName + "' is not an identifier");
  std::set<std::string> names{program.outputName};
  for (const Operand& operand : program.operands) {
    if (!isIdentifier(operand.name))
      broken("operand name '" + operand.name + "' is not an identifier");
    if (!names.insert(operand.name).second)
      broken("name '" + operand.name + "' is used twice");
    elementCount(operand.shape);
  }
  for (const Prologue& prologue : program.prologues) {
    if (prologue.operand >= program.operands.size())
      broken("prologue names operand " + std::to_string(prologue.operand) + " of " +
             std::to_string(program.operands.size()));
    if (prologue.kind == PrologueKind::Normalize) {
      std::size_t rank = program.operandShape(prologue.operand).size();
      if (prologue.axis < 0 || static_cast<std::size_t>(prologue.axis) >= rank)
        broken("normalize axis " + std::to_string(prologue.axis) + " out of range for rank " +
               std::to_string(rank));
      if (!(prologue.epsilon >= 0))
        broken("normalize epsilon must be non-negative");
    }
  }
  std::map<std::string, std::int64_t> extents;
  for (std::size_t t = 0; t < program.operands.size(); ++t) {
    const Operand& operand = program.operands[t];
    Shape shape = program.operandShape(t);
    if (operand.indices.size() != shape.size())
      broken("operand " + operand.name + " has " + std::to_string(operand.indices.size()) +
             " indices for rank " + std::to_string(shape.size()));
    for (std::size_t d = 0; d < shape.size(); ++d) {
      const Index& index = operand.indices[d];
      if (index.isZero()) {
        if (shape[d] != 1)
          broken("literal 0 at axis " + std::to_string(d) + " of " + operand.name + " has extent " +
                 std::to_string(shape[d]));
        continue;
      }
      if (!isIdentifier(index.label))
        broken("label '" + index.label + "' is not an identifier");
      auto [it, inserted] = extents.emplace(index.label, shape[d]);
      if (!inserted && it->second != shape[d])
        broken("label " + index.label + " has extents " + std::to_string(it->second) + " and " +
               std::to_string(shape[d]));
    }
  }
  std::set<std::string> seen;
  for (const Index& index : program.output) {
    if (index.isZero())
      continue;
    if (!seen.insert(index.label).second)
      broken("output label " + index.label + " appears twice");
    if (!extents.count(index.label))
      broken("output label " + index.label + " appears in no operand");
  }
}

} // namespace einjit::ir
