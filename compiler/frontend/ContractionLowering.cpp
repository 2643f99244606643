// The lowering cores shared by the numpy / TensorFlow / torch / keras.ops call front ends.
#include "frontend/ContractionLowering.h"

#include "frontend/LabelAllocator.h"
#include "support/Format.h"

#include <algorithm>
#include <set>

namespace einjit::frontend::detail {

namespace {

std::vector<ir::Index> unlabelled(std::size_t rank) {
  return std::vector<ir::Index>(rank);
}

ir::Operand operandOf(const Arg& arg, std::vector<ir::Index> indices, bool conj = false) {
  return ir::Operand{arg.name, arg.shape, std::move(indices), conj};
}

ir::IndexProgram finish(ir::IndexProgram program) {
  ir::verify(program);
  return program;
}

} // namespace

// ---- tensordot ---------------------------------------------------------------------------------

ir::IndexProgram lowerTensordot(const Arg& a, const Arg& b, const std::vector<AxisPair>& pairs,
                                DType dtype) {
  LabelAllocator labels;
  std::vector<ir::Index> aIndices = unlabelled(a.shape.size());
  std::vector<ir::Index> bIndices = unlabelled(b.shape.size());
  std::vector<bool> aContracted(a.shape.size(), false);
  std::vector<bool> bContracted(b.shape.size(), false);
  // Contracted labels first, so they are k, l, m, … however many free axes there are.
  for (const AxisPair& pair : pairs) {
    ir::Index label = ir::Index::of(labels.freshContracted());
    std::int64_t extentA = a.shape[pair.a];
    std::int64_t extentB = b.shape[pair.b];
    aIndices[pair.a] = extentA == 1 && extentB != 1 ? ir::Index::zero() : label;
    bIndices[pair.b] = extentB == 1 && extentA != 1 ? ir::Index::zero() : label;
    aContracted[pair.a] = true;
    bContracted[pair.b] = true;
  }
  std::vector<ir::Index> output;
  for (std::size_t d = 0; d < a.shape.size(); ++d)
    if (!aContracted[d])
      output.push_back(aIndices[d] = ir::Index::of(labels.fresh()));
  for (std::size_t d = 0; d < b.shape.size(); ++d)
    if (!bContracted[d])
      output.push_back(bIndices[d] = ir::Index::of(labels.fresh()));

  ir::IndexProgram program;
  program.dtype = dtype;
  program.operands = {operandOf(a, std::move(aIndices)), operandOf(b, std::move(bIndices))};
  program.output = std::move(output);
  return finish(std::move(program));
}

ir::IndexProgram lowerScalarProduct(const Arg& a, const Arg& b, DType dtype) {
  LabelAllocator labels;
  auto labelAll = [&](const Shape& shape) {
    std::vector<ir::Index> indices;
    for (std::size_t d = 0; d < shape.size(); ++d)
      indices.push_back(ir::Index::of(labels.fresh()));
    return indices;
  };
  std::vector<ir::Index> aIndices = labelAll(a.shape);
  std::vector<ir::Index> bIndices = labelAll(b.shape);
  ir::IndexProgram program;
  program.dtype = dtype;
  program.output = aIndices;
  program.output.insert(program.output.end(), bIndices.begin(), bIndices.end());
  program.operands = {operandOf(a, std::move(aIndices)), operandOf(b, std::move(bIndices))};
  return finish(std::move(program));
}

std::optional<std::int64_t> pythonInt(const PyValue& value) {
  if (value.kind == PyValue::Kind::Int)
    return value.integer;
  if (value.kind == PyValue::Kind::Bool)
    return value.boolean ? 1 : 0;
  return std::nullopt;
}

std::optional<std::vector<std::int64_t>> pythonIntList(const PyValue& value) {
  if (!value.isSequence())
    return std::nullopt;
  std::vector<std::int64_t> values;
  for (const PyValue& item : value.items) {
    std::optional<std::int64_t> number = pythonInt(item);
    if (!number)
      return std::nullopt;
    values.push_back(*number);
  }
  return values;
}

std::optional<std::size_t> pythonIndex(std::int64_t axis, std::size_t rank) {
  std::int64_t signedRank = static_cast<std::int64_t>(rank);
  if (axis < -signedRank || axis >= signedRank)
    return std::nullopt;
  return static_cast<std::size_t>(axis < 0 ? axis + signedRank : axis);
}

std::optional<std::int64_t> firstDuplicate(const std::vector<std::int64_t>& axes) {
  std::set<std::int64_t> seen;
  for (std::int64_t axis : axes)
    if (!seen.insert(axis).second)
      return axis;
  return std::nullopt;
}

std::int64_t extentProduct(const Shape& shape, const std::vector<std::size_t>& axes) {
  std::int64_t product = 1;
  for (std::size_t axis : axes)
    product *= shape[axis];
  return product;
}

// ---- matmul ------------------------------------------------------------------------------------

Shape matmulBatch(const MatmulOperand& operand) {
  const Shape& shape = operand.arg->shape;
  if (operand.vector || shape.size() < 2)
    return {};
  return Shape(shape.begin(), shape.end() - 2);
}

std::size_t innerAxisOfA(const MatmulOperand& a) {
  std::size_t rank = a.arg->shape.size();
  if (a.vector)
    return 0;
  return a.transposed ? rank - 2 : rank - 1;
}

std::size_t innerAxisOfB(const MatmulOperand& b) {
  std::size_t rank = b.arg->shape.size();
  if (b.vector)
    return 0;
  return b.transposed ? rank - 1 : rank - 2;
}

std::int64_t innerExtentOfA(const MatmulOperand& a) {
  return a.arg->shape[innerAxisOfA(a)];
}

std::int64_t innerExtentOfB(const MatmulOperand& b) {
  return b.arg->shape[innerAxisOfB(b)];
}

std::optional<BroadcastFailure> batchBroadcastFailure(const Shape& a, const Shape& b,
                                                      bool rightmostFirst) {
  std::size_t common = std::min(a.size(), b.size());
  std::optional<BroadcastFailure> found;
  // Only the trailing `common` axes meet; the longer shape's leading axes stand alone.
  for (std::size_t back = 1; back <= common; ++back) {
    std::int64_t extentA = a[a.size() - back];
    std::int64_t extentB = b[b.size() - back];
    if (extentA == extentB || extentA == 1 || extentB == 1)
      continue;
    found = BroadcastFailure{a.size() - back, b.size() - back, extentA, extentB};
    if (rightmostFirst)
      return found;
  }
  return found;
}

Shape broadcastBatch(const Shape& a, const Shape& b) {
  Shape result(std::max(a.size(), b.size()), 1);
  for (std::size_t back = 1; back <= result.size(); ++back) {
    std::int64_t extentA = back <= a.size() ? a[a.size() - back] : 1;
    std::int64_t extentB = back <= b.size() ? b[b.size() - back] : 1;
    result[result.size() - back] = extentA == 1 ? extentB : extentA;
  }
  return result;
}

ir::IndexProgram lowerMatmul(const MatmulOperand& a, const MatmulOperand& b, DType dtype) {
  Shape batchA = matmulBatch(a);
  Shape batchB = matmulBatch(b);
  Shape batch = broadcastBatch(batchA, batchB);

  LabelAllocator labels;
  // n, k, m first so that many batch dims cannot take them.
  std::optional<ir::Index> n;
  if (!a.vector)
    n = ir::Index::of(labels.take("n"));
  ir::Index k = ir::Index::of(labels.take("k"));
  std::optional<ir::Index> m;
  if (!b.vector)
    m = ir::Index::of(labels.take("m"));
  std::vector<ir::Index> batchLabels;
  for (std::size_t d = 0; d < batch.size(); ++d)
    batchLabels.push_back(ir::Index::of(labels.fresh()));

  auto batchIndices = [&](const Shape& own) {
    std::vector<ir::Index> indices;
    std::size_t offset = batch.size() - own.size();
    for (std::size_t d = 0; d < own.size(); ++d)
      indices.push_back(own[d] == 1 && batch[offset + d] != 1 ? ir::Index::zero()
                                                              : batchLabels[offset + d]);
    return indices;
  };
  std::vector<ir::Index> aIndices = batchIndices(batchA);
  if (a.vector) {
    aIndices.push_back(k);
  } else if (a.transposed) {
    aIndices.insert(aIndices.end(), {k, *n});
  } else {
    aIndices.insert(aIndices.end(), {*n, k});
  }
  std::vector<ir::Index> bIndices = batchIndices(batchB);
  if (b.vector) {
    bIndices.push_back(k);
  } else if (b.transposed) {
    bIndices.insert(bIndices.end(), {*m, k});
  } else {
    bIndices.insert(bIndices.end(), {k, *m});
  }

  ir::IndexProgram program;
  program.dtype = dtype;
  program.output = batchLabels;
  if (n)
    program.output.push_back(*n);
  if (m)
    program.output.push_back(*m);
  program.operands = {operandOf(*a.arg, std::move(aIndices), a.conj),
                      operandOf(*b.arg, std::move(bIndices), b.conj)};
  return finish(std::move(program));
}

// ---- message texts -----------------------------------------------------------------------------

namespace {

std::string joinExtents(const Shape& shape, const std::string& separator) {
  std::vector<std::string> parts;
  for (std::int64_t extent : shape)
    parts.push_back(std::to_string(extent));
  return support::join(parts, separator);
}

} // namespace

std::string numpyShapeText(const Shape& shape) {
  return "(" + joinExtents(shape, ",") + (shape.size() == 1 ? ",)" : ")");
}

std::string tensorflowShapeText(const Shape& shape) {
  return "[" + joinExtents(shape, ",") + "]";
}

std::string pythonListText(const Shape& shape) {
  return "[" + joinExtents(shape, ", ") + "]";
}

std::string axisRef(const Arg& arg, std::size_t axis) {
  return arg.name + ".shape[" + std::to_string(axis) + "]";
}

std::string extentMismatch(const Arg& a, std::size_t axisA, const Arg& b, std::size_t axisB) {
  return axisRef(a, axisA) + " != " + axisRef(b, axisB) + " (" + std::to_string(a.shape[axisA]) +
         " != " + std::to_string(b.shape[axisB]) + ")";
}

std::string describe(const Arg& arg) {
  return arg.name + " (shape " + shapeToPython(arg.shape) + ")";
}

std::string axisListText(const std::vector<std::int64_t>& axes) {
  return pythonListText(Shape(axes.begin(), axes.end()));
}

} // namespace einjit::frontend::detail
