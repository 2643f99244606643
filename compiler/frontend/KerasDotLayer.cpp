// keras.layers.Dot(axes, normalize)([x1, x2]) and keras.layers.dot (docs/semantics.md §9): the
// constructor's type checks, build's shape check, the per-input axis resolution of
// _merge_function, optional L2-normalisation prologues, then batch_dot.
#include "frontend/Frontends.h"
#include "frontend/KerasBatchDot.h"

#include "einjit/error.h"

#include <string>
#include <utility>

namespace einjit::frontend {

namespace {

const std::string kCall = "keras.layers.Dot";

// Dot.__init__: an int, or a list or tuple of exactly two ints (bools pass, as in Python).
void checkAxesArgument(const PyValue& axes) {
  if (keras::isPythonInt(axes))
    return;
  if (!axes.isSequence())
    throw Error(ErrorKind::Argument, kCall +
                                         ": Invalid type for argument `axes`: it should be a list "
                                         "or an int. Received: axes=" +
                                         keras::pythonStr(axes));
  if (axes.items.size() != 2)
    throw Error(ErrorKind::Argument, kCall +
                                         ": Invalid format for argument `axes`: it should contain "
                                         "two elements. Received: axes=" +
                                         axes.repr());
  if (!keras::isPythonInt(axes.items[0]) || !keras::isPythonInt(axes.items[1]))
    throw Error(ErrorKind::Argument, kCall +
                                         ": Invalid format for argument `axes`: list elements "
                                         "should be integers. Received: axes=" +
                                         axes.repr());
}

std::string inputShapesText(const std::vector<Arg>& inputs) {
  std::string text = "[";
  for (std::size_t i = 0; i < inputs.size(); ++i)
    text += (i > 0 ? ", " : "") + shapeToPython(inputs[i].shape);
  return text + "]";
}

// Python's a % n for n > 0: always in [0, n).
std::int64_t pythonModulo(std::int64_t a, std::int64_t n) {
  return ((a % n) + n) % n;
}

// `self.axes % ndim` for a negative int; Python raises ZeroDivisionError for a 0-d input.
std::int64_t moduloRank(std::int64_t axis, const Arg& input) {
  const auto rank = static_cast<std::int64_t>(input.shape.size());
  if (rank == 0)
    throw Error(ErrorKind::Axis, kCall + ": axes=" + std::to_string(axis) +
                                     " is taken modulo the rank of each input, and " + input.name +
                                     " has rank 0 (ZeroDivisionError)");
  return pythonModulo(axis, rank);
}

// The axes build() indexes the shapes with: a negative int is taken modulo each input's rank,
// a pair is used as given (Python indexing counts a negative entry from the end).
std::pair<std::int64_t, std::int64_t> buildAxes(const PyValue& axes, const Arg& x, const Arg& y) {
  if (keras::isPythonInt(axes)) {
    const std::int64_t axis = keras::pythonIntValue(axes);
    if (axis < 0)
      return {moduloRank(axis, x), moduloRank(axis, y)};
    return {axis, axis};
  }
  return {keras::pythonIntValue(axes.items[0]), keras::pythonIntValue(axes.items[1])};
}

// shape[axis] with Python's indexing rules; out of range is Python's IndexError.
std::int64_t extentAt(const Arg& input, std::int64_t axis, const PyValue& axes) {
  const auto rank = static_cast<std::int64_t>(input.shape.size());
  if (axis < -rank || axis >= rank)
    throw Error(ErrorKind::Axis, kCall + ": axes=" + keras::pythonStr(axes) + ": axis " +
                                     std::to_string(axis) + " is out of range for " + input.name +
                                     " of shape " + shapeToPython(input.shape) + " (rank " +
                                     std::to_string(rank) + ")");
  return input.shape[static_cast<std::size_t>(axis < 0 ? axis + rank : axis)];
}

} // namespace

ir::IndexProgram kerasDotLayer(const std::vector<Arg>& inputs, const PyValue& axes,
                               const DotLayerOptions& options, DType dtype) {
  checkAxesArgument(axes);
  if (inputs.size() != 2)
    throw Error(ErrorKind::Arity,
                kCall +
                    ": A `Dot` layer should be called on a list of 2 inputs. Received: "
                    "input_shape=" +
                    inputShapesText(inputs) + " (" + std::to_string(inputs.size()) + " inputs)");
  const Arg& x = inputs[0];
  const Arg& y = inputs[1];

  const auto [buildFirst, buildSecond] = buildAxes(axes, x, y);
  const std::int64_t xExtent = extentAt(x, buildFirst, axes);
  const std::int64_t yExtent = extentAt(y, buildSecond, axes);
  if (xExtent != yExtent) {
    const std::string names = " (" + x.name + ".shape[" + std::to_string(buildFirst) +
                              "] != " + y.name + ".shape[" + std::to_string(buildSecond) + "])";
    if (options.semantics == BatchDotSemantics::Legacy)
      throw Error(ErrorKind::Shape, kCall + ": Dimension incompatibility " +
                                        std::to_string(xExtent) + " != " + std::to_string(yExtent) +
                                        ". Layer shapes: " + shapeToPython(x.shape) + ", " +
                                        shapeToPython(y.shape) + names);
    throw Error(ErrorKind::Shape,
                kCall + ": Incompatible input shapes: axis values " + std::to_string(xExtent) +
                    " (at axis " + std::to_string(buildFirst) + ") != " + std::to_string(yExtent) +
                    " (at axis " + std::to_string(buildSecond) + "). Full input shapes: " +
                    shapeToPython(x.shape) + ", " + shapeToPython(y.shape) + names);
  }

  // _merge_function: every negative axis is taken modulo its own input's rank; build() has
  // already ruled out the ranks and axes for which that would fail.
  std::int64_t first = buildFirst;
  std::int64_t second = buildSecond;
  if (first < 0)
    first = pythonModulo(first, static_cast<std::int64_t>(x.shape.size()));
  if (second < 0)
    second = pythonModulo(second, static_cast<std::int64_t>(y.shape.size()));
  const PyValue resolved = PyValue::ints({first, second});
  ir::IndexProgram program = options.semantics == BatchDotSemantics::Legacy
                                 ? keras::lowerLegacyBatchDot(kCall, x, y, resolved, dtype)
                                 : keras::lowerCurrentBatchDot(kCall, x, y, resolved, dtype);
  if (options.normalize) {
    program.prologues.push_back(
        {ir::PrologueKind::Normalize, 0, static_cast<int>(first), options.epsilon});
    program.prologues.push_back(
        {ir::PrologueKind::Normalize, 1, static_cast<int>(second), options.epsilon});
    ir::verify(program);
  }
  return program;
}

} // namespace einjit::frontend
