// `einjit compile EXPR --shapes S [--dtype T] --name NAME -o DIR [--target CPU]
// [--single-threaded]` and `einjit compile --manifest FILE --name LIB -o DIR [...]`: kernels
// compiled ahead of time into DIR/NAME.o (entry points NAME and NAME_strided) and a documented C
// header DIR/NAME.h. The command line and the files are here; reading the calls (as explain and
// run read them: --batch-dot, --output-dtype), lowering and compiling are the driver's
// (driver/AotCompile.h).
#include "AotHeader.h"
#include "CommandLine.h"
#include "driver/AotCompile.h"
#include "einjit/error.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>

namespace einjit::cli {

namespace {

bool isCIdentifier(const std::string& text) {
  if (text.empty() || std::isdigit(static_cast<unsigned char>(text[0])))
    return false;
  for (char c : text)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
      return false;
  return true;
}

std::string checkedName(const std::string& name, const std::string& origin) {
  if (!isCIdentifier(name))
    throw Error(ErrorKind::Argument,
                "compile: " + origin + "the name '" + name +
                    "' is not a C identifier (letters, digits and _, not starting with a digit)");
  return name;
}

// A manifest line: NAME SHAPES DTYPE EXPR..., '#' starts a comment line. Every line is read
// with `callOptions` (the command line's --batch-dot and --output-dtype).
std::vector<driver::AotRequest> readManifest(const std::string& path,
                                             const CallOptions& callOptions) {
  std::ifstream file(path);
  if (!file)
    throw Error(ErrorKind::Io, "compile: cannot read the manifest " + path);
  std::vector<driver::AotRequest> requests;
  std::string line;
  for (int number = 1; std::getline(file, line); ++number) {
    std::istringstream words(line);
    driver::AotRequest request;
    std::string dtype;
    if (!(words >> request.name) || request.name[0] == '#')
      continue;
    request.origin = path + ":" + std::to_string(number) + ": ";
    words >> request.shapes >> dtype;
    std::getline(words >> std::ws, request.expression);
    if (request.expression.empty())
      throw Error(ErrorKind::Syntax, "compile: " + request.origin +
                                         "expected 'NAME SHAPES DTYPE EXPR', got '" + line + "'");
    std::optional<DType> parsed = parseDType(dtype);
    if (!parsed)
      throw Error(ErrorKind::Argument, "compile: " + request.origin + "unknown dtype '" + dtype +
                                           "' (f32, f64, i32, i64, c64, c128, bf16, f16)");
    request.dtype = *parsed;
    request.callOptions = callOptions;
    checkedName(request.name, request.origin);
    requests.push_back(std::move(request));
  }
  if (requests.empty())
    throw Error(ErrorKind::Argument, "compile: the manifest " + path + " names no kernel");
  return requests;
}

void writeFile(const std::filesystem::path& path, const std::string& contents) {
  std::ofstream file(path, std::ios::binary);
  file << contents;
  file.close();
  if (!file)
    throw Error(ErrorKind::Io, "compile: cannot write " + path.string());
}

} // namespace

int compileCommand(const std::vector<std::string>& args) {
  ParsedArguments parsed = parseArguments(args,
                                          {{"--shapes", true},
                                           {"--dtype", true},
                                           {"--name", true},
                                           {"-o", true},
                                           {"--target", true},
                                           {"--cache-sizes", true},
                                           {"--manifest", true},
                                           {"--batch-dot", true},
                                           {"--output-dtype", true},
                                           {"--single-threaded", false},
                                           {"--no-cache", false}},
                                          "compile");
  if (parsed.help) {
    std::cout << kCompileHelp;
    return 0;
  }
  if (!parsed.has("--name"))
    throw UsageError("einjit compile needs --name NAME (the entry point, and the file names "
                     "NAME.o and NAME.h)");
  if (!parsed.has("-o"))
    throw UsageError("einjit compile needs -o DIR (where NAME.o and NAME.h go)");
  std::string library = checkedName(parsed.get("--name"), "--name: ");
  CallOptions callOptions = callOptionsFrom(parsed);
  std::vector<driver::AotRequest> requests;
  if (parsed.has("--manifest")) {
    if (!parsed.positional.empty() || parsed.has("--shapes") || parsed.has("--dtype"))
      throw UsageError("einjit compile --manifest takes no EXPR, --shapes or --dtype (each "
                       "manifest line has its own)");
    requests = readManifest(parsed.get("--manifest"), callOptions);
  } else {
    if (parsed.positional.size() != 1)
      throw UsageError("einjit compile takes one EXPR (quote it), got " +
                       std::to_string(parsed.positional.size()) + " arguments");
    if (!parsed.has("--shapes"))
      throw UsageError("einjit compile needs --shapes, e.g. --shapes x=2x3x4,y=2x4x5");
    driver::AotRequest request;
    request.name = library;
    request.expression = parsed.positional[0];
    request.shapes = parsed.get("--shapes");
    if (parsed.has("--dtype"))
      request.dtype = parseDTypeOption(parsed.get("--dtype"));
    request.callOptions = callOptions;
    requests.push_back(std::move(request));
  }
  std::set<std::string> seen;
  for (const driver::AotRequest& request : requests)
    if (!seen.insert(request.name).second || !seen.insert(request.name + "_strided").second)
      throw Error(ErrorKind::Argument, "compile: " + request.origin + "the name " + request.name +
                                           " is used twice (each name also defines NAME_strided)");

  // Objects for the host block for its caches; for a named CPU, for the ones given or the
  // stated defaults, since the machine that runs them is not this one.
  std::optional<CacheSizes> pinned = cacheSizesOption(parsed);
  driver::AotOptions options = driver::aotOptions(
      targetOption(parsed), pinned, !parsed.has("--single-threaded"), "compile: --target");
  std::vector<driver::AotKernel> kernels;
  std::size_t entryCount = 0;
  for (const driver::AotRequest& request : requests) {
    kernels.push_back(driver::lowerAot(request, options));
    entryCount += kernels.back().hasStridedEntry ? 2 : 1;
  }
  driver::AotCache cache;
  if (parsed.has("--no-cache"))
    cache.directory.clear();
  cache.warn = [](const std::string& message) {
    printDiagnostic(Diagnostic{Diagnostic::Kind::Warning, message});
  };
  driver::AotObjectCode code = driver::compileAot(library, kernels, options.target, cache);

  std::filesystem::path directory = parsed.get("-o");
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error)
    throw Error(ErrorKind::Io, "compile: cannot create the directory " + directory.string() + ": " +
                                   error.message());
  writeFile(directory / (library + ".o"), code.object);
  writeFile(directory / (library + ".h"), aotHeaderText(library, kernels, options));
  std::cout << "einjit: wrote " << (directory / (library + ".o")).string() << " and "
            << (directory / (library + ".h")).string() << " (" << entryCount
            << (entryCount == 1 ? " entry point" : " entry points") << ", " << options.target.cpu
            << (options.threaded ? ", threaded: link einjit_rt" : ", single-threaded")
            << (code.fromCache ? ", from the kernel cache" : "") << ")\n";
  return 0;
}

} // namespace einjit::cli
