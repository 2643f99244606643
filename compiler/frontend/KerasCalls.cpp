// K.dot and K.batch_dot as tf_keras computes them (docs/semantics.md §4.2, §8). The legacy
// TF-backend batch_dot lives in KerasLegacyBatchDot.cpp, the Dot layer in KerasDotLayer.cpp.
#include "frontend/Frontends.h"
#include "frontend/KerasBatchDot.h"
#include "frontend/LabelAllocator.h"

#include "einjit/error.h"

#include <string>
#include <vector>

namespace einjit::frontend {

namespace {

using keras::isPythonInt;

std::int64_t product(const Shape& shape, std::size_t begin, std::size_t end) {
  std::int64_t count = 1;
  for (std::size_t d = begin; d < end; ++d)
    count *= shape[d];
  return count;
}

// TF prints kernel shapes as "[60,2]", unlike Python's "(60, 2)".
std::string tfShape(const Shape& shape) {
  std::string text = "[";
  for (std::size_t d = 0; d < shape.size(); ++d)
    text += (d > 0 ? "," : "") + std::to_string(shape[d]);
  return text + "]";
}

std::string axisText(const Arg& operand, std::size_t axis) {
  return operand.name + ".shape[" + std::to_string(axis) + "]";
}

// Both ranks <= 2: tf_keras calls tf.matmul, the rank-2 MatMul kernel, which takes matrices only.
ir::IndexProgram lowerMatrixDot(const Arg& x, const Arg& y, DType dtype) {
  const char* kernelNames[] = {"In[0]", "In[1]"};
  const Arg* operands[] = {&x, &y};
  for (int t = 0; t < 2; ++t)
    if (operands[t]->shape.size() != 2)
      throw Error(ErrorKind::Shape,
                  "K.dot: " + operands[t]->name + " has shape " +
                      shapeToPython(operands[t]->shape) +
                      "; with both inputs of rank <= 2 K.dot is tf.matmul, which needs matrices: " +
                      kernelNames[t] + " is not a matrix. Instead it has shape " +
                      tfShape(operands[t]->shape));
  if (x.shape[1] != y.shape[0])
    throw Error(ErrorKind::Shape, "K.dot: Matrix size-incompatible: In[0]: " + tfShape(x.shape) +
                                      ", In[1]: " + tfShape(y.shape) + ". " + axisText(x, 1) +
                                      " != " + axisText(y, 0) + " (" + std::to_string(x.shape[1]) +
                                      " != " + std::to_string(y.shape[0]) + ").");
  LabelAllocator labels;
  std::string row = labels.fresh();
  std::string k = labels.freshContracted();
  std::string column = labels.fresh();
  ir::IndexProgram program;
  program.dtype = dtype;
  program.operands.push_back({x.name, x.shape, {ir::Index::of(row), ir::Index::of(k)}, false});
  program.operands.push_back({y.name, y.shape, {ir::Index::of(k), ir::Index::of(column)}, false});
  program.output = {ir::Index::of(row), ir::Index::of(column)};
  return program;
}

// Some rank > 2: tf_keras flattens x to (-1, x.shape[-1]) and y, its second-to-last axis moved
// first, to (y.shape[-2], -1), which is np.dot's rule.
ir::IndexProgram lowerTensorDot(const Arg& x, const Arg& y, DType dtype) {
  const std::size_t rx = x.shape.size();
  const std::size_t ry = y.shape.size();
  // tf_keras pops y's axis -2 before it reads x.shape[-1], so y's rank is checked first.
  if (ry < 2)
    throw Error(ErrorKind::Shape,
                "K.dot: " + y.name + " has shape " + shapeToPython(y.shape) +
                    "; when an input has rank > 2, K.dot contracts " + y.name +
                    "'s second-to-last axis, so " + y.name +
                    " needs rank >= 2 (tf_keras raises IndexError: pop index out of range)");
  if (rx < 1)
    throw Error(ErrorKind::Shape,
                "K.dot: " + x.name + " has shape " + shapeToPython(x.shape) +
                    "; K.dot contracts its last axis, so " + x.name +
                    " needs rank >= 1 (tf_keras raises IndexError: tuple index out of range)");
  const std::int64_t contracted = x.shape[rx - 1];
  if (contracted != y.shape[ry - 2]) {
    Shape flatX{product(x.shape, 0, rx - 1), contracted};
    Shape flatY{y.shape[ry - 2], product(y.shape, 0, ry - 2) * y.shape[ry - 1]};
    throw Error(ErrorKind::Shape,
                "K.dot: shapes " + shapeToPython(x.shape) + " and " + shapeToPython(y.shape) +
                    " not aligned: " + axisText(x, rx - 1) + " != " + axisText(y, ry - 2) + " (" +
                    std::to_string(contracted) + " != " + std::to_string(y.shape[ry - 2]) +
                    "). tf.matmul sees the reshaped inputs: Matrix size-incompatible: In[0]: " +
                    tfShape(flatX) + ", In[1]: " + tfShape(flatY));
  }
  LabelAllocator labels;
  std::vector<ir::Index> xIndices;
  std::vector<ir::Index> yIndices;
  std::vector<ir::Index> output;
  for (std::size_t d = 0; d + 1 < rx; ++d) {
    xIndices.push_back(ir::Index::of(labels.fresh()));
    output.push_back(xIndices.back());
  }
  ir::Index k = ir::Index::of(labels.freshContracted());
  xIndices.push_back(k);
  for (std::size_t d = 0; d < ry; ++d) {
    if (d == ry - 2) {
      yIndices.push_back(k);
      continue;
    }
    yIndices.push_back(ir::Index::of(labels.fresh()));
    output.push_back(yIndices.back());
  }
  ir::IndexProgram program;
  program.dtype = dtype;
  program.operands.push_back({x.name, x.shape, xIndices, false});
  program.operands.push_back({y.name, y.shape, yIndices, false});
  program.output = output;
  return program;
}

std::string itemCountText(std::size_t n) {
  return n == 1 ? std::to_string(n) + " item" : std::to_string(n) + " items";
}

// The axes as tf_keras holds them before its checks: [a, a] for an int, the defaults for None.
std::vector<PyValue> batchDotAxisPair(const std::string& call, const Arg& x, const Arg& y,
                                      const PyValue& axes) {
  const auto rx = static_cast<std::int64_t>(x.shape.size());
  const auto ry = static_cast<std::int64_t>(y.shape.size());
  if (isPythonInt(axes))
    return {axes, axes};
  if (axes.isNone())
    return {PyValue::fromInt(rx - 1), PyValue::fromInt(ry == 2 ? ry - 1 : ry - 2)};
  if (!axes.isSequence())
    throw Error(ErrorKind::Argument, call +
                                         ": axes must be None, an int or a pair of ints. "
                                         "Received: axes=" +
                                         axes.repr());
  for (const PyValue& item : axes.items)
    if (item.isSequence())
      throw Error(ErrorKind::Argument,
                  call +
                      ": Multiple target dimensions are not supported. Expected: None, int, "
                      "(int, int), Provided: " +
                      axes.repr());
  if (axes.items.size() != 2)
    throw Error(ErrorKind::Argument, call +
                                         ": axes must be None, an int or a pair of ints. "
                                         "Received: axes=" +
                                         axes.repr() + " (" + itemCountText(axes.items.size()) +
                                         ")");
  for (const PyValue& item : axes.items)
    if (!isPythonInt(item))
      throw Error(ErrorKind::Argument, call +
                                           ": axes must be None, an int or a pair of ints. "
                                           "Received: axes=" +
                                           axes.repr());
  return axes.items;
}

} // namespace

ir::IndexProgram kerasDot(const Arg& x, const Arg& y, DType dtype) {
  ir::IndexProgram program = x.shape.size() > 2 || y.shape.size() > 2 ? lowerTensorDot(x, y, dtype)
                                                                      : lowerMatrixDot(x, y, dtype);
  ir::verify(program);
  return program;
}

namespace keras {

ir::IndexProgram lowerCurrentBatchDot(const std::string& call, const Arg& x, const Arg& y,
                                      const PyValue& axes, DType dtype) {
  const std::size_t rx = x.shape.size();
  const std::size_t ry = y.shape.size();
  const std::string shapes = shapeToPython(x.shape) + " and " + shapeToPython(y.shape);
  if (rx < 2 || ry < 2) {
    const Arg& low = rx < 2 ? x : y;
    throw Error(ErrorKind::Shape,
                call +
                    ": Cannot do batch_dot on inputs with rank < 2. Received inputs with "
                    "shapes " +
                    shapes + ". " + low.name + " has rank " + std::to_string(low.shape.size()) +
                    ".");
  }
  if (x.shape[0] != y.shape[0])
    throw Error(ErrorKind::Shape,
                call +
                    ": Cannot do batch_dot on inputs with different batch sizes. Received "
                    "inputs with shapes " +
                    shapes + ". " + axisText(x, 0) + " != " + axisText(y, 0) + " (" +
                    std::to_string(x.shape[0]) + " != " + std::to_string(y.shape[0]) + ").");

  std::vector<PyValue> pair = batchDotAxisPair(call, x, y, axes);
  const Arg* operands[] = {&x, &y};
  std::size_t resolved[2] = {0, 0};
  for (int t = 0; t < 2; ++t) {
    std::int64_t value = pythonIntValue(pair[t]);
    if (value < 0)
      pair[t] = PyValue::fromInt(value + static_cast<std::int64_t>(operands[t]->shape.size()));
  }
  const std::string resolvedText = PyValue::list(pair).repr();
  for (int t = 0; t < 2; ++t)
    if (pythonIntValue(pair[t]) == 0)
      throw Error(ErrorKind::Axis,
                  call +
                      ": Cannot perform batch_dot over axis 0. If your inputs are not "
                      "batched, add a dummy batch dimension to your inputs using "
                      "K.expand_dims(x, 0). axes=" +
                      resolvedText + " names axis 0 of " + operands[t]->name + ", its batch axis.");
  for (int t = 0; t < 2; ++t) {
    const std::int64_t value = pythonIntValue(pair[t]);
    const auto rank = static_cast<std::int64_t>(operands[t]->shape.size());
    if (value < 0 || value >= rank)
      throw Error(ErrorKind::Axis,
                  call + ": axes=" + resolvedText + ": axis " + std::to_string(value) +
                      " is out of range for " + operands[t]->name + " of shape " +
                      shapeToPython(operands[t]->shape) + " (rank " + std::to_string(rank) + ")");
    resolved[t] = static_cast<std::size_t>(value);
  }
  const std::size_t a0 = resolved[0];
  const std::size_t a1 = resolved[1];
  if (x.shape[a0] != y.shape[a1])
    throw Error(ErrorKind::Shape,
                call + ": Cannot do batch_dot on inputs with shapes " + shapes + " with axes=" +
                    resolvedText + ". " + axisText(x, a0) + " != " + axisText(y, a1) + " (" +
                    std::to_string(x.shape[a0]) + " != " + std::to_string(y.shape[a1]) + ").");

  LabelAllocator labels;
  const ir::Index batch = ir::Index::of(labels.take("b"));
  const ir::Index k = ir::Index::of(labels.take("k"));
  // Free axes start at c, as in the einsums tf_keras' docs and docs/semantics.md §8 write.
  labels.reserve("a");
  std::vector<ir::Index> output{batch};
  auto label = [&](const Arg& operand, std::size_t contractedAxis) {
    std::vector<ir::Index> indices{batch};
    for (std::size_t d = 1; d < operand.shape.size(); ++d) {
      if (d == contractedAxis) {
        indices.push_back(k);
        continue;
      }
      indices.push_back(ir::Index::of(labels.fresh()));
      output.push_back(indices.back());
    }
    return indices;
  };
  ir::IndexProgram program;
  program.dtype = dtype;
  program.operands.push_back({x.name, x.shape, label(x, a0), false});
  program.operands.push_back({y.name, y.shape, label(y, a1), false});
  // tf_keras expands both rank-2 inputs, multiplies to (B, 1, 1) and squeezes axis 1 only.
  if (output.size() == 1)
    output.push_back(ir::Index::zero());
  program.output = output;
  ir::verify(program);
  return program;
}

} // namespace keras

ir::IndexProgram kerasBatchDot(const Arg& x, const Arg& y, const PyValue& axes, DType dtype,
                               BatchDotSemantics semantics) {
  if (semantics == BatchDotSemantics::Legacy)
    return keras::lowerLegacyBatchDot("K.batch_dot", x, y, axes, dtype);
  return keras::lowerCurrentBatchDot("K.batch_dot", x, y, axes, dtype);
}

} // namespace einjit::frontend
