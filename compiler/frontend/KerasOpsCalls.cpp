// keras.ops.tensordot and keras.ops.matmul (Keras 3, docs/semantics.md §3.1, §6.1): the checks and
// texts of their symbolic shape functions, made on concrete shapes, plus the checks the eager
// backend makes where the shape function has none; a pair of ints is accepted as eagerly.
// keras.ops.dot is np.dot (npDot).
#include "frontend/ContractionLowering.h"

#include "einjit/error.h"

namespace einjit::frontend::detail {

namespace {

// Keras's "Shape mismatch" text: the contracted extents of each operand as Python lists.
std::string shapeMismatchText(const Arg& a, const std::vector<std::size_t>& axesA, const Arg& b,
                              const std::vector<std::size_t>& axesB) {
  Shape selectA;
  Shape selectB;
  for (std::size_t axis : axesA)
    selectA.push_back(a.shape[axis]);
  for (std::size_t axis : axesB)
    selectB.push_back(b.shape[axis]);
  return "keras.ops.tensordot: Shape mismatch on `x1[axes[0]]` and `x2[axes[1]]`, received " +
         pythonListText(selectA) + " and " + pythonListText(selectB) + ".";
}

ir::IndexProgram contractChecked(const Arg& a, const std::vector<std::size_t>& axesA, const Arg& b,
                                 const std::vector<std::size_t>& axesB, DType dtype) {
  if (axesA.size() != axesB.size())
    throw Error(ErrorKind::Axis, shapeMismatchText(a, axesA, b, axesB) + " " +
                                     std::to_string(axesA.size()) + " axes of " + a.name + " but " +
                                     std::to_string(axesB.size()) + " of " + b.name);
  std::vector<AxisPair> pairs;
  for (std::size_t t = 0; t < axesA.size(); ++t) {
    if (a.shape[axesA[t]] != b.shape[axesB[t]])
      throw Error(ErrorKind::Shape, shapeMismatchText(a, axesA, b, axesB) + " " +
                                        extentMismatch(a, axesA[t], b, axesB[t]));
    pairs.push_back({axesA[t], axesB[t]});
  }
  for (bool first : {true, false}) {
    const std::vector<std::size_t>& axes = first ? axesA : axesB;
    if (std::optional<std::int64_t> twice =
            firstDuplicate(std::vector<std::int64_t>(axes.begin(), axes.end())))
      // The symbolic shape function lets this through; the backend's transpose refuses it.
      throw Error(ErrorKind::Axis, "keras.ops.tensordot: axis " + std::to_string(*twice) + " of " +
                                       (first ? a.name : b.name) + " is contracted twice");
  }
  return lowerTensordot(a, b, pairs, dtype);
}

} // namespace

ir::IndexProgram kerasOpsTensordot(const Arg& a, const Arg& b, const PyValue& axes, DType dtype) {
  if (std::optional<std::int64_t> count = pythonInt(axes)) {
    // The shape function's int branch: axes <= 0 is an outer product.
    if (*count <= 0)
      return lowerTensordot(a, b, {}, dtype);
    for (const Arg* arg : {&a, &b})
      if (*count > static_cast<std::int64_t>(arg->shape.size()))
        throw Error(ErrorKind::Axis, "keras.ops.tensordot: axes=" + std::to_string(*count) +
                                         " is larger than the rank of " + describe(*arg));
    std::vector<std::size_t> axesA;
    std::vector<std::size_t> axesB;
    for (std::int64_t t = 0; t < *count; ++t) {
      axesA.push_back(a.shape.size() - static_cast<std::size_t>(*count - t));
      axesB.push_back(static_cast<std::size_t>(t));
    }
    return contractChecked(a, axesA, b, axesB, dtype);
  }
  if (!axes.isSequence())
    throw Error(
        ErrorKind::Argument,
        "keras.ops.tensordot: axes must be an int, a pair of ints or a pair of axis lists, got " +
            axes.repr());
  if (axes.items.size() != 2)
    throw Error(ErrorKind::Argument,
                "keras.ops.tensordot: `axes` must be an integer or have length 2. Received " +
                    axes.repr() + ".");
  // Eagerly Keras calls tf.tensordot, which reads a pair of ints (i, j) as ([i], [j]); only the
  // symbolic shape function refuses it.
  std::optional<std::int64_t> singleA = pythonInt(axes.items[0]);
  std::optional<std::int64_t> singleB = pythonInt(axes.items[1]);
  std::vector<std::size_t> resolved[2];
  for (std::size_t side = 0; side < 2; ++side) {
    const Arg& arg = side == 0 ? a : b;
    std::optional<std::vector<std::int64_t>> list =
        singleA && singleB ? std::vector<std::int64_t>{side == 0 ? *singleA : *singleB}
                           : pythonIntList(axes.items[side]);
    if (!list)
      // One int beside a list: the shape function iterates axes[0] and axes[1].
      throw Error(ErrorKind::Argument,
                  "keras.ops.tensordot: axes=" + axes.repr() + ": '" +
                      (pythonInt(axes.items[side]) ? "int" : "non-list") +
                      "' object is not iterable; Keras needs two ints or two axis lists, e.g. "
                      "[1, 0] or [[1], [0]]");
    for (std::int64_t axis : *list) {
      std::optional<std::size_t> index = pythonIndex(axis, arg.shape.size());
      if (!index)
        throw Error(ErrorKind::Axis, "keras.ops.tensordot: list index out of range: axis " +
                                         std::to_string(axis) + " of " + describe(arg));
      resolved[side].push_back(*index);
    }
  }
  return contractChecked(a, resolved[0], b, resolved[1], dtype);
}

ir::IndexProgram kerasOpsMatmul(const Arg& a, const Arg& b, DType dtype) {
  for (const Arg* arg : {&a, &b})
    if (arg->shape.empty())
      throw Error(ErrorKind::Shape, "keras.ops.matmul: " + arg->name +
                                        " is 0-d; matmul needs operands of rank >= 1 (Keras "
                                        "reads its shape[-1]: tuple index out of range)");
  MatmulOperand left{&a, a.shape.size() == 1};
  MatmulOperand right{&b, b.shape.size() == 1};
  // Keras reports the shapes after 1-D promotion.
  Shape promotedA = left.vector ? Shape{1, a.shape[0]} : a.shape;
  Shape promotedB = right.vector ? Shape{b.shape[0], 1} : b.shape;
  if (innerExtentOfA(left) != innerExtentOfB(right))
    throw Error(ErrorKind::Shape,
                "keras.ops.matmul: Inner dimensions (`x1.shape[-1]` and `x2.shape[-2]`) must be "
                "equal, but received `x1.shape=" +
                    shapeToPython(promotedA) + "` and `x2.shape=" + shapeToPython(promotedB) +
                    "`. " + extentMismatch(a, innerAxisOfA(left), b, innerAxisOfB(right)));
  Shape batchA = matmulBatch(left);
  Shape batchB = matmulBatch(right);
  if (std::optional<BroadcastFailure> failure = batchBroadcastFailure(batchA, batchB))
    throw Error(ErrorKind::Shape,
                "keras.ops.matmul: Cannot broadcast shape, the failure dim has value " +
                    std::to_string(failure->extentA) + ", which cannot be broadcasted to " +
                    std::to_string(failure->extentB) + ". Input shapes are: " +
                    pythonListText(batchA) + " and " + pythonListText(batchB) + ". " +
                    extentMismatch(a, failure->axisA, b, failure->axisB));
  return lowerMatmul(left, right, dtype);
}

} // namespace einjit::frontend::detail
