#include "CommandLine.h"

#include "driver/TargetFlags.h"
#include "einjit/error.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <limits>

namespace einjit::cli {

std::string ParsedArguments::get(const std::string& name, const std::string& fallback) const {
  auto found = options.find(name);
  return found == options.end() ? fallback : found->second;
}

ParsedArguments parseArguments(const std::vector<std::string>& args,
                               const std::vector<OptionSpec>& specs, const std::string& command) {
  ParsedArguments parsed;
  bool optionsEnded = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    bool looksLikeOption = arg.size() > 1 && arg[0] == '-' && !optionsEnded;
    if (!looksLikeOption) {
      parsed.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      optionsEnded = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      parsed.help = true;
      continue;
    }
    std::size_t equals = arg.find('=');
    std::string name = arg.substr(0, equals);
    const OptionSpec* spec = nullptr;
    for (const OptionSpec& candidate : specs)
      if (candidate.name == name)
        spec = &candidate;
    if (!spec)
      throw UsageError("einjit " + command + ": unknown option '" + name + "'");
    if (parsed.has(name))
      throw UsageError("einjit " + command + ": option '" + name + "' is given twice");
    std::string value;
    if (spec->takesValue) {
      if (equals != std::string::npos)
        value = arg.substr(equals + 1);
      else if (i + 1 < args.size())
        value = args[++i];
      else
        throw UsageError("einjit " + command + ": option '" + name + "' needs a value");
    } else if (equals != std::string::npos) {
      throw UsageError("einjit " + command + ": option '" + name + "' takes no value");
    }
    parsed.options[name] = value;
  }
  return parsed;
}

double parseNumber(const std::string& text, const std::string& option) {
  errno = 0;
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(value))
    throw UsageError(option + " needs a finite real number, got '" + text + "'");
  return value;
}

std::int64_t parseCount(const std::string& text, const std::string& option, std::int64_t minimum) {
  errno = 0;
  char* end = nullptr;
  long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE || value < minimum)
    throw UsageError(option + " needs a whole number >= " + std::to_string(minimum) + ", got '" +
                     text + "'");
  return value;
}

CallOptions callOptionsFrom(const ParsedArguments& parsed) {
  CallOptions options;
  if (parsed.has("--batch-dot"))
    options.legacyBatchDot = parseBatchDotOption(parsed.get("--batch-dot"));
  if (parsed.has("--output-dtype"))
    options.outputDtype = parseDTypeOption(parsed.get("--output-dtype"), "--output-dtype");
  return options;
}

DType parseDTypeOption(const std::string& text, const std::string& flag) {
  std::optional<DType> dtype = parseDType(text);
  if (!dtype)
    throw UsageError(flag +
                     " must be one of f32 f64 i32 i64 c64 c128 bf16 f16 (or numpy's "
                     "float32, bfloat16, half, ...), got '" +
                     text + "'");
  return *dtype;
}

Strategy parseStrategyOption(const std::string& text) {
  if (text == "auto")
    return Strategy::Auto;
  if (text == "direct")
    return Strategy::Direct;
  if (text == "small")
    return Strategy::Small;
  if (text == "streaming")
    return Strategy::Streaming;
  if (text == "packed")
    return Strategy::Packed;
  throw UsageError("--strategy must be one of auto, direct, small, streaming, packed, got '" +
                   text + "'");
}

std::string targetOption(const ParsedArguments& parsed) {
  if (parsed.has("--target"))
    return parsed.get("--target");
  const char* fromEnvironment = std::getenv("EINJIT_TARGET");
  return fromEnvironment && *fromEnvironment ? fromEnvironment : "host";
}

std::optional<CacheSizes> cacheSizesOption(const ParsedArguments& parsed) {
  std::string source = "--cache-sizes";
  std::string text;
  if (parsed.has("--cache-sizes")) {
    text = parsed.get("--cache-sizes");
  } else if (const char* fromEnvironment = std::getenv("EINJIT_CACHE_SIZES")) {
    source = "EINJIT_CACHE_SIZES";
    text = fromEnvironment;
  } else {
    return std::nullopt;
  }
  std::string error;
  std::optional<CacheSizes> caches = driver::parseCacheSizes(text, error);
  if (!caches)
    throw UsageError(source + ": " + error);
  return caches;
}

const std::vector<OptionSpec> kTargetOptions = {{"--target", true}, {"--cache-sizes", true}};

std::vector<OptionSpec> withTargetOptions(std::vector<OptionSpec> specs) {
  specs.insert(specs.end(), kTargetOptions.begin(), kTargetOptions.end());
  return specs;
}

void printDiagnostic(const Diagnostic& diagnostic) {
  std::cerr << (diagnostic.kind == Diagnostic::Kind::Warning ? "einjit: warning: " : "einjit: ")
            << diagnostic.message << "\n";
}

EngineOptions engineOptionsFrom(const ParsedArguments& parsed) {
  EngineOptions options;
  options.diagnostics = printDiagnostic;
  if (parsed.has("--strategy"))
    options.strategy = parseStrategyOption(parsed.get("--strategy"));
  options.target = targetOption(parsed);
  // A bad name is reported as the flag or variable that gave it, before any engine is built.
  if (options.target != "host")
    driver::checkTargetName(options.target, parsed.has("--target") ? "--target" : "EINJIT_TARGET");
  if (std::optional<CacheSizes> caches = cacheSizesOption(parsed))
    options.cacheSizes = *caches;
  if (parsed.has("--tune"))
    parseTuning(parsed.get("--tune"), options, "--tune");
  return options;
}

bool parseBatchDotOption(const std::string& text) {
  if (text == "current")
    return false;
  if (text == "legacy")
    return true;
  throw UsageError("--batch-dot must be 'current' or 'legacy', got '" + text + "'");
}

int parseThreadsOption(const std::string& text) {
  std::int64_t threads = parseCount(text, "--threads", 1);
  if (threads > std::numeric_limits<int>::max())
    throw UsageError("--threads needs a whole number >= 1 that fits an int, got '" + text + "'");
  return static_cast<int>(threads);
}

} // namespace einjit::cli
