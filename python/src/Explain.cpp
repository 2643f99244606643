#include "Explain.h"

#include "einjit/error.h"

#include <iterator>

namespace einjit::python {

namespace {

std::optional<ExplainStage> emitStage(const std::string& emit) {
  if (emit.empty())
    return std::nullopt;
  const char* const names[] = {"index", "path", "passes", "loops", "llvm", "asm"};
  const ExplainStage stages[] = {ExplainStage::Index, ExplainStage::Path, ExplainStage::Passes,
                                 ExplainStage::Loops, ExplainStage::LLVM, ExplainStage::Assembly};
  for (std::size_t i = 0; i < std::size(names); ++i)
    if (emit == names[i])
      return stages[i];
  throw Error(ErrorKind::Argument,
              "explain: emit must be one of index, path, passes, loops, llvm, asm, got '" + emit +
                  "'");
}

} // namespace

ExplainResult explainCall(Engine& engine, const std::string& expression,
                          const std::vector<Shape>& shapes, std::optional<DType> dtype,
                          bool legacyBatchDot, const std::string& emit) {
  Explanation explanation =
      engine.explain(expression, shapes, dtype.value_or(DType::f32),
                     CallOptions{.legacyBatchDot = legacyBatchDot}, emitStage(emit));
  return ExplainResult{explanation.text(), explanation.json()};
}

} // namespace einjit::python
