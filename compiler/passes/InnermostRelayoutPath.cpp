// innermostRelayoutPath: a binary contraction whose output's innermost label is strided in the
// one operand that holds it runs as a copy of that operand with the label innermost, then the
// product. The direct nest vectorizes along the output's innermost label when every tensor
// holding it has it contiguous; otherwise it vectorizes another label and stores its vectors
// apart. Speech dereverberation's fdtk,fetl->fkdle (nara_wpe, c128, f 257, d e 8, t 12, k l 10):
// e is strided in fetl, the vectors ran over l and stored complex pairs 8 apart (8.8 ms); the
// copy to ftle (0.16 ms) and the product, vectors over le with unit-stride stores (7.1 ms).
#include "ir/Explain.h"
#include "passes/Passes.h"
#include "passes/PathCopy.h"

#include <algorithm>
#include <set>

namespace einjit::passes {

namespace {

/// Sums per output element up to which the copy pays: with few, the output's stores are most
/// of the nest's traffic (fdtk,fetl->fkdle sums 12). With many, the nest is compute-bound or
/// packed, and the packed kernel reads any layout.
constexpr double kMaxSumsPerOutput = 64;
/// The output has at least this many elements per element copied: the copy costs a small part
/// of what the strided stores did (fdtk,fetl->fkdle: 6.7).
constexpr double kMinOutputPerCopied = 4;
/// Extent of the innermost label from which it fills vectors worth the copy.
constexpr std::int64_t kMinInnermostExtent = 4;

/// The innermost label of `indices` of extent above 1, or none.
std::optional<std::string> innermostLabel(const std::vector<ir::Index>& indices,
                                          const std::map<std::string, std::int64_t>& extents) {
  for (auto index = indices.rbegin(); index != indices.rend(); ++index)
    if (extents.at(index->label) > 1)
      return index->label;
  return std::nullopt;
}

} // namespace

ContractionPath innermostRelayoutPath(const ir::IndexProgram& program,
                                      const support::CacheSizes& caches) {
  ContractionPath none;
  DType dtype = program.dtype;
  if (program.operands.size() != 2 || !program.prologues.empty() || isHalfPrecision(dtype) ||
      isInteger(dtype) || program.outputDtype)
    return none;
  const ir::Operand& x = program.operands[0];
  const ir::Operand& y = program.operands[1];
  if (!plainIndices(x.indices) || !plainIndices(y.indices) || !plainIndices(program.output))
    return none;
  std::map<std::string, std::int64_t> extents = program.labelExtents();
  std::optional<std::string> label = innermostLabel(program.output, extents);
  if (!label || extents.at(*label) < kMinInnermostExtent)
    return none;
  bool inX = holdsLabel(x.indices, *label), inY = holdsLabel(y.indices, *label);
  if (inX == inY)
    return none; // a batch label (or none): the batch relayout's concern
  std::size_t moved = inX ? 0 : 1;
  const ir::Operand& operand = program.operands[moved];
  const ir::Operand& other = program.operands[1 - moved];
  if (innermostLabel(operand.indices, extents) == label)
    return none;

  // The sums: a label of both operands the output lacks. One innermost in both is the dot
  // tile's, which reads the layout as it is.
  double sums = 1;
  for (const ir::Index& index : operand.indices) {
    if (!holdsLabel(other.indices, index.label) || holdsLabel(program.output, index.label))
      continue;
    sums *= static_cast<double>(extents.at(index.label));
    if (innermostLabel(operand.indices, extents) == index.label &&
        innermostLabel(other.indices, extents) == index.label)
      return none;
  }
  for (const ir::Index& index : x.indices)
    if (!holdsLabel(y.indices, index.label) && !holdsLabel(program.output, index.label))
      return none; // summed inside one operand
  for (const ir::Index& index : y.indices)
    if (!holdsLabel(x.indices, index.label) && !holdsLabel(program.output, index.label))
      return none;
  double outputElements = elementsOf(program.output, extents);
  double copied = elementsOf(operand.indices, extents);
  double outputBytes = outputElements * static_cast<double>(dtypeSize(dtype));
  if (sums > kMaxSumsPerOutput || outputElements < kMinOutputPerCopied * copied ||
      outputBytes <= static_cast<double>(caches.l2))
    return none;

  std::set<std::string> names{program.outputName, x.name, y.name};
  int fresh = 0;
  ContractionPath path;
  path.fusedMultiplyAdds = ir::multiplyAdds(program);
  path.multiplyAdds = path.fusedMultiplyAdds;
  std::vector<ir::Index> target;
  for (const ir::Index& index : operand.indices)
    if (index.label != *label)
      target.push_back(index);
  target.push_back(ir::Index::of(*label));
  ir::Operand copy;
  copy.name = freshTemporaryName(names, fresh);
  copy.indices = target;
  for (const ir::Index& index : target)
    copy.shape.push_back(extents.at(index.label));
  std::size_t operandCount = program.operands.size();
  std::size_t copyValue = appendCopyStep(path, operandCount, dtype, operand, moved,
                                         std::move(target), copy.name, extents);
  PathStep product;
  product.program.dtype = dtype;
  product.program.operands =
      moved == 0 ? std::vector<ir::Operand>{copy, y} : std::vector<ir::Operand>{x, copy};
  product.reads =
      moved == 0 ? std::vector<std::size_t>{copyValue, 1} : std::vector<std::size_t>{0, copyValue};
  product.program.output = program.output;
  product.program.outputName = program.outputName;
  product.multiplyAdds = path.fusedMultiplyAdds;
  ir::verify(product.program);
  path.steps.push_back(std::move(product));
  path.relayout = "the output's innermost label " + *label + " is strided in " + operand.name +
                  ": copied with " + *label + " innermost; " +
                  std::to_string(static_cast<std::int64_t>(sums)) + " sums per output element, " +
                  std::to_string(static_cast<std::int64_t>(outputElements / copied)) +
                  " output elements per copied one, output " +
                  std::to_string(static_cast<std::int64_t>(outputBytes) >> 10) + " KiB > L2 " +
                  std::to_string(caches.l2 >> 10) + " KiB";
  return path;
}

} // namespace einjit::passes
