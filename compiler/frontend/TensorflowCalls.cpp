// TensorFlow's contraction calls: tf.tensordot (math_ops._tensordot_axes / _tensordot_reshape)
// and tf.matmul with its transpose / adjoint flags (docs/semantics.md §3, §6.2), with TensorFlow's
// checks in its order and its texts.
#include "frontend/ContractionLowering.h"

#include "einjit/error.h"

#include <algorithm>

namespace einjit::frontend {

using namespace detail;

namespace {

// _tensordot_reshape normalises each axis by the operand's rank and indexes the shape list.
std::vector<std::size_t> reshapeAxes(const Arg& arg, const std::vector<std::int64_t>& raw) {
  std::vector<std::size_t> axes;
  for (std::int64_t axis : raw) {
    std::optional<std::size_t> index = pythonIndex(axis, arg.shape.size());
    if (!index)
      throw Error(ErrorKind::Axis, "tf.tensordot: list index out of range: axis " +
                                       std::to_string(axis) + " of " + describe(arg));
    axes.push_back(*index);
  }
  if (std::optional<std::int64_t> twice =
          firstDuplicate(std::vector<std::int64_t>(axes.begin(), axes.end())))
    // TensorFlow has no own check: the permutation free + axes is too long for transpose.
    throw Error(ErrorKind::Axis, "tf.tensordot: axis " + std::to_string(*twice) + " of " +
                                     arg.name + " appears twice in the contraction axes " +
                                     axisListText(raw) +
                                     "; TensorFlow's transpose rejects the permutation");
  return axes;
}

std::vector<std::size_t> freeAxes(std::size_t rank, const std::vector<std::size_t>& contracted) {
  std::vector<std::size_t> free;
  for (std::size_t d = 0; d < rank; ++d)
    if (std::find(contracted.begin(), contracted.end(), d) == contracted.end())
      free.push_back(d);
  return free;
}

RawAxes tensorflowRawAxes(const Arg& a, const PyValue& axes) {
  RawAxes raw;
  if (std::optional<std::int64_t> count = pythonInt(axes)) {
    if (*count < 0)
      throw Error(ErrorKind::Axis, "tf.tensordot: `axes` must be at least 0. Received: " +
                                       std::to_string(*count) + ".");
    std::int64_t rank = static_cast<std::int64_t>(a.shape.size());
    if (*count > rank)
      throw Error(ErrorKind::Axis,
                  "tf.tensordot: `axes` must not be larger than the number of dimensions of "
                  "tensor " +
                      a.name + ".  Received " + std::to_string(*count) + ", vs tensor dimensions " +
                      std::to_string(rank) + ".");
    for (std::int64_t d = rank - *count; d < rank; ++d)
      raw.a.push_back(d);
    for (std::int64_t d = 0; d < *count; ++d)
      raw.b.push_back(d);
    return raw;
  }
  if (!axes.isSequence())
    throw Error(ErrorKind::Argument,
                "tf.tensordot: axes must be an int, a pair of ints or a pair of axis lists, got " +
                    axes.repr());
  if (axes.items.size() != 2)
    throw Error(ErrorKind::Argument,
                "tf.tensordot: `axes` must be an integer or have length 2. Received " +
                    axes.repr() + ".");
  std::optional<std::int64_t> singleA = pythonInt(axes.items[0]);
  std::optional<std::int64_t> singleB = pythonInt(axes.items[1]);
  if (singleA && singleB)
    return RawAxes{{*singleA}, {*singleB}};
  std::optional<std::vector<std::int64_t>> listA = pythonIntList(axes.items[0]);
  std::optional<std::vector<std::int64_t>> listB = pythonIntList(axes.items[1]);
  if (!listA || !listB)
    throw Error(ErrorKind::Argument,
                "tf.tensordot: axes=" + axes.repr() +
                    ": both items must be ints or both lists of ints (TypeError: object of type "
                    "'int' has no len())");
  if (listA->size() != listB->size())
    throw Error(ErrorKind::Axis,
                "tf.tensordot: Different number of contraction axes `a` and `b`, " +
                    std::to_string(listA->size()) + " != " + std::to_string(listB->size()) + ".");
  return RawAxes{*listA, *listB};
}

} // namespace

namespace detail {

ir::IndexProgram tensorflowTensordot(const Arg& a, const Arg& b, const PyValue& axes, DType dtype) {
  RawAxes raw = tensorflowRawAxes(a, axes);
  std::vector<std::size_t> axesA = reshapeAxes(a, raw.a);
  std::vector<std::size_t> axesB = reshapeAxes(b, raw.b);
  // TensorFlow contracts by one matmul of a as [free, contracted] and b as [contracted, free]:
  // only the products of the contracted extents meet in its check.
  Shape matrixA{extentProduct(a.shape, freeAxes(a.shape.size(), axesA)),
                extentProduct(a.shape, axesA)};
  Shape matrixB{extentProduct(b.shape, axesB),
                extentProduct(b.shape, freeAxes(b.shape.size(), axesB))};
  std::vector<AxisPair> pairs;
  for (std::size_t t = 0; t < axesA.size(); ++t) {
    if (a.shape[axesA[t]] == b.shape[axesB[t]]) {
      pairs.push_back({axesA[t], axesB[t]});
      continue;
    }
    std::string mismatch = extentMismatch(a, axesA[t], b, axesB[t]);
    if (matrixA[1] != matrixB[0])
      throw Error(ErrorKind::Shape,
                  "tf.tensordot: Matrix size-incompatible: In[0]: " + tensorflowShapeText(matrixA) +
                      ", In[1]: " + tensorflowShapeText(matrixB) + ": " + mismatch);
    throw Error(ErrorKind::Shape,
                "tf.tensordot: " + mismatch +
                    ": TensorFlow would reshape both operands to matrices and pair the "
                    "flattened contracted axes; einjit refuses contracted axes of different "
                    "extents");
  }
  return lowerTensordot(a, b, pairs, dtype);
}

} // namespace detail

ir::IndexProgram tfMatmul(const Arg& a, const Arg& b, const TfMatmulFlags& flags, DType dtype) {
  for (bool first : {true, false}) {
    bool transpose = first ? flags.transposeA : flags.transposeB;
    bool adjoint = first ? flags.adjointA : flags.adjointB;
    if (transpose && adjoint) {
      std::string side = first ? "a" : "b";
      throw Error(ErrorKind::Argument, "tf.matmul: Only one of `transpose_" + side +
                                           "` and `adjoint_" + side +
                                           "` can be True. Received `transpose_" + side +
                                           "`=True, `adjoint_" + side + "`=True.");
    }
  }
  // Rank-2 operands run the MatMul kernel, anything larger BatchMatMulV2: their texts differ.
  bool batched = a.shape.size() > 2 || b.shape.size() > 2;
  for (std::size_t input = 0; input < 2; ++input) {
    const Arg& arg = input == 0 ? a : b;
    if (arg.shape.size() >= 2)
      continue;
    std::string which = "In[" + std::to_string(input) + "]";
    throw Error(ErrorKind::Shape,
                "tf.matmul: " +
                    (batched ? which + " ndims must be >= 2: " + std::to_string(arg.shape.size())
                             : which + " is not a matrix. Instead it has shape " +
                                   tensorflowShapeText(arg.shape)) +
                    ": " + describe(arg) + " (tf.matmul does not promote 1-D operands)");
  }
  MatmulOperand left{&a, false, flags.transposeA || flags.adjointA, flags.adjointA};
  MatmulOperand right{&b, false, flags.transposeB || flags.adjointB, flags.adjointB};
  if (std::optional<BroadcastFailure> failure =
          batchBroadcastFailure(matmulBatch(left), matmulBatch(right)))
    throw Error(ErrorKind::Shape,
                "tf.matmul: In[0] and In[1] must have compatible batch dimensions: " +
                    tensorflowShapeText(a.shape) + " vs. " + tensorflowShapeText(b.shape) + ": " +
                    extentMismatch(a, failure->axisA, b, failure->axisB));
  if (innerExtentOfA(left) != innerExtentOfB(right)) {
    std::string mismatch = extentMismatch(a, innerAxisOfA(left), b, innerAxisOfB(right));
    if (!batched)
      throw Error(ErrorKind::Shape,
                  "tf.matmul: Matrix size-incompatible: In[0]: " + tensorflowShapeText(a.shape) +
                      ", In[1]: " + tensorflowShapeText(b.shape) + ": " + mismatch);
    throw Error(ErrorKind::Shape,
                "tf.matmul: In[0] mismatch In[1] shape: " + std::to_string(innerExtentOfA(left)) +
                    " vs. " + std::to_string(innerExtentOfB(right)) + ": " +
                    tensorflowShapeText(a.shape) + " " + tensorflowShapeText(b.shape) + " " +
                    (left.transposed ? "1" : "0") + " " + (right.transposed ? "1" : "0") + ": " +
                    mismatch);
  }
  return lowerMatmul(left, right, dtype);
}

} // namespace einjit::frontend
