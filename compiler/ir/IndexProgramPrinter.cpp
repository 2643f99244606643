// The deterministic text form of an IndexProgram:
//   x: f32[2,3,4]
//   y: f32[2,3,4]
//   x := normalize(x, axis=2, eps=1e-07)
//   out[b,i,j] = sum_k x[b,i,k] * y[b,j,k]
// An output of another dtype than the operands' is declared without a shape before the
// statement: "out: f32".
#include "ir/IndexProgram.h"

#include "support/Format.h"

#include <sstream>

namespace einjit::ir {

namespace {

std::string indexList(const std::vector<Index>& indices) {
  std::vector<std::string> parts;
  for (const Index& index : indices)
    parts.push_back(index.isZero() ? "0" : index.label);
  return "[" + support::join(parts, ",") + "]";
}

std::string extentList(const Shape& shape) {
  std::vector<std::string> parts;
  for (std::int64_t extent : shape)
    parts.push_back(std::to_string(extent));
  return "[" + support::join(parts, ",") + "]";
}

} // namespace

std::string statementText(const IndexProgram& program) {
  std::string text = program.outputName + indexList(program.output) + " = ";
  std::vector<std::string> summed = program.summedLabels();
  if (summed.size() == 1)
    text += "sum_" + summed[0] + " ";
  else if (summed.size() > 1)
    text += "sum_{" + support::join(summed, ",") + "} ";
  std::vector<std::string> factors;
  for (const Operand& operand : program.operands) {
    std::string access = operand.name + indexList(operand.indices);
    factors.push_back(operand.conj ? "conj(" + access + ")" : access);
  }
  return text + support::join(factors, " * ");
}

std::string toString(const IndexProgram& program) {
  std::ostringstream os;
  for (const Operand& operand : program.operands)
    os << operand.name << ": " << dtypeName(program.dtype) << extentList(operand.shape) << "\n";
  for (const Prologue& prologue : program.prologues) {
    const std::string& name = program.operands.at(prologue.operand).name;
    if (prologue.kind == PrologueKind::Normalize)
      os << name << " := normalize(" << name << ", axis=" << prologue.axis
         << ", eps=" << support::shortestDouble(prologue.epsilon) << ")\n";
    else
      os << name << " := ravel(" << name << ")\n";
  }
  if (program.outputDtype)
    os << program.outputName << ": " << dtypeName(*program.outputDtype) << "\n";
  os << statementText(program) << "\n";
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const IndexProgram& program) {
  return os << toString(program);
}

} // namespace einjit::ir
