// What an IndexProgram computes, in words a user of numpy or Keras recognises: the role of every
// label, the equivalent einsum string, and the dimensions that broadcast.
#pragma once

#include "ir/IndexProgram.h"

#include <string>
#include <vector>

namespace einjit::ir {

enum class LabelRole {
  Batch,      ///< in the output and in two or more operands
  Free,       ///< in the output and in one operand
  Contracted, ///< summed, in two or more operands
  Summed,     ///< summed, in one operand only (a reduction inside that operand)
};

std::string_view labelRoleName(LabelRole role);

/// Where a label sits: operand index and axis (after prologues).
struct LabelSite {
  std::size_t operand = 0;
  std::size_t axis = 0;
};

struct LabelInfo {
  std::string label;
  std::int64_t extent = 1;
  LabelRole role = LabelRole::Free;
  int outputAxis = -1; ///< -1 when summed
  std::vector<LabelSite> sites;
};

/// A literal-0 dimension of an operand: extent 1, broadcast against the rest.
struct BroadcastDim {
  std::size_t operand = 0;
  std::size_t axis = 0;
};

/// Roles of all labels, in IndexProgram::labels() order.
std::vector<LabelInfo> classifyLabels(const IndexProgram& program);
/// Literal-0 operand dimensions.
std::vector<BroadcastDim> broadcastDims(const IndexProgram& program);

/// The equivalent numpy einsum string, e.g. "bik,bjk->bij". Labels longer than one letter and
/// literal 0s get fresh letters (a literal 0 in an operand is a size-1 label summed over). A
/// literal 0 in the output cannot be written in einsum: it is left out and
/// `unitOutputAxes` lists where numpy would need np.expand_dims.
struct EinsumForm {
  std::string subscripts;
  std::vector<std::size_t> unitOutputAxes;
  std::vector<std::string> prologueNotes; ///< e.g. "x is L2-normalised along axis 2 (eps 1e-07)"
};
EinsumForm equivalentEinsum(const IndexProgram& program);

/// Multiply-adds of the statement as written (product of all label extents); saturates at
/// INT64_MAX rather than overflow.
std::int64_t multiplyAdds(const IndexProgram& program);

} // namespace einjit::ir
