// K.batch_dot as the Keras <= 2.2.4 TensorFlow backend (and tf.keras <= TF 1.14) computed it
// (docs/semantics.md §8.6), derived step by step into one IndexProgram:
//   1. axes: None -> [x.ndim-1, y.ndim-2], int a -> (a, a); never normalised or validated.
//   2. The lower-rank input is padded with trailing 1-dims to the other's rank R.
//   3. R == 2: reduce_sum(x * y, axes[0]) if axes[0] == axes[1], else
//      reduce_sum(transpose(x) * y, axes[1]); the product broadcasts NumPy-style.
//      R >= 3: tf.matmul(x, y, adjoint_a = axes[0] != R-1, adjoint_b = axes[1] == R-1): every
//      axis but the last two is a (broadcast) batch axis; axes only choose the transposes.
//   4. With padding, tf.squeeze drops `diff` output axes from x.ndim + y.ndim - 3 (x longer) or
//      x.ndim - 1 (y longer); each must have extent 1.
//   5. A rank-1 result is expanded to (B, 1).
// Padded axes exist only in the derivation: they are dropped from the operands' indices, and an
// output axis that only they provided is a constant unit axis, the literal 0.
#include "frontend/KerasBatchDot.h"
#include "frontend/LabelAllocator.h"

#include "einjit/error.h"

#include <algorithm>
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace einjit::frontend::keras {

namespace {

std::string tfShape(const Shape& shape) {
  std::string text = "[";
  for (std::size_t d = 0; d < shape.size(); ++d)
    text += (d > 0 ? "," : "") + std::to_string(shape[d]);
  return text + "]";
}

class LegacyBatchDot {
public:
  LegacyBatchDot(const std::string& call, const Arg& x, const Arg& y, DType dtype)
      : call_(call), operands_{&x, &y}, dtype_(dtype) {
    rank_ = std::max(x.shape.size(), y.shape.size());
    for (int t = 0; t < 2; ++t) {
      padded_[t] = operands_[t]->shape;
      padded_[t].resize(rank_, 1);
      indices_[t].resize(rank_);
    }
    batch_ = labels_.take("b");
    contracted_ = labels_.take("k");
    // Free axes start at c, as in the einsums of docs/semantics.md §8.
    labels_.reserve("a");
  }

  ir::IndexProgram lower(const PyValue& axes) {
    auto [first, second] = resolveAxes(axes);
    if (rank_ < 2)
      fail("tf.matmul needs inputs of rank >= 2, and " + describeInputs() +
           " have rank <= 1 after padding (In[0] ndims must be >= 2: " + std::to_string(rank_) +
           ")");
    if (rank_ == 2)
      lowerReduceSum(first, second);
    else
      lowerMatmul(first, second);
    squeezePaddedAxes();
    if (output_.size() == 1)
      output_.push_back(ir::Index::zero());
    return finish();
  }

private:
  [[noreturn]] void fail(const std::string& message) const {
    throw Error(ErrorKind::Shape, call_ + ": (Keras <= 2.2.4 TF backend) " + message);
  }

  std::string axisName(int t, std::size_t axis) const {
    const Arg& operand = *operands_[t];
    if (axis < operand.shape.size())
      return operand.name + ".shape[" + std::to_string(axis) + "]";
    return operand.name + "'s padded axis " + std::to_string(axis);
  }

  std::string describeInputs() const {
    std::string text = operands_[0]->name + " " + shapeToPython(operands_[0]->shape) + " and " +
                       operands_[1]->name + " " + shapeToPython(operands_[1]->shape);
    if (operands_[0]->shape.size() != operands_[1]->shape.size())
      text +=
          " (padded to " + shapeToPython(padded_[0]) + " and " + shapeToPython(padded_[1]) + ")";
    return text;
  }

  std::string productText(bool transposed) const {
    const std::string& x = operands_[0]->name;
    return (transposed ? "transpose(" + x + ")" : x) + " * " + operands_[1]->name;
  }

  std::pair<std::int64_t, std::int64_t> resolveAxes(const PyValue& axes) const {
    const auto rx = static_cast<std::int64_t>(operands_[0]->shape.size());
    const auto ry = static_cast<std::int64_t>(operands_[1]->shape.size());
    if (axes.isNone())
      return {rx - 1, ry - 2};
    if (isPythonInt(axes))
      return {pythonIntValue(axes), pythonIntValue(axes)};
    if (axes.isSequence()) {
      for (const PyValue& item : axes.items)
        if (item.isSequence())
          throw Error(ErrorKind::Argument,
                      call_ +
                          ": Multiple target dimensions are not supported. Expected: None, "
                          "int, (int, int), Provided: " +
                          axes.repr());
      if (axes.items.size() == 2 && isPythonInt(axes.items[0]) && isPythonInt(axes.items[1]))
        return {pythonIntValue(axes.items[0]), pythonIntValue(axes.items[1])};
    }
    throw Error(ErrorKind::Argument,
                call_ +
                    ": axes must be None, an int or a pair of ints. Received: axes=" + axes.repr());
  }

  // Joins x's axis `xAxis` with y's `yAxis` under NumPy broadcasting: one label for equal
  // extents; a literal 0 on the side of extent 1 against a larger extent.
  ir::Index broadcastJoin(std::size_t xAxis, std::size_t yAxis, const std::string& label,
                          const std::function<std::string()>& conflict) {
    const std::int64_t xExtent = padded_[0][xAxis];
    const std::int64_t yExtent = padded_[1][yAxis];
    if (xExtent != yExtent && xExtent != 1 && yExtent != 1)
      fail(axisName(0, xAxis) + " != " + axisName(1, yAxis) + " (" + std::to_string(xExtent) +
           " != " + std::to_string(yExtent) + "): " + conflict());
    const ir::Index joined = ir::Index::of(label);
    indices_[0][xAxis] = xExtent == yExtent || yExtent == 1 ? joined : ir::Index::zero();
    indices_[1][yAxis] = xExtent == yExtent || xExtent == 1 ? joined : ir::Index::zero();
    outputExtents_.push_back(std::max(xExtent, yExtent));
    return joined;
  }

  void lowerReduceSum(std::int64_t first, std::int64_t second) {
    const bool transposed = first != second;
    const std::int64_t reduced = transposed ? second : first;
    if (reduced < -2 || reduced >= 2)
      fail("for rank-2 inputs batch_dot is reduce_sum(" + productText(transposed) +
           ", axis=" + std::to_string(reduced) + "), and axis " + std::to_string(reduced) +
           " is out of range for " + describeInputs() + ": Invalid reduction dimension (" +
           std::to_string(reduced) + " for input with 2 dimension(s))");
    const std::size_t reducedAxis = static_cast<std::size_t>(reduced < 0 ? reduced + 2 : reduced);
    auto conflict = [&] {
      Shape left = padded_[0];
      if (transposed)
        std::swap(left[0], left[1]);
      return productText(transposed) +
             " does not broadcast: Incompatible shapes: " + tfShape(left) + " vs. " +
             tfShape(padded_[1]);
    };
    // The product's axis d reads x's axis d (or 1 - d when transposed) and y's axis d.
    std::vector<ir::Index> product;
    for (std::size_t d = 0; d < 2; ++d) {
      const std::size_t xAxis = transposed ? 1 - d : d;
      const std::string label =
          d == reducedAxis ? contracted_ : (d == 0 ? batch_ : labels_.fresh());
      product.push_back(broadcastJoin(xAxis, d, label, conflict));
    }
    output_ = {product[1 - reducedAxis]};
    outputExtents_ = {outputExtents_[1 - reducedAxis]};
  }

  void lowerMatmul(std::int64_t first, std::int64_t second) {
    const auto last = static_cast<std::int64_t>(rank_) - 1;
    const bool adjointX = first != last;
    const bool adjointY = second == last;
    const std::size_t xRow = adjointX ? rank_ - 1 : rank_ - 2;
    const std::size_t xInner = adjointX ? rank_ - 2 : rank_ - 1;
    const std::size_t yInner = adjointY ? rank_ - 1 : rank_ - 2;
    const std::size_t yColumn = adjointY ? rank_ - 2 : rank_ - 1;
    conj_[0] = adjointX && isComplex(dtype_);
    conj_[1] = adjointY && isComplex(dtype_);
    const std::string flags = std::string("tf.matmul(") + operands_[0]->name + ", " +
                              operands_[1]->name + ", adjoint_a=" + (adjointX ? "True" : "False") +
                              ", adjoint_b=" + (adjointY ? "True" : "False") + ")";
    auto batchConflict = [&] {
      return flags + " broadcasts axes 0.." + std::to_string(rank_ - 3) +
             " as batch axes: In[0] and In[1] must have compatible batch dimensions: " +
             tfShape(padded_[0]) + " vs. " + tfShape(padded_[1]);
    };
    for (std::size_t d = 0; d + 2 < rank_; ++d)
      output_.push_back(broadcastJoin(d, d, d == 0 ? batch_ : labels_.fresh(), batchConflict));
    if (padded_[0][xInner] != padded_[1][yInner])
      fail(flags + " contracts " + axisName(0, xInner) + " with " + axisName(1, yInner) + ", and " +
           std::to_string(padded_[0][xInner]) + " != " + std::to_string(padded_[1][yInner]) +
           " for " + describeInputs() + ": Matrix size-incompatible");
    const ir::Index k = ir::Index::of(contracted_);
    indices_[0][xInner] = k;
    indices_[1][yInner] = k;
    const ir::Index row = ir::Index::of(labels_.fresh());
    const ir::Index column = ir::Index::of(labels_.fresh());
    indices_[0][xRow] = row;
    indices_[1][yColumn] = column;
    output_.push_back(row);
    output_.push_back(column);
    outputExtents_.push_back(padded_[0][xRow]);
    outputExtents_.push_back(padded_[1][yColumn]);
  }

  void squeezePaddedAxes() {
    const auto rx = static_cast<std::int64_t>(operands_[0]->shape.size());
    const auto ry = static_cast<std::int64_t>(operands_[1]->shape.size());
    const std::int64_t diff = rx > ry ? rx - ry : ry - rx;
    if (diff == 0)
      return;
    const std::int64_t start = rx > ry ? rx + ry - 3 : rx - 1;
    const auto outRank = static_cast<std::int64_t>(output_.size());
    std::set<std::size_t> squeezed;
    for (std::int64_t dim = start; dim < start + diff; ++dim) {
      if (dim < -outRank || dim >= outRank)
        fail("the result for " + describeInputs() + " has rank " + std::to_string(outRank) +
             ", and tf.squeeze of axes " + std::to_string(start) + ".." +
             std::to_string(start + diff - 1) + " fails: Tried to squeeze dim index " +
             std::to_string(dim) + " for tensor with " + std::to_string(outRank) + " dimensions");
      const auto axis = static_cast<std::size_t>(dim < 0 ? dim + outRank : dim);
      if (outputExtents_[axis] != 1)
        fail("the result for " + describeInputs() + " has extent " +
             std::to_string(outputExtents_[axis]) + " on axis " + std::to_string(axis) +
             ", which tf.squeeze must drop: Can not squeeze dim[" + std::to_string(axis) +
             "], expected a dimension of 1, got " + std::to_string(outputExtents_[axis]));
      squeezed.insert(axis);
    }
    std::vector<ir::Index> kept;
    for (std::size_t d = 0; d < output_.size(); ++d)
      if (!squeezed.count(d))
        kept.push_back(output_[d]);
    output_ = kept;
  }

  ir::IndexProgram finish() {
    ir::IndexProgram program;
    program.dtype = dtype_;
    for (int t = 0; t < 2; ++t) {
      const Arg& operand = *operands_[t];
      std::vector<ir::Index> real(indices_[t].begin(),
                                  indices_[t].begin() +
                                      static_cast<std::ptrdiff_t>(operand.shape.size()));
      program.operands.push_back({operand.name, operand.shape, real, conj_[t]});
    }
    auto present = [&](const ir::Index& index) {
      for (const ir::Operand& operand : program.operands)
        if (std::find(operand.indices.begin(), operand.indices.end(), index) !=
            operand.indices.end())
          return true;
      return false;
    };
    // An output axis only a padded axis provided has extent 1: a constant unit output axis.
    for (ir::Index& index : output_)
      if (!index.isZero() && !present(index))
        index = ir::Index::zero();
    program.output = output_;
    ir::verify(program);
    return program;
  }

  std::string call_;
  const Arg* operands_[2];
  DType dtype_;
  std::size_t rank_ = 0;
  Shape padded_[2];
  std::vector<ir::Index> indices_[2];
  bool conj_[2] = {false, false};
  LabelAllocator labels_;
  std::string batch_;
  std::string contracted_;
  std::vector<ir::Index> output_;
  std::vector<std::int64_t> outputExtents_;
};

} // namespace

ir::IndexProgram lowerLegacyBatchDot(const std::string& callName, const Arg& x, const Arg& y,
                                     const PyValue& axes, DType dtype) {
  return LegacyBatchDot(callName, x, y, dtype).lower(axes);
}

} // namespace einjit::frontend::keras
