// Stride classes and the Contraction the passes transform: construction and printing.
#include "passes/Passes.h"

#include "einjit/error.h"
#include "support/Format.h"

#include <sstream>

namespace einjit::passes {

StrideClass strideClassOf(const Shape& shape, const Strides& strides, bool contiguousKnown) {
  StrideClass result(shape.size());
  bool contiguous = contiguousKnown && isRowMajorContiguous(shape, strides);
  for (std::size_t d = 0; d < shape.size(); ++d)
    result[d] = dimStrideClass(shape[d], strides[d], contiguous);
  return result;
}

StrideClass contiguousStrideClass(const Shape& shape, bool contiguousKnown) {
  return strideClassOf(shape, rowMajorStrides(shape), contiguousKnown);
}

std::string toString(const StrideClass& strideClass) {
  std::vector<std::string> parts;
  for (const std::optional<std::int64_t>& stride : strideClass)
    parts.push_back(stride ? std::to_string(*stride) : "?");
  return "[" + support::join(parts, ",") + "]";
}

namespace {

TensorLayout layoutOf(const StrideClass& strideClass, std::size_t rank, const std::string& name) {
  if (strideClass.size() != rank)
    throw Error(ErrorKind::Internal, "makeContraction: stride class " + toString(strideClass) +
                                         " of " + name + " does not fit rank " +
                                         std::to_string(rank));
  TensorLayout layout;
  for (std::size_t d = 0; d < rank; ++d)
    layout.push_back(DimLayout{d, strideClass[d]});
  return layout;
}

std::string layoutLine(const std::string& name, const std::vector<ir::Index>& indices,
                       const TensorLayout& layout) {
  std::string text = "  " + name + ":";
  StrideClass strides;
  for (std::size_t d = 0; d < layout.size(); ++d) {
    std::string label = d < indices.size() && !indices[d].isZero() ? indices[d].label : "0";
    text += " " + label + "<-" + std::to_string(layout[d].sourceDim);
    strides.push_back(layout[d].knownStride);
  }
  return text + " strides " + toString(strides) + "\n";
}

} // namespace

Contraction makeContraction(const ir::IndexProgram& program,
                            const std::vector<StrideClass>& operandClasses,
                            const StrideClass& outputClass, bool constantExtents) {
  if (operandClasses.size() != program.operands.size())
    throw Error(ErrorKind::Internal, "makeContraction: " + std::to_string(operandClasses.size()) +
                                         " stride classes for " +
                                         std::to_string(program.operands.size()) + " operands");
  Contraction contraction;
  contraction.constantExtents = constantExtents;
  contraction.program = program;
  contraction.program.prologues.clear();
  for (std::size_t t = 0; t < program.operands.size(); ++t) {
    contraction.program.operands[t].shape = program.operandShape(t);
    contraction.sources.push_back(t);
    contraction.operands.push_back(
        layoutOf(operandClasses[t], program.operands[t].indices.size(), program.operands[t].name));
  }
  contraction.output = layoutOf(outputClass, program.output.size(), program.outputName);
  ir::verify(contraction.program);
  return contraction;
}

std::string toString(const Contraction& contraction) {
  const ir::IndexProgram& program = contraction.program;
  std::ostringstream os;
  os << statementText(program) << "\n";
  for (std::size_t t = 0; t < program.operands.size(); ++t)
    os << layoutLine(program.operands[t].name + shapeToPython(program.operands[t].shape),
                     program.operands[t].indices, contraction.operands[t]);
  os << layoutLine(program.outputName + shapeToPython(program.outputShape()), program.output,
                   contraction.output);
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Contraction& contraction) {
  return os << toString(contraction);
}

} // namespace einjit::passes
