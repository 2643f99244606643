// `einjit explain EXPR --shapes S [--dtype T] [--json] [--emit=index] [--batch-dot=...]`.
#include "CommandLine.h"
#include "Explanation.h"

#include <iostream>

namespace einjit::cli {

namespace {

DType parseDTypeOption(const std::string& text) {
  std::optional<DType> dtype = parseDType(text);
  if (!dtype)
    throw UsageError("--dtype must be one of f32 f64 i32 i64 c64 c128 (or numpy's float32, ...), "
                     "got '" +
                     text + "'");
  return *dtype;
}

} // namespace

int explainCommand(const std::vector<std::string>& args) {
  ParsedArguments parsed = parseArguments(args,
                                          {{"--shapes", true},
                                           {"--dtype", true},
                                           {"--json", false},
                                           {"--emit", true},
                                           {"--batch-dot", true}},
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
  if (parsed.has("--emit")) {
    if (parsed.get("--emit") != "index")
      throw UsageError("--emit: the stage available is 'index', got '" + parsed.get("--emit") +
                       "'");
    options.emitIndex = true;
  }
  if (parsed.has("--batch-dot"))
    options.batchDot = parseBatchDotChoice(parsed.get("--batch-dot"));
  frontend::LowerOptions lowerOptions;
  if (parsed.has("--dtype"))
    lowerOptions.dtype = parseDTypeOption(parsed.get("--dtype"));

  frontend::ShapeBinding shapes = frontend::parseShapes(parsed.get("--shapes"));
  frontend::LoweredCall lowered =
      frontend::lowerCallText(parsed.positional[0], shapes, lowerOptions);
  std::cout << (parsed.has("--json") ? explainJson(lowered, options)
                                     : explainText(lowered, options));
  return 0;
}

} // namespace einjit::cli
