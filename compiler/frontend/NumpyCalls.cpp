// numpy's contraction calls (np.tensordot, np.dot, np.inner, np.outer, np.matmul / `@`) with
// numpy's checks in numpy's order (docs/semantics.md §3, §4.1, §5, §6.1), and the `Library`
// dispatch of tensordot, outer and matmul.
#include "frontend/ContractionLowering.h"

#include "einjit/error.h"
#include "frontend/LabelAllocator.h"

namespace einjit::frontend {

using namespace detail;

namespace {

// ---- np.tensordot (numeric.py: tensordot) -------------------------------------------------------

// One half of a pair `axes`: numpy wraps a lone int into a one-element list.
std::vector<std::int64_t> numpyAxisList(const PyValue& item, const PyValue& axes) {
  if (std::optional<std::int64_t> single = pythonInt(item))
    return {*single};
  if (std::optional<std::vector<std::int64_t>> list = pythonIntList(item))
    return *list;
  throw Error(ErrorKind::Argument, "np.tensordot: axes=" + axes.repr() +
                                       ": each of the two items must be an int or a sequence of "
                                       "ints, got " +
                                       item.repr());
}

[[noreturn]] void numpyAxisOutOfRange(const Arg& arg, std::int64_t axis,
                                      const std::optional<std::int64_t>& count) {
  std::string context = count ? " (axes=" + std::to_string(*count) + ")" : "";
  throw Error(ErrorKind::Axis, "np.tensordot: tuple index out of range: axis " +
                                   std::to_string(axis) + " of " + describe(arg) + context);
}

} // namespace

namespace detail {

ir::IndexProgram numpyTensordot(const Arg& a, const Arg& b, const PyValue& axes, DType dtype) {
  RawAxes raw;
  std::optional<std::int64_t> count = pythonInt(axes);
  if (count) {
    // numpy indexes a.shape[-N] first: a count beyond a's rank fails there, before any loop.
    if (*count > static_cast<std::int64_t>(a.shape.size()))
      numpyAxisOutOfRange(a, -*count, count);
    // range(-N, 0) and range(N) are both empty for a negative N: an outer product.
    for (std::int64_t i = 0; i < *count; ++i) {
      raw.a.push_back(i - *count);
      raw.b.push_back(i);
    }
  } else if (axes.isSequence()) {
    if (axes.items.size() != 2)
      throw Error(ErrorKind::Argument,
                  "np.tensordot: axes=" + axes.repr() +
                      (axes.items.size() > 2 ? ": too many values to unpack (expected 2)"
                                             : ": not enough values to unpack (expected 2, got " +
                                                   std::to_string(axes.items.size()) + ")"));
    raw.a = numpyAxisList(axes.items[0], axes);
    raw.b = numpyAxisList(axes.items[1], axes);
  } else {
    throw Error(ErrorKind::Argument,
                "np.tensordot: axes must be an int or a pair of axis sequences, got " +
                    axes.repr());
  }

  for (const auto* list : {&raw.a, &raw.b})
    if (std::optional<std::int64_t> twice = firstDuplicate(*list))
      throw Error(ErrorKind::Axis, "np.tensordot: duplicate axes are not allowed in tensordot: "
                                   "axis " +
                                       std::to_string(*twice) + " appears twice in " +
                                       axisListText(*list) + " (axes of " +
                                       (list == &raw.a ? a.name : b.name) + ")");
  if (raw.a.size() != raw.b.size())
    throw Error(ErrorKind::Axis,
                "np.tensordot: shape-mismatch for sum: " + std::to_string(raw.a.size()) +
                    " axes of " + a.name + " " + axisListText(raw.a) + " but " +
                    std::to_string(raw.b.size()) + " of " + b.name + " " + axisListText(raw.b));
  std::vector<AxisPair> pairs;
  for (std::size_t t = 0; t < raw.a.size(); ++t) {
    std::optional<std::size_t> axisA = pythonIndex(raw.a[t], a.shape.size());
    if (!axisA)
      numpyAxisOutOfRange(a, raw.a[t], count);
    std::optional<std::size_t> axisB = pythonIndex(raw.b[t], b.shape.size());
    if (!axisB)
      numpyAxisOutOfRange(b, raw.b[t], count);
    if (a.shape[*axisA] != b.shape[*axisB])
      throw Error(ErrorKind::Shape,
                  "np.tensordot: shape-mismatch for sum: " + extentMismatch(a, *axisA, b, *axisB));
    pairs.push_back({*axisA, *axisB});
  }
  // Raw values can differ and still name one axis ([1, -2] on rank 3): numpy's transpose
  // then fails with "axes don't match array".
  for (bool first : {true, false}) {
    std::vector<std::int64_t> normalised;
    for (const AxisPair& pair : pairs)
      normalised.push_back(static_cast<std::int64_t>(first ? pair.a : pair.b));
    if (std::optional<std::int64_t> twice = firstDuplicate(normalised))
      throw Error(ErrorKind::Axis,
                  "np.tensordot: axes don't match array: " + axisListText(first ? raw.a : raw.b) +
                      " names axis " + std::to_string(*twice) + " of " + (first ? a.name : b.name) +
                      " twice");
  }
  return lowerTensordot(a, b, pairs, dtype);
}

// ---- np.matmul (gufunc (n?,k),(k,m?)->(n?,m?)) ------------------------------------------------

ir::IndexProgram numpyMatmul(const Arg& a, const Arg& b, DType dtype) {
  const std::string signature = "(n?,k),(k,m?)->(n?,m?)";
  for (std::size_t operand = 0; operand < 2; ++operand) {
    const Arg& arg = operand == 0 ? a : b;
    if (arg.shape.empty())
      throw Error(ErrorKind::Shape,
                  "np.matmul: Input operand " + std::to_string(operand) +
                      " does not have enough dimensions (has 0, gufunc core with signature " +
                      signature + " requires 1): " + arg.name + " is 0-d");
  }
  MatmulOperand left{&a, a.shape.size() == 1};
  MatmulOperand right{&b, b.shape.size() == 1};
  // The gufunc fixes k from operand 0, then finds operand 1's core dimension 0 different.
  if (innerExtentOfA(left) != innerExtentOfB(right))
    throw Error(ErrorKind::Shape,
                "np.matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc "
                "signature " +
                    signature + " (size " + std::to_string(innerExtentOfB(right)) +
                    " is different from " + std::to_string(innerExtentOfA(left)) +
                    "): " + extentMismatch(a, innerAxisOfA(left), b, innerAxisOfB(right)));
  Shape batchA = matmulBatch(left);
  Shape batchB = matmulBatch(right);
  if (std::optional<BroadcastFailure> failure = batchBroadcastFailure(batchA, batchB)) {
    // nditer prints each operand's batch extents followed by one newaxis per output core
    // dimension, and the output core dimensions as the requested shape.
    Shape requested;
    if (!left.vector)
      requested.push_back(a.shape[a.shape.size() - 2]);
    if (!right.vector)
      requested.push_back(b.shape.back());
    auto remapped = [&](const Shape& batch) {
      std::string text = "(";
      for (std::int64_t extent : batch)
        text += std::to_string(extent) + ",";
      for (std::size_t i = 0; i < requested.size(); ++i)
        text += std::string("newaxis") + (i + 1 < requested.size() ? "," : "");
      return text + ")";
    };
    throw Error(ErrorKind::Shape,
                "np.matmul: operands could not be broadcast together with remapped shapes "
                "[original->remapped]: " +
                    numpyShapeText(a.shape) + "->" + remapped(batchA) + " " +
                    numpyShapeText(b.shape) + "->" + remapped(batchB) + " and requested shape " +
                    numpyShapeText(requested) + ": " +
                    extentMismatch(a, failure->axisA, b, failure->axisB));
  }
  return lowerMatmul(left, right, dtype);
}

} // namespace detail

ir::IndexProgram tensordot(Library library, const Arg& a, const Arg& b, const PyValue& axes,
                           DType dtype) {
  switch (library) {
  case Library::Numpy:
    return numpyTensordot(a, b, axes, dtype);
  case Library::Tensorflow:
    return tensorflowTensordot(a, b, axes, dtype);
  case Library::Torch:
    return torchTensordot(a, b, axes, dtype);
  case Library::KerasOps:
    return kerasOpsTensordot(a, b, axes, dtype);
  }
  throw Error(ErrorKind::Internal, "tensordot: unknown library");
}

ir::IndexProgram npDot(const Arg& a, const Arg& b, DType dtype) {
  if (a.shape.empty() || b.shape.empty())
    return lowerScalarProduct(a, b, dtype);
  std::size_t axisA = a.shape.size() - 1;
  std::size_t axisB = b.shape.size() == 1 ? 0 : b.shape.size() - 2;
  if (a.shape[axisA] != b.shape[axisB])
    throw Error(ErrorKind::Shape,
                "np.dot: shapes " + numpyShapeText(a.shape) + " and " + numpyShapeText(b.shape) +
                    " not aligned: " + std::to_string(a.shape[axisA]) + " (dim " +
                    std::to_string(axisA) + ") != " + std::to_string(b.shape[axisB]) + " (dim " +
                    std::to_string(axisB) + "): " + extentMismatch(a, axisA, b, axisB));
  return lowerTensordot(a, b, {{axisA, axisB}}, dtype);
}

ir::IndexProgram npInner(const Arg& a, const Arg& b, DType dtype) {
  if (a.shape.empty() || b.shape.empty())
    return lowerScalarProduct(a, b, dtype);
  std::size_t axisA = a.shape.size() - 1;
  std::size_t axisB = b.shape.size() - 1;
  if (a.shape[axisA] != b.shape[axisB]) {
    // numpy swaps b's last two axes and calls dot, so its message shows b that way.
    Shape swapped = b.shape;
    std::size_t shownAxis = 0;
    if (swapped.size() >= 2) {
      std::swap(swapped[swapped.size() - 1], swapped[swapped.size() - 2]);
      shownAxis = swapped.size() - 2;
    }
    throw Error(ErrorKind::Shape,
                "np.inner: shapes " + numpyShapeText(a.shape) + " and " + numpyShapeText(swapped) +
                    " not aligned: " + std::to_string(a.shape[axisA]) + " (dim " +
                    std::to_string(axisA) + ") != " + std::to_string(b.shape[axisB]) + " (dim " +
                    std::to_string(shownAxis) + "): " + extentMismatch(a, axisA, b, axisB));
  }
  return lowerTensordot(a, b, {{axisA, axisB}}, dtype);
}

ir::IndexProgram npOuter(Library library, const Arg& a, const Arg& b, DType dtype) {
  if (library == Library::Torch)
    checkTorchOuterOperands(a, b);
  LabelAllocator labels;
  ir::IndexProgram program;
  program.dtype = dtype;
  std::vector<ir::Index> output;
  for (std::size_t t = 0; t < 2; ++t) {
    const Arg& arg = t == 0 ? a : b;
    ir::Index label = ir::Index::of(labels.fresh());
    program.operands.push_back(ir::Operand{arg.name, arg.shape, {label}, false});
    // Both operands are flattened first; a 1-D operand is already flat.
    if (arg.shape.size() != 1) {
      ir::Prologue ravel;
      ravel.kind = ir::PrologueKind::Ravel;
      ravel.operand = t;
      program.prologues.push_back(ravel);
    }
    output.push_back(label);
  }
  program.output = std::move(output);
  ir::verify(program);
  return program;
}

ir::IndexProgram matmul(Library library, const Arg& a, const Arg& b, DType dtype) {
  switch (library) {
  case Library::Numpy:
    return numpyMatmul(a, b, dtype);
  case Library::Torch:
    return torchMatmul(a, b, dtype);
  case Library::KerasOps:
    return kerasOpsMatmul(a, b, dtype);
  case Library::Tensorflow:
    // tf's own matmul has no 1-D promotion: the numpy rules would be wrong here.
    return tfMatmul(a, b, TfMatmulFlags{}, dtype);
  }
  throw Error(ErrorKind::Internal, "matmul: unknown library");
}

} // namespace einjit::frontend
