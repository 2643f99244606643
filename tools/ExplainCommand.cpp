// `einjit explain EXPR --shapes S [--dtype T] [--json] [--emit=index|path|passes|loops|llvm|asm]
// [--batch-dot=...] [--strategy=...]`. The stages after `index` come from the JIT plan
// (Plan::explain), but for `passes`, the pass pipeline's log (PassLog.cpp).
#include "CommandLine.h"
#include "Explanation.h"
#include "Measurement.h"
#include "PassLog.h"
#include "einjit/engine.h"
#include "einjit/error.h"

#include <iostream>
#include <optional>

namespace einjit::cli {

namespace {

/// The --emit stages, ordered: each implies the ones before it (but `passes` not `loops`).
enum class EmitStage { Index, Path, Passes, Loops, LLVM, Assembly };

EmitStage parseEmitStage(const std::string& text) {
  if (text == "index")
    return EmitStage::Index;
  if (text == "path")
    return EmitStage::Path;
  if (text == "passes")
    return EmitStage::Passes;
  if (text == "loops")
    return EmitStage::Loops;
  if (text == "llvm")
    return EmitStage::LLVM;
  if (text == "asm")
    return EmitStage::Assembly;
  // The first stages in the order they imply each other; `passes` stands beside them.
  throw UsageError("--emit must be one of index, path, loops, llvm, asm, got '" + text +
                   "' (or passes: the IR after every pass)");
}

// Plan::explain(stage) extends Plan::explain(the stage before) by one section that opens with
// a "name (detail):" line; the section is what the longer text adds.
EmittedStage sectionBetween(const std::string& shorter, const std::string& longer,
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
  return EmittedStage{key, heading, text};
}

std::vector<EmittedStage> compiledStages(const ir::IndexProgram& program, EmitStage last,
                                         const EngineOptions& engineOptions) {
  Engine engine(engineOptions);
  Plan plan = compilePlan(engine, program).plan;
  std::vector<EmittedStage> stages;
  std::string before = plan.explain(ExplainStage::Index);
  const std::pair<EmitStage, ExplainStage> order[] = {
      {EmitStage::Path, ExplainStage::Path},
      {EmitStage::Loops, ExplainStage::Loops},
      {EmitStage::LLVM, ExplainStage::LLVM},
      {EmitStage::Assembly, ExplainStage::Assembly}};
  const char* const keys[] = {"path", "loops", "llvm", "asm"};
  for (std::size_t i = 0; i < std::size(order) && order[i].first <= last; ++i) {
    std::string text = plan.explain(order[i].second);
    // Plans of fewer than three operands have no path section.
    if (text.size() > before.size())
      stages.push_back(sectionBetween(before, text, keys[i]));
    before = std::move(text);
  }
  return stages;
}

} // namespace

int explainCommand(const std::vector<std::string>& args) {
  ParsedArguments parsed = parseArguments(args,
                                          withTargetOptions({{"--shapes", true},
                                                             {"--dtype", true},
                                                             {"--json", false},
                                                             {"--emit", true},
                                                             {"--batch-dot", true},
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
  ExplainOptions options;
  std::optional<EmitStage> emit;
  if (parsed.has("--emit"))
    emit = parseEmitStage(parsed.get("--emit"));
  options.emitIndex = emit.has_value();
  if (parsed.has("--batch-dot"))
    options.batchDot = parseBatchDotChoice(parsed.get("--batch-dot"));
  EngineOptions engineOptions = engineOptionsFrom(parsed);
  frontend::LowerOptions lowerOptions;
  if (parsed.has("--dtype"))
    lowerOptions.dtype = parseDTypeOption(parsed.get("--dtype"));

  frontend::ShapeBinding shapes = frontend::parseShapes(parsed.get("--shapes"));
  frontend::LoweredCall lowered =
      frontend::lowerCallText(parsed.positional[0], shapes, lowerOptions);
  if (emit && *emit > EmitStage::Index)
    options.stages = compiledStages(chosenProgram(lowered, options.batchDot), *emit, engineOptions);
  if (emit == EmitStage::Passes)
    options.stages.push_back(passesStage(chosenProgram(lowered, options.batchDot), parsed));
  std::cout << (parsed.has("--json") ? explainJson(lowered, options)
                                     : explainText(lowered, options));
  return 0;
}

} // namespace einjit::cli
