// Hands out single-letter labels in a readable order for front ends that invent labels
// (tensordot, dot, matmul, batch_dot), so that the equivalent einsum reads like the one a person
// would write: `b` for the batch, `k` for a contracted axis, `a, c, d, …` for free axes.
#pragma once

#include <set>
#include <string>

namespace einjit::frontend {

class LabelAllocator {
public:
  /// Reserves `label` (e.g. "b") if it is free and returns it; otherwise a fresh label.
  std::string take(const std::string& preferred);
  /// The first unused letter in `order` (default: a–z without b and k, then k…, then A–Z).
  std::string fresh();
  /// A fresh label for a contracted axis: k, l, m, … then any free letter.
  std::string freshContracted();
  /// Marks a label as used (einsum labels given by the user).
  void reserve(const std::string& label) { used_.insert(label); }

private:
  std::string firstFree(const std::string& order);
  std::set<std::string> used_;
};

} // namespace einjit::frontend
