// Prints a tensor the way numpy's print(array) does (np.array2string with numpy's default
// options: precision 8, line width 75, summarised with '...' beyond 1000 elements), so that
// `einjit run` output can be compared with numpy's by eye.
#pragma once

#include "einjit/tensor.h"

#include <string>

namespace einjit::cli {

/// The text numpy's str(array) gives for the values of `view` (no trailing newline).
std::string formatLikeNumpy(const TensorView& view);

} // namespace einjit::cli
