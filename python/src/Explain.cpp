#include "Explain.h"

#include "Explanation.h"
#include "einjit/error.h"

#include <iterator>
#include <utility>

namespace einjit::python {

namespace {

// Plan::explain(stage) extends Plan::explain(the stage before) by one section that opens with
// a "name (detail):" line (the CLI splits it the same way).
cli::EmittedStage sectionBetween(const std::string& shorter, const std::string& longer,
                                 const std::string& key) {
  if (longer.compare(0, shorter.size(), shorter) != 0)
    throw Error(ErrorKind::Internal,
                "explain: Plan::explain's " + key + " stage does not extend the stage before it");
  std::string section = longer.substr(shorter.size());
  std::size_t lineEnd = section.find('\n');
  std::string heading = section.substr(0, lineEnd);
  if (!heading.empty() && heading.back() == ':')
    heading.pop_back();
  std::string text = lineEnd == std::string::npos ? "" : section.substr(lineEnd + 1);
  return cli::EmittedStage{key, heading, text};
}

int emitRank(const std::string& emit) {
  const char* const names[] = {"index", "path", "loops", "llvm", "asm"};
  for (int i = 0; i < static_cast<int>(std::size(names)); ++i)
    if (emit == names[i])
      return i;
  throw Error(ErrorKind::Argument,
              "explain: emit must be one of index, path, loops, llvm, asm, got '" + emit + "'");
}

} // namespace

ExplainResult explainCall(Engine& engine, const std::string& expression,
                          const std::vector<Shape>& shapes, std::optional<DType> dtype,
                          bool legacyBatchDot, const std::string& emit) {
  int last = emit.empty() ? -1 : emitRank(emit);
  cli::ExplainOptions options;
  options.emitIndex = last >= 0;
  options.batchDot = legacyBatchDot ? cli::BatchDotChoice::Legacy : cli::BatchDotChoice::Current;
  frontend::LowerOptions lowerOptions;
  if (dtype)
    lowerOptions.dtype = *dtype;
  frontend::ShapeBinding binding;
  binding.positional = shapes;
  frontend::LoweredCall lowered = frontend::lowerCallText(expression, binding, lowerOptions);
  cli::chosenProgram(lowered, options.batchDot); // the CLI's refusal before anything compiles
  if (last > 0) {
    Plan plan = engine.plan(expression, shapes, lowerOptions.dtype,
                            CallOptions{.legacyBatchDot = legacyBatchDot});
    std::string before = plan.explain(ExplainStage::Index);
    const std::pair<int, ExplainStage> order[] = {{1, ExplainStage::Path},
                                                  {2, ExplainStage::Loops},
                                                  {3, ExplainStage::LLVM},
                                                  {4, ExplainStage::Assembly}};
    const char* const keys[] = {"path", "loops", "llvm", "asm"};
    for (std::size_t i = 0; i < std::size(order) && order[i].first <= last; ++i) {
      std::string text = plan.explain(order[i].second);
      if (text.size() > before.size()) // plans of fewer than three operands have no path
        options.stages.push_back(sectionBetween(before, text, keys[i]));
      before = std::move(text);
    }
  }
  return ExplainResult{cli::explainText(lowered, options), cli::explainJson(lowered, options)};
}

} // namespace einjit::python
