// `einjit cache stats|list|clear [--dir D]`: the persistent kernel cache's directory, what it
// holds, and emptying it. The directory is the one an Engine would use (EINJIT_CACHE_DIR, …).
#include "CommandLine.h"
#include "driver/KernelCacheFiles.h"
#include "einjit/error.h"
#include "support/Format.h"

#include <filesystem>
#include <iostream>
#include <sstream>

namespace einjit::cli {

namespace {

std::string cacheDirectoryOf(const ParsedArguments& parsed) {
  std::string directory =
      parsed.has("--dir") ? parsed.get("--dir") : driver::defaultKernelCacheDirectory();
  if (directory.empty())
    throw Error(ErrorKind::Misuse,
                "cache: the persistent kernel cache is off (EINJIT_CACHE_DIR=off, or neither "
                "XDG_CACHE_HOME nor HOME is set); name a directory with --dir D");
  std::error_code error;
  if (std::filesystem::exists(directory, error) && !std::filesystem::is_directory(directory, error))
    throw Error(ErrorKind::Io, "cache: '" + directory + "' is not a directory");
  return directory;
}

std::string ageText(std::int64_t seconds) {
  if (seconds < 120)
    return std::to_string(seconds) + "s";
  if (seconds < 120 * 60)
    return std::to_string(seconds / 60) + "m";
  if (seconds < 48 * 3600)
    return std::to_string(seconds / 3600) + "h";
  return std::to_string(seconds / 86400) + "d";
}

/// "f32 x[a,c] y[c,b] -> out[a,b] (a=2 b=4 c=3)" from a key's loop-nest text: its first line
/// ("loop nest f32, …"), its labels line and one line per tensor access. Only for display: a key
/// of another shape shows its first line.
std::string keySummary(const std::string& key) {
  std::istringstream lines(key);
  std::string line;
  // `einjit compile`'s objects: "einjit compile LIB: ENTRY, ENTRY".
  if (key.rfind("einjit compile ", 0) == 0) {
    std::getline(lines, line);
    std::vector<std::string> entries;
    while (std::getline(lines, line))
      if (line.rfind("entry ", 0) == 0)
        entries.push_back(line.substr(6, line.find(' ', 6) - 6));
    return key.substr(0, key.find('\n')) + ": " + support::join(entries, ", ");
  }
  std::string dtype;
  std::string labels;
  std::vector<std::string> tensors;
  while (std::getline(lines, line)) {
    std::string trimmed = line.substr(std::min(line.find_first_not_of(' '), line.size()));
    if (trimmed.rfind("loop nest ", 0) == 0 && dtype.empty())
      dtype = trimmed.substr(10, trimmed.find_first_of(" ,", 10) - 10);
    else if (trimmed.rfind("labels ", 0) == 0 && labels.empty())
      labels = trimmed.substr(7);
    else if (std::size_t strides = trimmed.find("] strides"); strides != std::string::npos)
      tensors.push_back(trimmed.substr(0, strides + 1));
  }
  if (dtype.empty() || tensors.empty())
    return key.substr(0, key.find('\n'));
  std::string summary = dtype;
  for (std::size_t t = 0; t < tensors.size(); ++t)
    summary += (t + 1 == tensors.size() ? " -> " : " ") + tensors[t];
  return labels.empty() ? summary : summary + " (" + labels + ")";
}

/// The CPU part of a TargetDesc key ("triple/cpu/features").
std::string cpuOf(const std::string& target) {
  std::size_t first = target.find('/');
  if (first == std::string::npos)
    return target;
  return target.substr(first + 1, target.find('/', first + 1) - first - 1);
}

int statsCommand(const std::string& directory) {
  std::vector<driver::KernelCacheFile> files = driver::listKernelCache(directory);
  std::uint64_t bytes = 0;
  std::size_t invalid = 0;
  for (const driver::KernelCacheFile& file : files) {
    bytes += file.bytes;
    invalid += file.valid ? 0 : 1;
  }
  std::cout << "directory: " << directory << "\n"
            << "entries: " << files.size();
  if (invalid != 0)
    std::cout << " (" << invalid << " invalid, replaced when their kernel is next compiled)";
  std::cout << "\nbytes: " << bytes << "\n";
  return 0;
}

int listCommand(const std::string& directory) {
  for (const driver::KernelCacheFile& file : driver::listKernelCache(directory)) {
    std::cout << file.name << "  " << file.bytes << " bytes  " << ageText(file.ageSeconds) << "  ";
    if (file.valid)
      std::cout << cpuOf(file.target) << "  " << keySummary(file.key) << "\n";
    else
      std::cout << "invalid: " << file.problem << "\n";
  }
  return 0;
}

int clearCommand(const std::string& directory) {
  std::size_t removed = driver::clearKernelCache(directory);
  std::cout << "removed " << removed << (removed == 1 ? " file" : " files") << " from " << directory
            << "\n";
  return 0;
}

} // namespace

int cacheCommand(const std::vector<std::string>& args) {
  ParsedArguments parsed = parseArguments(args, {{"--dir", true}}, "cache");
  if (parsed.help) {
    std::cout << kCacheHelp;
    return 0;
  }
  if (parsed.positional.size() != 1)
    throw UsageError("einjit cache takes one action: stats, list or clear");
  const std::string& action = parsed.positional[0];
  if (action != "stats" && action != "list" && action != "clear")
    throw UsageError("einjit cache: unknown action '" + action + "' (actions: stats, list, clear)");
  std::string directory = cacheDirectoryOf(parsed);
  if (action == "stats")
    return statsCommand(directory);
  if (action == "list")
    return listCommand(directory);
  return clearCommand(directory);
}

} // namespace einjit::cli
