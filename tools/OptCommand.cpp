// `einjit opt --pass=NAME FILE|- [--strategy=S] [--target CPU] [--cache-sizes L1d,L2,L3]`: reads
// a LoopNest text (what `explain --emit=passes` prints, or --emit=loops' summary), runs one
// scheduling pass on it, verifies the result and prints it: the pass tests' IR in, IR out.
#include "CommandLine.h"
#include "PassLog.h"
#include "einjit/error.h"
#include "ir/LoopNest.h"

#include <fstream>
#include <iostream>
#include <sstream>

namespace einjit::cli {

namespace {

std::string passNames() {
  std::string names;
  for (const passes::LoopPass& pass : passes::loopPasses())
    names += (names.empty() ? "" : ", ") + std::string(pass.name);
  return names;
}

std::string readInput(const std::string& path) {
  std::ostringstream text;
  if (path == "-") {
    text << std::cin.rdbuf();
    return text.str();
  }
  std::ifstream file(path, std::ios::binary);
  if (!file)
    throw Error(ErrorKind::Argument, "opt: cannot read '" + path + "'");
  text << file.rdbuf();
  return text.str();
}

} // namespace

int optCommand(const std::vector<std::string>& args) {
  ParsedArguments parsed =
      parseArguments(args, withTargetOptions({{"--pass", true}, {"--strategy", true}}), "opt");
  if (parsed.help) {
    std::cout << kOptHelp;
    return 0;
  }
  if (parsed.positional.size() != 1)
    throw UsageError("einjit opt takes one FILE (or - for stdin), got " +
                     std::to_string(parsed.positional.size()) + " arguments");
  if (!parsed.has("--pass"))
    throw UsageError("einjit opt needs --pass=NAME (" + passNames() + ")");
  const passes::LoopPass* pass = passes::findLoopPass(parsed.get("--pass"));
  if (!pass)
    throw UsageError("--pass must be one of " + passNames() + ", got '" + parsed.get("--pass") +
                     "'");
  ir::LoopNest nest = ir::parseLoopNest(readInput(parsed.positional[0]));
  ir::LoopNest after = pass->run(nest, loopOptionsFrom(parsed));
  ir::verify(after);
  std::cout << ir::toIRText(after);
  return 0;
}

} // namespace einjit::cli
