// `einjit tune --manifest FILE`: measured tuning ahead of time. Each manifest line names one
// contraction (shapes, dtype, call); its kernels are planned with Tuning::Measure, so the winning
// schedules land in the persistent cache and later engines of this machine reuse them without
// timing. Prints, per line, each kernel's choice and whether it was measured now or found.
#include "CommandLine.h"
#include "einjit/engine.h"
#include "einjit/error.h"

#include <cctype>
#include <fstream>
#include <iostream>
#include <sstream>

namespace einjit::cli {

namespace {

/// One manifest line: "SHAPES DTYPE EXPR", e.g. "1024x1024,1024x1024 f32 ik,kj->ij".
struct ManifestEntry {
  std::size_t line = 0;
  std::string shapes;
  std::string dtype;
  std::string expression;
};

/// The next whitespace-delimited word of `text` from `at`, or "" at the end.
std::string nextWord(const std::string& text, std::size_t& at) {
  while (at < text.size() && std::isspace(static_cast<unsigned char>(text[at])))
    ++at;
  std::size_t start = at;
  while (at < text.size() && !std::isspace(static_cast<unsigned char>(text[at])))
    ++at;
  return text.substr(start, at - start);
}

std::vector<ManifestEntry> readManifest(const std::string& path) {
  std::ifstream file(path);
  if (!file)
    throw Error(ErrorKind::Io, "tune: cannot read the manifest '" + path + "'");
  std::vector<ManifestEntry> entries;
  std::string text;
  for (std::size_t number = 1; std::getline(file, text); ++number) {
    std::size_t at = 0;
    ManifestEntry entry;
    entry.line = number;
    entry.shapes = nextWord(text, at);
    if (entry.shapes.empty() || entry.shapes[0] == '#')
      continue;
    entry.dtype = nextWord(text, at);
    while (at < text.size() && std::isspace(static_cast<unsigned char>(text[at])))
      ++at;
    entry.expression = text.substr(at);
    while (!entry.expression.empty() &&
           std::isspace(static_cast<unsigned char>(entry.expression.back())))
      entry.expression.pop_back();
    if (entry.expression.empty())
      throw UsageError(path + ":" + std::to_string(number) +
                       ": a manifest line is SHAPES DTYPE EXPR (e.g. '64x32,32x16 f32 ik,kj->ij'), "
                       "got '" +
                       text + "'");
    entries.push_back(std::move(entry));
  }
  return entries;
}

/// The lines of a loops explanation that say how each kernel's strategy was chosen.
std::vector<std::string> choiceLines(const std::string& explanation) {
  std::vector<std::string> lines;
  std::istringstream in(explanation);
  std::string line;
  std::string strategy;
  while (std::getline(in, line)) {
    if (std::size_t at = line.find("strategy ");
        line.rfind("loop nest ", 0) == 0 && at != std::string::npos)
      strategy = line.substr(at + 9);
    if (std::size_t at = line.find("why: measured"); at != std::string::npos)
      lines.push_back(strategy + ": " + line.substr(at + 5));
  }
  if (lines.empty() && !strategy.empty())
    lines.push_back(strategy + ": estimated (not timed: a kernel is timed only when its extents "
                               "are constants, its operands contiguous and the target runs here)");
  return lines;
}

/// `text` with every line indented by two spaces (an error's caret lines stay under its text).
std::string indented(const std::string& text) {
  std::string result = "  ";
  for (char c : text) {
    result += c;
    if (c == '\n')
      result += "  ";
  }
  return result;
}

} // namespace

int tuneCommand(const std::vector<std::string>& args) {
  ParsedArguments parsed = parseArguments(
      args, withTargetOptions({{"--manifest", true}, {"--budget", true}, {"--batch-dot", true}}),
      "tune");
  if (parsed.help) {
    std::cout << kTuneHelp;
    return 0;
  }
  if (!parsed.positional.empty())
    throw UsageError("einjit tune takes its contractions from --manifest FILE, got '" +
                     parsed.positional[0] + "'");
  if (!parsed.has("--manifest"))
    throw UsageError("einjit tune needs --manifest FILE (one 'SHAPES DTYPE EXPR' per line)");
  EngineOptions options = engineOptionsFrom(parsed);
  options.tuning = Tuning::Measure;
  if (parsed.has("--budget"))
    options.tuningBudgetMillis =
        static_cast<double>(parseCount(parsed.get("--budget"), "--budget", 1));
  CallOptions callOptions;
  std::string batchDot = parsed.get("--batch-dot", "current");
  if (batchDot != "current" && batchDot != "legacy")
    throw UsageError("--batch-dot must be current or legacy, got '" + batchDot + "'");
  callOptions.legacyBatchDot = batchDot == "legacy";
  std::vector<ManifestEntry> entries = readManifest(parsed.get("--manifest"));
  Engine engine(options);
  int failed = 0;
  int timed = 0;
  int stored = 0;
  const std::string storedSuffix = "(from the persistent cache)";
  for (const ManifestEntry& entry : entries) {
    std::cout << "line " << entry.line << ": " << entry.expression << " (" << entry.shapes << ", "
              << entry.dtype << ")\n";
    try {
      DType dtype = parseDTypeOption(entry.dtype);
      Plan plan = engine.plan(entry.expression, callShapes(entry.expression, entry.shapes), dtype,
                              callOptions);
      for (const std::string& line : choiceLines(plan.explain(ExplainStage::Loops))) {
        bool found = line.ends_with(storedSuffix);
        bool measured = line.find(": measured, ") != std::string::npos;
        timed += measured && !found ? 1 : 0;
        stored += found ? 1 : 0;
        std::cout << "  " << line << "\n";
      }
    } catch (const UsageError& error) {
      ++failed;
      std::cout << indented(std::string("error: ") + error.what()) << "\n";
    } catch (const Error& error) {
      ++failed;
      std::cout << indented(std::string("error: ") + error.what()) << "\n";
    }
  }
  std::cout << entries.size() << " contractions, " << failed << " failed; kernels timed now "
            << timed << ", choices read from the persistent cache " << stored << "\n";
  return failed == 0 ? 0 : 1;
}

} // namespace einjit::cli
