// `einjit explain` from Python: Engine::explain's Explanation (the one the CLI prints) on a call
// and operand shapes, as its text and as its --json object, with the stages emit= asks for.
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

/// `emit` is empty or one of index, path, passes, loops, llvm, asm (each implies the ones before
/// it, except passes, which no other includes).
ExplainResult explainCall(Engine& engine, const std::string& expression,
                          const std::vector<Shape>& shapes, std::optional<DType> dtype,
                          bool legacyBatchDot, const std::string& emit);

} // namespace einjit::python
