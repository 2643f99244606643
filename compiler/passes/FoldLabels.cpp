// foldLabels: two labels that sit side by side and densely in every tensor that holds them walk
// memory like one label of the product extent (S7: ijkl,klm->ijm contracts kl as one label of
// extent k*l), so one loop replaces two and the inner loop gets longer.
#include "passes/Passes.h"

#include <optional>
#include <utility>

namespace einjit::passes {

namespace {

/// A tensor of the contraction seen uniformly: its indices, its layout and, for operands, its
/// shape (the output's shape follows from the labels).
struct TensorRef {
  std::vector<ir::Index>* indices;
  TensorLayout* layout;
  Shape* shape;
};

std::vector<TensorRef> tensorsOf(Contraction& contraction) {
  std::vector<TensorRef> tensors;
  for (std::size_t t = 0; t < contraction.program.operands.size(); ++t)
    tensors.push_back(TensorRef{&contraction.program.operands[t].indices, &contraction.operands[t],
                                &contraction.program.operands[t].shape});
  tensors.push_back(TensorRef{&contraction.program.output, &contraction.output, nullptr});
  return tensors;
}

std::size_t count(const std::vector<ir::Index>& indices, const std::string& label) {
  std::size_t found = 0;
  for (const ir::Index& index : indices)
    found += index.label == label ? 1 : 0;
  return found;
}

/// True when (outer, inner) folds in every tensor (see Passes.h).
bool folds(const std::vector<TensorRef>& tensors, const std::string& outer,
           const std::string& inner, std::int64_t innerExtent) {
  for (const TensorRef& tensor : tensors) {
    std::size_t outerCount = count(*tensor.indices, outer);
    std::size_t innerCount = count(*tensor.indices, inner);
    if (outerCount == 0 && innerCount == 0)
      continue;
    if (outerCount != 1 || innerCount != 1)
      return false;
    std::size_t d = 0;
    while ((*tensor.indices)[d].label != outer)
      ++d;
    if (d + 1 >= tensor.indices->size() || (*tensor.indices)[d + 1].label != inner)
      return false;
    const std::optional<std::int64_t>& outerStride = (*tensor.layout)[d].knownStride;
    const std::optional<std::int64_t>& innerStride = (*tensor.layout)[d + 1].knownStride;
    if (!outerStride || !innerStride || *outerStride != innerExtent * *innerStride)
      return false;
  }
  return true;
}

void fold(const std::vector<TensorRef>& tensors, const std::string& outer,
          const std::string& inner) {
  for (const TensorRef& tensor : tensors) {
    std::vector<ir::Index>& indices = *tensor.indices;
    for (std::size_t d = 0; d + 1 < indices.size(); ++d) {
      if (indices[d].label != outer || indices[d + 1].label != inner)
        continue;
      indices.erase(indices.begin() + static_cast<std::ptrdiff_t>(d) + 1);
      tensor.layout->erase(tensor.layout->begin() + static_cast<std::ptrdiff_t>(d));
      if (tensor.shape) {
        Shape& shape = *tensor.shape;
        shape[d] *= shape[d + 1];
        shape.erase(shape.begin() + static_cast<std::ptrdiff_t>(d) + 1);
      }
      break;
    }
  }
}

/// The first foldable pair in tensor order, then dimension order.
std::optional<std::pair<std::string, std::string>> findFold(Contraction& contraction) {
  std::vector<TensorRef> tensors = tensorsOf(contraction);
  std::map<std::string, std::int64_t> extents = contraction.program.labelExtents();
  for (const TensorRef& tensor : tensors) {
    const std::vector<ir::Index>& indices = *tensor.indices;
    for (std::size_t d = 0; d + 1 < indices.size(); ++d) {
      if (indices[d].isZero() || indices[d + 1].isZero() ||
          indices[d].label == indices[d + 1].label)
        continue;
      if (folds(tensors, indices[d].label, indices[d + 1].label, extents.at(indices[d + 1].label)))
        return std::make_pair(indices[d].label, indices[d + 1].label);
    }
  }
  return std::nullopt;
}

} // namespace

Contraction foldLabels(Contraction contraction) {
  if (!contraction.constantExtents)
    return contraction;
  while (std::optional<std::pair<std::string, std::string>> pair = findFold(contraction))
    fold(tensorsOf(contraction), pair->first, pair->second);
  ir::verify(contraction.program);
  return contraction;
}

} // namespace einjit::passes
