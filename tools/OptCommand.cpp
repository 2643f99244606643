// `einjit opt --pass=NAME FILE|- [--strategy=S] [--target CPU] [--cache-sizes L1d,L2,L3]`: reads
// a LoopNest text (what `explain --emit=passes` prints, or --emit=loops' summary), runs one
// scheduling pass on it, verifies the result and prints it: the pass tests' IR in, IR out. The
// pass runs in the driver (driver/PassRunner.h) with the options an Engine for these flags has.
#include "CommandLine.h"
#include "driver/PassRunner.h"
#include "einjit/error.h"
#include "support/Format.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

namespace einjit::cli {

namespace {

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
  std::vector<std::string> passNames = driver::loopPassNames();
  if (!parsed.has("--pass"))
    throw UsageError("einjit opt needs --pass=NAME (" + support::join(passNames, ", ") + ")");
  std::string pass = parsed.get("--pass");
  if (std::find(passNames.begin(), passNames.end(), pass) == passNames.end())
    throw UsageError("--pass must be one of " + support::join(passNames, ", ") + ", got '" + pass +
                     "'");
  std::string text = readInput(parsed.positional[0]);
  // What the Engine's passes would get for these flags: the target's vectors and caches.
  EngineOptions options = engineOptionsFrom(parsed);
  options.persistentCache = false;
  TargetInfo target = Engine(options).target();
  std::cout << driver::runLoopPass(text, pass, target, options.strategy);
  return 0;
}

} // namespace einjit::cli
