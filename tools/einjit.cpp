// The einjit command-line tool: picks the subcommand, and turns every failure into a message on
// stderr ("einjit: error: ...") and an exit status (1 for bad input, 2 for a bad command line).
#include "CommandLine.h"
#include "einjit/error.h"

#include <iostream>
#include <new>

namespace {

int dispatch(const std::vector<std::string>& args) {
  using namespace einjit::cli;
  if (args.empty()) {
    std::cerr << kMainHelp;
    return 2;
  }
  const std::string& command = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kMainHelp;
    return 0;
  }
  if (command == "explain")
    return explainCommand(rest);
  if (command == "run")
    return runCommand(rest);
  if (command == "bench")
    return benchCommand(rest);
  if (command == "demo")
    return demoCommand(rest);
  if (command == "compile")
    return compileCommand(rest);
  if (command == "cache")
    return cacheCommand(rest);
  if (command == "target")
    return targetCommand(rest);
  if (command == "tune")
    return tuneCommand(rest);
  if (command == "opt")
    return optCommand(rest);
  throw UsageError("unknown command '" + command +
                   "' (commands: explain, run, bench, demo, compile, cache, target, tune, opt)");
}

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return dispatch(args);
  } catch (const einjit::cli::UsageError& error) {
    std::cerr << "einjit: error: " << error.what() << "\n"
              << "(run 'einjit --help' or 'einjit COMMAND --help')\n";
    return 2;
  } catch (const einjit::Error& error) {
    std::cerr << "einjit: error: " << error.what() << "\n";
    return 1;
  } catch (const std::bad_alloc&) {
    std::cerr << "einjit: error: out of memory\n";
    return 1;
  } catch (const std::exception& error) {
    std::cerr << "einjit: error: " << error.what() << "\n";
    return 1;
  }
}
