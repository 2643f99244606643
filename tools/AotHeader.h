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
  ir::IndexProgram program;            ///< prologue-free
  std::vector<std::string> inputNames; ///< parameter names, in order (distinct tensors)
  std::vector<Shape> inputShapes;      ///< parallel to inputNames, as the caller passes them
  bool hasStridedEntry = true;         ///< NAME_strided exists (not when an operand is ravelled)
};

/// The header text for `library` (its include guard is derived from it).
std::string aotHeaderText(const std::string& library, const std::vector<AotHeaderEntry>& entries,
                          const codegen::TargetDesc& target);

} // namespace einjit::cli
