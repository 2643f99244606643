// The C header `einjit compile` writes next to its object: one documented `extern "C"` entry
// point per kernel, with the contract the generated code keeps.
#pragma once

#include "codegen/Codegen.h"
#include "ir/IndexProgram.h"

#include <string>
#include <vector>

namespace einjit::cli {

/// What the header says about one entry point.
struct AotHeaderEntry {
  std::string name;                    ///< the C symbol
  std::string call;                    ///< the expression as given
  ir::IndexProgram program;            ///< with its prologues
  std::vector<std::string> inputNames; ///< parameter names, in order (distinct tensors)
  std::vector<Shape> inputShapes;      ///< parallel to inputNames, as the caller passes them
  bool hasStridedEntry = true;         ///< NAME_strided exists (not when an operand is ravelled)
  /// An input the entry point L2-normalizes before the contraction.
  struct Normalized {
    std::string name; ///< its parameter name
    int axis = 0;
    double epsilon = 0;
  };
  std::vector<Normalized> normalized;
  std::int64_t scratchElements = 0; ///< elements of the dtype the scratch argument holds
  bool threaded = false;            ///< takes a last `int threads` argument
  bool parallel = false;            ///< splits its outermost output loop across threads
  /// Per-thread scratch memory its kernels ask einjit_rt for (packed kernels; 0: none, so the
  /// entry point cannot fail).
  std::int64_t scratchBytes = 0;
};

/// The header text for `library` (its include guard is derived from it). Every entry is threaded
/// or none is.
std::string aotHeaderText(const std::string& library, const std::vector<AotHeaderEntry>& entries,
                          const codegen::TargetDesc& target);

} // namespace einjit::cli
