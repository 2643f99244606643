// `einjit explain EXPR --shapes S [--dtype T] [--json] [--emit=index|path|passes|loops|llvm|asm]
// [--batch-dot=...] [--strategy=...]`: Engine::explain's Explanation, printed as its text() or
// json().
#include "CommandLine.h"
#include "einjit/engine.h"

#include <iostream>
#include <optional>

namespace einjit::cli {

namespace {

/// The --emit stage: each implies the ones before it, but `passes` (the stages up to the path,
/// then the IR after every pass) stands beside them.
ExplainStage parseEmitStage(const std::string& text) {
  if (text == "index")
    return ExplainStage::Index;
  if (text == "path")
    return ExplainStage::Path;
  if (text == "passes")
    return ExplainStage::Passes;
  if (text == "loops")
    return ExplainStage::Loops;
  if (text == "llvm")
    return ExplainStage::LLVM;
  if (text == "asm")
    return ExplainStage::Assembly;
  // The first stages in the order they imply each other; `passes` stands beside them.
  throw UsageError("--emit must be one of index, path, loops, llvm, asm, got '" + text +
                   "' (or passes: the IR after every pass)");
}

} // namespace

int explainCommand(const std::vector<std::string>& args) {
  ParsedArguments parsed = parseArguments(args,
                                          withTargetOptions({{"--shapes", true},
                                                             {"--dtype", true},
                                                             {"--json", false},
                                                             {"--emit", true},
                                                             {"--batch-dot", true},
                                                             {"--output-dtype", true},
                                                             {"--strategy", true},
                                                             {"--tune", true}}),
                                          "explain");
  if (parsed.help) {
    std::cout << kExplainHelp;
    return 0;
  }
  if (parsed.positional.size() != 1)
    throw UsageError("einjit explain takes one EXPR (quote it), got " +
                     std::to_string(parsed.positional.size()) + " arguments");
  if (!parsed.has("--shapes"))
    throw UsageError("einjit explain needs --shapes, e.g. --shapes x=2x3x4,y=2x3x4");
  std::optional<ExplainStage> emit;
  if (parsed.has("--emit"))
    emit = parseEmitStage(parsed.get("--emit"));
  CallOptions callOptions = callOptionsFrom(parsed);
  DType dtype = parsed.has("--dtype") ? parseDTypeOption(parsed.get("--dtype")) : DType::f32;
  EngineOptions engineOptions = engineOptionsFrom(parsed);

  const std::string& expression = parsed.positional[0];
  std::vector<Shape> shapes = callShapes(expression, parsed.get("--shapes"));
  Engine engine(engineOptions);
  Explanation explanation = engine.explain(expression, shapes, dtype, callOptions, emit);
  std::cout << (parsed.has("--json") ? explanation.json() : explanation.text());
  return 0;
}

} // namespace einjit::cli
