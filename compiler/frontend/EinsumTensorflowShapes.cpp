// tf.einsum's shape checks (also keras.ops.einsum's): the rank of each operand, then every
// letter's extent, which must be the same everywhere (extent 1 does not broadcast), then the
// broadcast dims '...' stands for. Up to two operands these are the Einsum kernel's checks
// (einsum_op_impl.h); with more, TensorFlow's Python code checks the ranks of all operands
// first and opt_einsum splits the call into two-operand kernels.
#include "frontend/ContractionLowering.h"
#include "frontend/EinsumSubscripts.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

namespace einjit::frontend {

using detail::axisRef;
using detail::pythonListText;
using detail::tensorflowShapeText;

namespace {

[[noreturn]] void fail(ErrorKind kind, const std::string& message, const EinsumSubscripts& parsed,
                       EinsumDialect dialect, SourceSpan span) {
  throw Error(kind, einsumMessagePrefix(dialect) + message, parsed.text, span);
}

// "tf.einsum", "keras.ops.einsum".
std::string callName(EinsumDialect dialect) {
  std::string prefix = einsumMessagePrefix(dialect);
  return prefix.substr(0, prefix.size() - 2);
}

std::string plural(std::size_t count, const std::string& noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

std::string termText(const EinsumSubscripts& parsed, std::size_t t) {
  const SourceSpan& span = parsed.inputs[t].span;
  return "'" + parsed.text.substr(span.begin, span.end - span.begin) + "'";
}

// The Python texts quote the string TensorFlow received; keras.ops.einsum renamed its letters.
std::string equationText(const EinsumSubscripts& parsed) {
  if (parsed.libraryText == parsed.text)
    return parsed.libraryText;
  return parsed.libraryText + " (keras.ops.einsum's renaming of '" + parsed.text + "')";
}

void checkRank(const EinsumSubscripts& parsed, const std::vector<Arg>& operands,
               EinsumDialect dialect, std::size_t t) {
  const EinsumTerm& term = parsed.inputs[t];
  const Arg& operand = operands[t];
  std::size_t labels = term.labels.size();
  std::size_t rank = operand.shape.size();
  if (term.ellipsis ? labels <= rank : labels == rank)
    return;
  std::string detail = " (" + operand.name + " has shape " + shapeToPython(operand.shape) +
                       "; its subscripts " + termText(parsed, t) + " name " +
                       plural(labels, "dimension") + ")";
  std::string message;
  if (operands.size() <= 2)
    message = "Expected input " + std::to_string(t) + " to have rank " +
              (term.ellipsis ? "at least " : "") + std::to_string(labels) +
              " but got: " + std::to_string(rank);
  else if (term.ellipsis)
    message = "Too many named labels in " + std::to_string(t) + "th subscript string of equation " +
              equationText(parsed) + " for input shape " + pythonListText(operand.shape);
  else
    message = "Number of named labels in input #" + std::to_string(t) + " of equation " +
              equationText(parsed) + " must be equal to the number of dimensions in shape " +
              pythonListText(operand.shape);
  fail(ErrorKind::Shape, message + detail, parsed, dialect, term.span);
}

struct LabelSeen {
  std::int64_t extent;
  std::size_t operand;
  std::size_t axis;
};

} // namespace

void checkTensorflowLabels(const EinsumSubscripts& parsed, const std::vector<Arg>& operands,
                           EinsumDialect dialect) {
  const bool pythonRankChecks = operands.size() > 2;
  if (pythonRankChecks)
    for (std::size_t t = 0; t < operands.size(); ++t)
      checkRank(parsed, operands, dialect, t);
  const EinsumTerm& output = *parsed.output;
  bool inputEllipsis =
      std::any_of(parsed.inputs.begin(), parsed.inputs.end(),
                  [](const EinsumTerm& term) { return term.ellipsis.has_value(); });
  if (pythonRankChecks && output.ellipsis && !inputEllipsis)
    // TensorFlow hands '...' to opt_einsum as the label '0', which no input has.
    fail(ErrorKind::Syntax,
         "Output character '0' did not appear in the input (with more than two operands "
         "opt_einsum plans the call and reads the output's '...' as a label)",
         parsed, dialect, {output.ellipsisColumn, output.ellipsisColumn + 3});
  std::map<char, LabelSeen> seen;
  for (std::size_t t = 0; t < operands.size(); ++t) {
    if (!pythonRankChecks)
      checkRank(parsed, operands, dialect, t);
    const EinsumTerm& term = parsed.inputs[t];
    const Shape& shape = operands[t].shape;
    const std::size_t before = term.ellipsis.value_or(term.labels.size());
    const std::size_t width = shape.size() - term.labels.size();
    for (std::size_t k = 0; k < term.labels.size(); ++k) {
      const char label = term.labels[k];
      const std::size_t axis = k < before ? k : k + width;
      const std::int64_t extent = shape[axis];
      auto [first, inserted] = seen.emplace(label, LabelSeen{extent, t, axis});
      if (inserted || first->second.extent == extent)
        continue;
      const LabelSeen& known = first->second;
      const bool batch = parsed.matmulBatchLabels.find(label) != std::string::npos;
      const bool secondOnly = parsed.matmulSecondOnlyBatchLabels.find(label) != std::string::npos;
      if ((batch && (extent == 1 || known.extent == 1)) || (secondOnly && extent == 1)) {
        if (known.extent == 1)
          first->second = LabelSeen{extent, t, axis};
        continue;
      }
      std::string why = "label '" + std::string(1, label) + "' is " + std::to_string(known.extent) +
                        " in " + axisRef(operands[known.operand], known.axis) + " but " +
                        std::to_string(extent) + " in " + axisRef(operands[t], axis);
      if (secondOnly)
        why += "; Keras computes '" + parsed.matmulForm +
               "' with reshapes and tf.matmul, which give a wrong result when only the first "
               "operand's extent is 1, so einjit refuses it";
      else if (known.extent == 1 || extent == 1)
        why += "; " + callName(dialect) + " does not broadcast a labelled dimension of extent 1";
      fail(ErrorKind::Shape,
           "Expected dimension " + std::to_string(known.extent) + " at axis " +
               std::to_string(axis) + " of the input shaped " + tensorflowShapeText(shape) +
               " but got dimension " + std::to_string(extent) + " (" + why + ")",
           parsed, dialect, {term.columns[k], term.columns[k] + 1});
    }
  }
}

void checkTensorflowBroadcast(const EinsumSubscripts& parsed, const ExpandedEinsum& dims,
                              const std::vector<Arg>& operands, EinsumDialect dialect) {
  // The extents each operand has under '...', right-aligned to the slots.
  std::vector<std::size_t> withEllipsis;
  for (std::size_t t = 0; t < operands.size(); ++t)
    if (parsed.inputs[t].ellipsis)
      withEllipsis.push_back(t);
  auto slotExtents = [&](std::size_t t) {
    Shape extents;
    for (std::size_t d = 0; d < dims.inputs[t].size(); ++d)
      if (dims.inputs[t][d].isSlot())
        extents.push_back(operands[t].shape[d]);
    return extents;
  };
  const EinsumTerm& output = *parsed.output;
  if (dims.slotCount > 0 && !output.ellipsis) {
    std::string under;
    for (std::size_t t : withEllipsis)
      under += std::string(under.empty() ? "" : ", ") + operands[t].name + " has " +
               shapeToPython(slotExtents(t));
    std::string message = "Output contains " + std::to_string(dims.slotCount) +
                          " broadcasting dimension(s) but no ellipsis (...) was found in the "
                          "output subscripts. ('...' covers: " +
                          under + ")";
    if (parsed.impliedOutput)
      message += "; without '->' the output has '...' only when exactly one operand has it, "
                 "so write the output out";
    SourceSpan span = output.span;
    if (parsed.impliedOutput) {
      const EinsumTerm& first = parsed.inputs[withEllipsis.front()];
      span = {first.ellipsisColumn, first.ellipsisColumn + 3};
    }
    fail(ErrorKind::Shape, message, parsed, dialect, span);
  }
  // numpy's broadcasting of the '...' dims: per slot, every extent other than 1 must agree.
  std::vector<std::optional<std::pair<std::size_t, std::size_t>>> owner(dims.slotCount);
  for (std::size_t t : withEllipsis)
    for (std::size_t d = 0; d < dims.inputs[t].size(); ++d) {
      const EinsumDim& dim = dims.inputs[t][d];
      std::int64_t extent = operands[t].shape[d];
      if (!dim.isSlot() || extent == 1)
        continue;
      auto& known = owner[dim.slot];
      if (!known) {
        known = std::make_pair(t, d);
        continue;
      }
      const Arg& first = operands[known->first];
      std::int64_t expected = first.shape[known->second];
      if (expected == extent)
        continue;
      fail(ErrorKind::Shape,
           "Invalid broadcasting dimensions: '...' is " + shapeToPython(slotExtents(known->first)) +
               " in " + first.name + " and " + shapeToPython(slotExtents(t)) + " in " +
               operands[t].name + ": " + axisRef(first, known->second) +
               " != " + axisRef(operands[t], d) + " (" + std::to_string(expected) +
               " != " + std::to_string(extent) + ")",
           parsed, dialect, dim.span);
    }
}

} // namespace einjit::frontend
