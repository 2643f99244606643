// `einjit explain` from Python: the CLI's own explanation code (tools/Explanation.cpp) on a call
// and operand shapes, as the text the CLI prints and as its --json object, plus the compiled
// stages --emit adds (from the public Plan::explain, as the CLI does).
#pragma once

#include "einjit/engine.h"

#include <optional>
#include <string>
#include <vector>

namespace einjit::python {

struct ExplainResult {
  std::string text; ///< what `einjit explain` prints
  std::string json; ///< what `einjit explain --json` prints
};

/// `emit` is empty or one of index, path, loops, llvm, asm (each implies the ones before).
ExplainResult explainCall(Engine& engine, const std::string& expression,
                          const std::vector<Shape>& shapes, std::optional<DType> dtype,
                          bool legacyBatchDot, const std::string& emit);

} // namespace einjit::python
