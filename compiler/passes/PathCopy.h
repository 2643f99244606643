// The relayout copies of a two-operand path (RelayoutPath.cpp, InnermostRelayoutPath.cpp): a
// unary step that writes an operand, or an earlier step's value, in another label order.
#pragma once

#include "passes/Passes.h"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace einjit::passes {

/// Elements of a tensor with `indices` under `extents`.
double elementsOf(const std::vector<ir::Index>& indices,
                  const std::map<std::string, std::int64_t>& extents);

/// True when `indices` hold `label`.
bool holdsLabel(const std::vector<ir::Index>& indices, const std::string& label);

/// True when no index of `indices` is a literal 0 or repeats a label: a layout a copy can move.
bool plainIndices(const std::vector<ir::Index>& indices);

/// Appends to `path` the copy of `operand` (the value `source`) into a new contiguous tensor
/// `outputName` with `target` indices, a unary step of `dtype`; returns the value it writes
/// (`operandCount` + its step). `operand`'s shape is taken from `extents`.
std::size_t appendCopyStep(ContractionPath& path, std::size_t operandCount, DType dtype,
                           const ir::Operand& operand, std::size_t source,
                           std::vector<ir::Index> target, const std::string& outputName,
                           const std::map<std::string, std::int64_t>& extents);

/// "t0", "t1", … : the first not in `taken`, which it joins.
std::string freshTemporaryName(std::set<std::string>& taken, int& next);

} // namespace einjit::passes
