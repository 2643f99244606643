// einsum with shapes (docs/semantics.md §2.5-§2.7): expands '...' into right-aligned broadcast
// slots, checks diagonals and broadcasting as numpy and torch do (tf.einsum's checks are in
// EinsumTensorflowShapes.cpp), and lowers to an IndexProgram that reuses the user's letters, with
// fresh letters for '...' dims and literal 0 wherever an extent-1 dimension broadcasts.
#include "frontend/EinsumSubscripts.h"
#include "frontend/LabelAllocator.h"

#include "einjit/error.h"

#include <algorithm>
#include <map>
#include <set>

namespace einjit::frontend {

namespace {

std::size_t ellipsisWidth(const EinsumTerm& term, const Arg& operand) {
  return term.ellipsis ? operand.shape.size() - term.labels.size() : 0;
}

// Writes a term's dimensions in order, '...' standing for `width` slots that end at slot
// `slotCount` (numpy aligns every operand's '...' dims to the right).
std::vector<EinsumDim> expandTerm(const EinsumTerm& term, std::size_t width,
                                  std::size_t slotCount) {
  std::vector<EinsumDim> dims;
  auto addLabels = [&](std::size_t from, std::size_t to) {
    for (std::size_t k = from; k < to; ++k)
      dims.push_back({term.labels[k], kNoEinsumSlot, {term.columns[k], term.columns[k] + 1}});
  };
  std::size_t before = term.ellipsis.value_or(term.labels.size());
  addLabels(0, before);
  SourceSpan ellipsis{term.ellipsisColumn, term.ellipsisColumn + 3};
  for (std::size_t j = 0; j < width; ++j)
    dims.push_back({0, slotCount - width + j, ellipsis});
  addLabels(before, term.labels.size());
  return dims;
}

} // namespace

ExpandedEinsum expandEinsum(const EinsumSubscripts& parsed, const std::vector<Arg>& operands) {
  ExpandedEinsum result;
  for (std::size_t t = 0; t < operands.size(); ++t)
    result.slotCount = std::max(result.slotCount, ellipsisWidth(parsed.inputs[t], operands[t]));
  std::map<char, int> counts;
  for (std::size_t t = 0; t < operands.size(); ++t) {
    const EinsumTerm& term = parsed.inputs[t];
    result.inputs.push_back(expandTerm(term, ellipsisWidth(term, operands[t]), result.slotCount));
    for (char label : term.labels)
      ++counts[label];
  }
  if (parsed.output) {
    // torch lets the output leave '...' out and sums those dims; numpy's parser refused that.
    std::size_t width = parsed.output->ellipsis ? result.slotCount : 0;
    result.output = expandTerm(*parsed.output, width, result.slotCount);
    return result;
  }
  // Implicit output: the broadcast dims, then every letter used exactly once, in ASCII order
  // (so uppercase before lowercase), repeats inside one operand counted too.
  for (std::size_t slot = 0; slot < result.slotCount; ++slot)
    result.output.push_back({0, slot, {}});
  for (const auto& [label, count] : counts)
    if (count == 1)
      result.output.push_back({label, kNoEinsumSlot, {}});
  return result;
}

namespace {

bool contains(const std::vector<EinsumDim>& dims, const EinsumDim& dim) {
  return std::find(dims.begin(), dims.end(), dim) != dims.end();
}

[[noreturn]] void fail(ErrorKind kind, const std::string& message, const EinsumSubscripts& parsed,
                       SourceSpan span) {
  throw Error(kind, message, parsed.text, span);
}

std::string axisText(const Arg& operand, std::size_t axis) {
  return operand.name + ".shape[" + std::to_string(axis) + "]";
}

// ---- numpy's checks ---------------------------------------------------------------------------

// numpy first tries to return a view of a single operand: the loop over its axes stops at the
// first letter summed away, and a repeated letter met before that fails with its own message.
void checkNumpySingleOperandView(const EinsumSubscripts& parsed, const ExpandedEinsum& dims,
                                 const std::vector<Arg>& operands) {
  const Shape& shape = operands[0].shape;
  std::map<char, std::int64_t> seen;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    const EinsumDim& dim = dims.inputs[0][d];
    if (dim.isSlot())
      continue;
    if (!contains(dims.output, dim))
      return;
    auto [first, inserted] = seen.emplace(dim.label, shape[d]);
    if (!inserted && first->second != shape[d])
      fail(ErrorKind::Shape,
           "einsum: dimensions in single operand (" + operands[0].name +
               ") for collapsing index '" + std::string(1, dim.label) + "' don't match (" +
               std::to_string(first->second) + " != " + std::to_string(shape[d]) + ")",
           parsed, dim.span);
  }
}

void checkNumpyDiagonals(const EinsumSubscripts& parsed, const ExpandedEinsum& dims,
                         const std::vector<Arg>& operands) {
  for (std::size_t t = 0; t < operands.size(); ++t) {
    std::map<char, std::int64_t> first;
    for (std::size_t d = 0; d < dims.inputs[t].size(); ++d) {
      const EinsumDim& dim = dims.inputs[t][d];
      if (dim.isSlot())
        continue;
      std::int64_t extent = operands[t].shape[d];
      auto [found, inserted] = first.emplace(dim.label, extent);
      if (!inserted && found->second != extent)
        fail(ErrorKind::Shape,
             "einsum: dimensions in " + einsumOperandText(operands, t) + " for collapsing index '" +
                 std::string(1, dim.label) + "' don't match (" + std::to_string(found->second) +
                 " != " + std::to_string(extent) + ")",
             parsed, dim.span);
    }
  }
}

// nditer's shape text: leading new axes are left out, the others print as "newaxis".
std::string nditerShape(const std::vector<std::int64_t>& extents) {
  std::size_t first = 0;
  while (first < extents.size() && extents[first] < 0)
    ++first;
  if (first == extents.size())
    return "()";
  std::string text = "(" + std::to_string(extents[first]);
  for (std::size_t d = first + 1; d < extents.size(); ++d)
    text += extents[d] < 0 ? ",newaxis" : "," + std::to_string(extents[d]);
  return text + (extents.size() == 1 ? ",)" : ")");
}

// The axis of operand t that an iterator dimension reads (its first occurrence of the letter),
// or none.
std::optional<std::size_t> axisFor(const std::vector<EinsumDim>& operandDims,
                                   const EinsumDim& dim) {
  auto found = std::find(operandDims.begin(), operandDims.end(), dim);
  if (found == operandDims.end())
    return std::nullopt;
  return static_cast<std::size_t>(found - operandDims.begin());
}

// numpy broadcasts every operand over one iterator whose dimensions are the output's, then the
// summed letters in ASCII order; a failure lists each operand as its diagonal view and as
// remapped onto those dimensions.
void checkNumpyBroadcast(const EinsumSubscripts& parsed, const ExpandedEinsum& dims,
                         const std::vector<Arg>& operands) {
  std::vector<EinsumDim> iteration = dims.output;
  std::set<char> letters;
  for (const std::vector<EinsumDim>& operandDims : dims.inputs)
    for (const EinsumDim& dim : operandDims)
      if (!dim.isSlot())
        letters.insert(dim.label);
  for (char label : letters)
    if (!contains(dims.output, EinsumDim{label, kNoEinsumSlot, {}}))
      iteration.push_back({label, kNoEinsumSlot, {}});

  for (const EinsumDim& dim : iteration) {
    std::optional<std::size_t> owner;
    std::size_t ownerAxis = 0;
    for (std::size_t t = 0; t < operands.size(); ++t) {
      std::optional<std::size_t> axis = axisFor(dims.inputs[t], dim);
      if (!axis || operands[t].shape[*axis] == 1)
        continue;
      if (!owner) {
        owner = t;
        ownerAxis = *axis;
        continue;
      }
      std::int64_t expected = operands[*owner].shape[ownerAxis];
      std::int64_t extent = operands[t].shape[*axis];
      if (extent == expected)
        continue;
      std::string shapes;
      for (std::size_t u = 0; u < operands.size(); ++u) {
        std::vector<std::int64_t> original;
        for (std::size_t d = 0; d < dims.inputs[u].size(); ++d)
          if (axisFor(dims.inputs[u], dims.inputs[u][d]) == d)
            original.push_back(operands[u].shape[d]);
        std::vector<std::int64_t> remapped;
        for (const EinsumDim& other : iteration) {
          std::optional<std::size_t> read = axisFor(dims.inputs[u], other);
          remapped.push_back(read ? operands[u].shape[*read] : -1);
        }
        shapes += (u > 0 ? " " : "") + nditerShape(original) + "->" + nditerShape(remapped);
      }
      std::string what = dim.isSlot() ? "'...'" : "subscript '" + std::string(1, dim.label) + "'";
      fail(ErrorKind::Shape,
           "einsum: operands could not be broadcast together with remapped shapes "
           "[original->remapped]: " +
               shapes + "; " + what + ": " + axisText(operands[*owner], ownerAxis) +
               " != " + axisText(operands[t], *axis) + " (" + std::to_string(expected) +
               " != " + std::to_string(extent) + ")",
           parsed, dims.inputs[t][*axis].span);
    }
  }
}

// ---- torch's checks ---------------------------------------------------------------------------

// torch walks each operand's dims once: a repeated letter must match its first occurrence, and
// every dim of extent other than 1 must agree with the extent seen before it for that letter or
// '...' dim.
void checkTorchShapes(const EinsumSubscripts& parsed, const ExpandedEinsum& dims,
                      const std::vector<Arg>& operands) {
  std::map<char, std::int64_t> labelSizes;
  std::vector<std::int64_t> slotSizes(dims.slotCount, 1);
  for (std::size_t t = 0; t < operands.size(); ++t) {
    std::map<char, std::size_t> firstAxis;
    std::size_t torchDim = 0; // torch's own counter: repeats are taken out as it goes
    for (std::size_t d = 0; d < dims.inputs[t].size(); ++d) {
      const EinsumDim& dim = dims.inputs[t][d];
      std::int64_t extent = operands[t].shape[d];
      if (dim.isSlot()) {
        std::int64_t& seen = slotSizes[dim.slot];
        if (extent != 1 && seen != 1 && seen != extent)
          fail(ErrorKind::Shape,
               "einsum(): dimension " + std::to_string(torchDim) + " covered by ellipsis in " +
                   einsumOperandText(operands, t) + " has size " + std::to_string(extent) +
                   " which does not broadcast with previously seen ellipsis with size " +
                   std::to_string(seen) + " for the respective dimension",
               parsed, dim.span);
        if (extent != 1)
          seen = extent;
        ++torchDim;
        continue;
      }
      auto repeat = firstAxis.find(dim.label);
      if (repeat != firstAxis.end()) {
        std::int64_t previous = operands[t].shape[repeat->second];
        if (extent != previous)
          fail(ErrorKind::Shape,
               "einsum(): subscript " + std::string(1, dim.label) + " is repeated for " +
                   einsumOperandText(operands, t) + " but the sizes don't match, " +
                   std::to_string(extent) + " != " + std::to_string(previous),
               parsed, dim.span);
        continue;
      }
      firstAxis.emplace(dim.label, d);
      auto [seen, inserted] = labelSizes.emplace(dim.label, 1);
      if (extent != 1 && seen->second != 1 && seen->second != extent)
        fail(ErrorKind::Shape,
             "einsum(): subscript " + std::string(1, dim.label) + " has size " +
                 std::to_string(extent) + " for " + einsumOperandText(operands, t) +
                 " which does not broadcast with previously seen size " +
                 std::to_string(seen->second),
             parsed, dim.span);
      if (extent != 1)
        seen->second = extent;
      ++torchDim;
    }
  }
}

// ---- lowering ---------------------------------------------------------------------------------

bool isIdentifier(const std::string& name) {
  auto letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  if (name.empty() || !letter(name[0]))
    return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return letter(c) || (c >= '0' && c <= '9'); });
}

// The IR names each operand and the output; a caller of the C++ API may pass any names, so bad
// ones are the caller's error here rather than a broken program later.
void checkOperandNames(const std::vector<Arg>& operands, const std::string& prefix) {
  for (std::size_t t = 0; t < operands.size(); ++t) {
    if (!isIdentifier(operands[t].name))
      throw Error(ErrorKind::Argument, prefix + "operand " + std::to_string(t) + " is named '" +
                                           operands[t].name + "', which is not an identifier");
    for (std::size_t u = 0; u < t; ++u)
      if (operands[u].name == operands[t].name)
        throw Error(ErrorKind::Argument, prefix + "operands " + std::to_string(u) + " and " +
                                             std::to_string(t) + " are both named '" +
                                             operands[t].name +
                                             "'; each operand needs its own name");
  }
}

// "out" unless an operand already has that name.
std::string outputNameFor(const std::vector<Arg>& operands) {
  auto taken = [&](const std::string& name) {
    return std::any_of(operands.begin(), operands.end(),
                       [&](const Arg& operand) { return operand.name == name; });
  };
  std::string name = "out";
  for (int suffix = 1; taken(name); ++suffix)
    name = "out" + std::to_string(suffix);
  return name;
}

ir::IndexProgram lower(const EinsumSubscripts& parsed, const ExpandedEinsum& dims,
                       const std::vector<Arg>& operands, DType dtype) {
  // After the checks each letter and slot has one extent other than 1, or only 1s.
  std::map<char, std::int64_t> labelExtents;
  std::vector<std::int64_t> slotExtents(dims.slotCount, 1);
  for (std::size_t t = 0; t < operands.size(); ++t)
    for (std::size_t d = 0; d < dims.inputs[t].size(); ++d) {
      const EinsumDim& dim = dims.inputs[t][d];
      std::int64_t extent = operands[t].shape[d];
      if (dim.isSlot()) {
        if (extent != 1)
          slotExtents[dim.slot] = extent;
        continue;
      }
      auto [known, inserted] = labelExtents.emplace(dim.label, extent);
      if (!inserted && extent != 1)
        known->second = extent;
    }

  LabelAllocator allocator;
  std::set<char> used(parsed.text.begin(), parsed.text.end());
  std::size_t letters = 0;
  for (char c : used)
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) {
      allocator.reserve(std::string(1, c));
      ++letters;
    }
  if (letters + dims.slotCount > 52)
    throw Error(ErrorKind::Unsupported,
                "einsum: the subscripts use " + std::to_string(letters) +
                    " letters and '...' stands for " + std::to_string(dims.slotCount) +
                    (dims.slotCount == 1 ? " more dimension" : " more dimensions") +
                    "; einjit names each dimension with one of 52 letters");
  std::vector<std::string> slotLabels;
  for (std::size_t slot = 0; slot < dims.slotCount; ++slot)
    slotLabels.push_back(allocator.fresh());

  auto labelOf = [&](const EinsumDim& dim) {
    return dim.isSlot() ? slotLabels[dim.slot] : std::string(1, dim.label);
  };
  auto extentOf = [&](const EinsumDim& dim) {
    return dim.isSlot() ? slotExtents[dim.slot] : labelExtents.at(dim.label);
  };

  ir::IndexProgram program;
  program.dtype = dtype;
  program.outputName = outputNameFor(operands);
  for (std::size_t t = 0; t < operands.size(); ++t) {
    ir::Operand operand{operands[t].name, operands[t].shape, {}, false};
    for (std::size_t d = 0; d < dims.inputs[t].size(); ++d) {
      const EinsumDim& dim = dims.inputs[t][d];
      bool broadcast = operands[t].shape[d] == 1 && extentOf(dim) != 1;
      operand.indices.push_back(broadcast ? ir::Index::zero() : ir::Index::of(labelOf(dim)));
    }
    program.operands.push_back(std::move(operand));
  }
  for (const EinsumDim& dim : dims.output)
    program.output.push_back(ir::Index::of(labelOf(dim)));
  ir::verify(program);
  return program;
}

/// einsum() after the limit checks: parse, check as the dialect does, lower.
ir::IndexProgram lowerEinsum(std::string_view subscripts, const std::vector<Arg>& operands,
                             DType dtype, EinsumDialect dialect) {
  switch (dialect) {
  case EinsumDialect::Numpy: {
    EinsumSubscripts parsed = parseNumpyEinsum(subscripts, operands);
    ExpandedEinsum dims = expandEinsum(parsed, operands);
    if (operands.size() == 1)
      checkNumpySingleOperandView(parsed, dims, operands);
    checkNumpyDiagonals(parsed, dims, operands);
    checkNumpyBroadcast(parsed, dims, operands);
    return lower(parsed, dims, operands, dtype);
  }
  case EinsumDialect::Torch: {
    EinsumSubscripts parsed = parseTorchEinsum(subscripts, operands);
    ExpandedEinsum dims = expandEinsum(parsed, operands);
    checkTorchShapes(parsed, dims, operands);
    return lower(parsed, dims, operands, dtype);
  }
  case EinsumDialect::Tensorflow:
  case EinsumDialect::KerasOps: {
    EinsumSubscripts parsed = parseTensorflowEinsum(subscripts, operands, dialect);
    // TensorFlow checks each operand's rank and letters before it looks at the broadcast dims.
    checkTensorflowLabels(parsed, operands, dialect);
    ExpandedEinsum dims = expandEinsum(parsed, operands);
    checkTensorflowBroadcast(parsed, dims, operands, dialect);
    return lower(parsed, dims, operands, dtype);
  }
  }
  throw Error(ErrorKind::Internal, "einsum: unknown dialect");
}

} // namespace

ir::IndexProgram einsum(std::string_view subscripts, const std::vector<Arg>& operands, DType dtype,
                        EinsumDialect dialect) {
  std::string who = einsumMessagePrefix(dialect);
  who.resize(who.size() - 2); // without ": "
  checkTextLength(subscripts, who);
  checkOperandLimits(operands, who);
  checkOperandNames(operands, einsumMessagePrefix(dialect));
  ir::IndexProgram program = lowerEinsum(subscripts, operands, dtype, dialect);
  checkOutputSize(program, who);
  return program;
}

} // namespace einjit::frontend
