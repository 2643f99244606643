// What the subcommands share: their argument parsing (`--name value` or `--name=value`), the
// usage error that makes einjit exit with status 2, and one entry point per subcommand.
#pragma once

#include "einjit/dtype.h"
#include "einjit/engine.h"

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace einjit::cli {

/// A command line einjit cannot make sense of; main prints it with a hint and exits with 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// An option a subcommand accepts: "--shapes" (with a value) or "--json" (a flag).
struct OptionSpec {
  std::string name;
  bool takesValue = false;
};

struct ParsedArguments {
  std::map<std::string, std::string> options; ///< flags map to ""
  std::vector<std::string> positional;
  bool help = false;

  bool has(const std::string& name) const { return options.count(name) != 0; }
  std::string get(const std::string& name, const std::string& fallback = "") const;
};

/// Splits `args` into options and positional arguments; throws UsageError for an unknown
/// option, a missing value or an option given twice. `--` ends the options.
ParsedArguments parseArguments(const std::vector<std::string>& args,
                               const std::vector<OptionSpec>& specs, const std::string& command);

/// A real number given on the command line, or UsageError naming the option.
double parseNumber(const std::string& text, const std::string& option);

/// A whole number >= `minimum` given on the command line, or UsageError naming the option.
std::int64_t parseCount(const std::string& text, const std::string& option, std::int64_t minimum);

/// The value of --dtype, or UsageError listing the dtypes.
DType parseDTypeOption(const std::string& text, const std::string& flag = "--dtype");
/// CallOptions from --batch-dot and --output-dtype.
CallOptions callOptionsFrom(const ParsedArguments& parsed);

/// The value of --batch-dot: true for "legacy" (CallOptions::legacyBatchDot), false for
/// "current"; UsageError otherwise.
bool parseBatchDotOption(const std::string& text);

/// The value of --threads (RunOptions::threads): a count >= 1, or UsageError.
int parseThreadsOption(const std::string& text);

/// The value of --strategy (EngineOptions::strategy): auto, direct, small or streaming, or
/// UsageError listing them.
Strategy parseStrategyOption(const std::string& text);

/// --target, else $EINJIT_TARGET, else "host": the CPU kernels are generated for.
std::string targetOption(const ParsedArguments& parsed);

/// --cache-sizes L1d,L2,L3, else $EINJIT_CACHE_SIZES; nullopt when neither is set. UsageError
/// naming the source for a malformed value.
std::optional<CacheSizes> cacheSizesOption(const ParsedArguments& parsed);

/// The options every compiling subcommand accepts besides its own: --target, --cache-sizes.
extern const std::vector<OptionSpec> kTargetOptions;

/// Specs followed by kTargetOptions.
std::vector<OptionSpec> withTargetOptions(std::vector<OptionSpec> specs);

/// Prints an engine's diagnostic on stderr: "einjit: warning: MESSAGE", or "einjit: MESSAGE"
/// for the statistics EINJIT_STATS=1 asks for (EngineOptions::diagnostics).
void printDiagnostic(const Diagnostic& diagnostic);

/// Engine options from the flags every compiling subcommand shares (--strategy, --tune, --target,
/// --cache-sizes; the last two default to $EINJIT_TARGET and $EINJIT_CACHE_SIZES), diagnostics
/// printed by printDiagnostic.
EngineOptions engineOptionsFrom(const ParsedArguments& parsed);

/// The subcommands; each returns the exit status.
int explainCommand(const std::vector<std::string>& args);
int runCommand(const std::vector<std::string>& args);
int benchCommand(const std::vector<std::string>& args);
int demoCommand(const std::vector<std::string>& args);
int compileCommand(const std::vector<std::string>& args);
int cacheCommand(const std::vector<std::string>& args);
int targetCommand(const std::vector<std::string>& args);
int tuneCommand(const std::vector<std::string>& args);
int optCommand(const std::vector<std::string>& args);

/// The help texts (`einjit --help`, `einjit CMD --help`).
extern const char* const kMainHelp;
extern const std::string kExplainHelp;
extern const std::string kRunHelp;
extern const std::string kBenchHelp;
extern const char* const kDemoHelp;
extern const char* const kCompileHelp;
extern const char* const kCacheHelp;
extern const char* const kTargetHelp;
extern const std::string kTuneHelp;
extern const std::string kOptHelp;

} // namespace einjit::cli
