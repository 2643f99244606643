// `einjit compile EXPR --shapes S [--dtype T] --name NAME -o DIR [--target CPU]
// [--single-threaded]` and `einjit compile --manifest FILE --name LIB -o DIR [...]`: kernels
// compiled ahead of time into DIR/NAME.o (entry points NAME and NAME_strided) and a documented C
// header DIR/NAME.h.
#include "AotHeader.h"
#include "CommandLine.h"
#include "codegen/AotObject.h"
#include "einjit/error.h"
#include "frontend/CallText.h"
#include "ir/LoopNest.h"
#include "jit/DiskCache.h"
#include "passes/Passes.h"

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

/// One kernel to compile, from the command line or a manifest line.
struct KernelRequest {
  std::string name;
  std::string expression;
  std::string shapes;
  DType dtype = DType::f32;
  std::string origin; ///< "FILE:LINE: " for manifest lines, so errors point at the line
};

bool isCIdentifier(const std::string& text) {
  if (text.empty() || std::isdigit(static_cast<unsigned char>(text[0])))
    return false;
  for (char c : text)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
      return false;
  return true;
}

// Operand names become C parameter names; these would not compile or would clash.
std::string parameterName(const std::string& operand) {
  static const std::set<std::string> reserved = {
      "out",   "alpha", "beta",   "auto",     "char",  "const",  "double",   "float", "int",
      "long",  "short", "signed", "unsigned", "void",  "static", "register", "if",    "for",
      "while", "do",    "return", "struct",   "union", "enum",   "new",      "delete"};
  return reserved.count(operand) ? operand + "_in" : operand;
}

std::int64_t elementCount(const Shape& shape) {
  std::int64_t count = 1;
  for (std::int64_t extent : shape)
    count *= extent;
  return count;
}

std::string checkedName(const std::string& name, const std::string& origin) {
  if (!isCIdentifier(name))
    throw Error(ErrorKind::Argument,
                "compile: " + origin + "the name '" + name +
                    "' is not a C identifier (letters, digits and _, not starting with a digit)");
  return name;
}

// A manifest line: NAME SHAPES DTYPE EXPR..., '#' starts a comment line.
std::vector<KernelRequest> readManifest(const std::string& path) {
  std::ifstream file(path);
  if (!file)
    throw Error(ErrorKind::Io, "compile: cannot read the manifest " + path);
  std::vector<KernelRequest> requests;
  std::string line;
  for (int number = 1; std::getline(file, line); ++number) {
    std::istringstream words(line);
    KernelRequest request;
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
    checkedName(request.name, request.origin);
    requests.push_back(std::move(request));
  }
  if (requests.empty())
    throw Error(ErrorKind::Argument, "compile: the manifest " + path + " names no kernel");
  return requests;
}

struct CompiledRequest {
  AotHeaderEntry header;
  codegen::AotEntryPoint entry;        ///< contiguous operands: every stride compiled in
  codegen::AotEntryPoint stridedEntry; ///< NAME_strided: strides passed at run time (no ravel)
};

// Strides the strided entry point may assume: only that extent-1 dimensions are never stepped.
passes::StrideClass runtimeStrideClass(const Shape& shape) {
  passes::StrideClass strideClass;
  for (std::int64_t extent : shape)
    strideClass.push_back(extent == 1 ? std::optional<std::int64_t>(0) : std::nullopt);
  return strideClass;
}

/// What the entry points of one request share: the program's parameters and prologues.
struct EntryShape {
  std::vector<std::size_t> sources; ///< per program operand: the input parameter it reads
  std::size_t inputs = 0;           ///< distinct input parameters
  std::vector<codegen::AotNormalize> normalized;
  std::vector<std::optional<std::size_t>> normalizedOfOperand; ///< per program operand
  bool threaded = true;
};

codegen::AotEntryPoint entryPoint(const std::string& name, const ir::IndexProgram& program,
                                  const EntryShape& shape, bool strided,
                                  const codegen::TargetDesc& target,
                                  const support::CacheSizes& caches) {
  // A normalized operand is read from its contiguous copy in the scratch buffer.
  auto strideClass = [&](const Shape& extents, bool copy) {
    return strided && !copy ? runtimeStrideClass(extents)
                            : passes::contiguousStrideClass(extents, true);
  };
  std::vector<passes::StrideClass> classes;
  for (std::size_t t = 0; t < program.operands.size(); ++t)
    classes.push_back(
        strideClass(program.operandShape(t), shape.normalizedOfOperand[t].has_value()));
  passes::Contraction contraction =
      passes::makeContraction(program, classes, strideClass(program.outputShape(), false), true);
  passes::LoopOptions loopOptions;
  loopOptions.vectorBits = target.vectorBits;
  loopOptions.vectorRegisters = target.vectorRegisters;
  loopOptions.bf16DotProduct = target.bf16DotProduct;
  loopOptions.caches = caches;
  codegen::AotEntryPoint entry;
  entry.name = name;
  entry.strided = strided;
  entry.threaded = shape.threaded;
  entry.nest = passes::lowerContraction(contraction, loopOptions);
  // A single-threaded object links nothing: no thread pool, and no packed kernel (whose panels
  // live in einjit_rt's scratch memory).
  if (!shape.threaded && entry.nest.packed) {
    loopOptions.strategy = ir::Strategy::Direct;
    entry.nest = passes::lowerContraction(contraction, loopOptions);
  }
  if (!shape.threaded)
    for (ir::Loop& loop : entry.nest.outputLoops)
      loop.parallel = false;
  entry.inputCount = shape.inputs;
  entry.normalized = shape.normalized;
  for (const ir::TensorAccess& input : entry.nest.inputs) {
    entry.inputOfTensor.push_back(shape.sources[input.source]);
    entry.normalizedOfTensor.push_back(shape.normalizedOfOperand[input.source]);
  }
  return entry;
}

CompiledRequest lowerRequest(const KernelRequest& request, const codegen::TargetDesc& target,
                             const support::CacheSizes& caches, bool threaded) {
  frontend::LowerOptions options;
  options.dtype = request.dtype;
  frontend::LoweredCall lowered;
  try {
    lowered =
        frontend::lowerCallText(request.expression, frontend::parseShapes(request.shapes), options);
  } catch (const Error& error) {
    // A manifest line's error must say which line; the caret still points into EXPR.
    if (request.origin.empty())
      throw;
    std::string message = request.origin + error.message();
    if (!error.source().empty() && error.span())
      throw Error(error.kind(), message, error.source(), *error.span());
    throw Error(error.kind(), message);
  }
  const ir::IndexProgram& program = lowered.program;
  CompiledRequest compiled;
  std::vector<std::string> names = frontend::distinctOperandNames(lowered.call);
  EntryShape shape;
  shape.threaded = threaded;
  shape.sources = lowered.operandSources;
  if (shape.sources.empty()) {
    names.clear();
    for (std::size_t t = 0; t < program.operands.size(); ++t) {
      names.push_back(program.operands[t].name);
      shape.sources.push_back(t);
    }
  }
  shape.inputs = names.size();
  // A ravel of a contiguous C-order array is the same memory read as 1-D: the contiguous entry
  // point needs no code for it. A normalize runs in the entry point, into the caller's scratch.
  bool ravels = false;
  shape.normalizedOfOperand.resize(program.operands.size());
  for (const ir::Prologue& prologue : program.prologues) {
    if (prologue.kind == ir::PrologueKind::Ravel) {
      ravels = true;
      continue;
    }
    if (isHalfPrecision(program.dtype))
      throw Error(ErrorKind::Unsupported,
                  "compile: " + request.origin + request.name + ": normalizing a " +
                      std::string(dtypeName(program.dtype)) +
                      " operand is not compiled ahead of time (einjit run and the API compute it)");
    if (shape.normalizedOfOperand[prologue.operand])
      throw Error(ErrorKind::Unsupported,
                  "compile: " + request.origin + request.name + ": operand " +
                      program.operands[prologue.operand].name + " is normalized twice");
    codegen::AotNormalize normalize;
    normalize.input = shape.sources[prologue.operand];
    normalize.shape = program.operands[prologue.operand].shape;
    normalize.axis = prologue.axis;
    normalize.epsilon = prologue.epsilon;
    for (const codegen::AotNormalize& before : shape.normalized)
      normalize.scratchOffset += elementCount(before.shape);
    shape.normalizedOfOperand[prologue.operand] = shape.normalized.size();
    shape.normalized.push_back(normalize);
    compiled.header.normalized.push_back(
        {parameterName(names[normalize.input]), prologue.axis, prologue.epsilon});
  }
  if (ravels && !shape.normalized.empty())
    throw Error(ErrorKind::Unsupported, "compile: " + request.origin + request.name + ": '" +
                                            request.expression +
                                            "' both ravels and normalizes operands");
  compiled.header.name = request.name;
  compiled.header.call = request.expression;
  compiled.header.program = program;
  compiled.header.inputShapes.resize(names.size());
  for (std::size_t t = shape.sources.size(); t-- > 0;)
    compiled.header.inputShapes[shape.sources[t]] = program.operands[t].shape;
  for (const std::string& name : names)
    compiled.header.inputNames.push_back(parameterName(name));

  compiled.entry = entryPoint(request.name, program, shape, false, target, caches);
  compiled.header.scratchElements = codegen::aotScratchElements(compiled.entry);
  compiled.header.threaded = threaded;
  compiled.header.parallel = compiled.entry.nest.runsInParallel();
  compiled.header.scratchBytes = codegen::packedScratchBytes(compiled.entry.nest);
  // The strided entry point's strides are per dimension of the user's array, which a ravel
  // merges: only a contiguous array can be read flattened without a copy.
  compiled.header.hasStridedEntry = !ravels;
  if (!ravels) {
    compiled.stridedEntry =
        entryPoint(request.name + "_strided", program, shape, true, target, caches);
    compiled.header.parallel =
        compiled.header.parallel || compiled.stridedEntry.nest.runsInParallel();
    compiled.header.scratchBytes = std::max(
        compiled.header.scratchBytes, codegen::packedScratchBytes(compiled.stridedEntry.nest));
  }
  return compiled;
}

void writeFile(const std::filesystem::path& path, const std::string& contents) {
  std::ofstream file(path, std::ios::binary);
  file << contents;
  file.close();
  if (!file)
    throw Error(ErrorKind::Io, "compile: cannot write " + path.string());
}

/// The object of `entries`, from the persistent kernel cache (the runtime's, docs/kernel-cache.md)
/// when it holds one compiled from the same module for the same target, else compiled and
/// stored there. `cached` is set to the entry's key when the object came from the cache.
std::string compileThroughCache(const std::string& library,
                                const std::vector<codegen::AotEntryPoint>& entries,
                                const codegen::TargetDesc& target, bool useCache,
                                std::optional<std::string>& cached) {
  jit::DiskCache disk(useCache ? jit::DiskCache::defaultDirectory() : std::string(),
                      jit::DiskCache::kDefaultMaxBytes, [](const std::string& message) {
                        printDiagnostic(Diagnostic{Diagnostic::Kind::Warning, message});
                      });
  if (!disk.enabled())
    return codegen::compileAotObject(entries, target);
  // The key names the object's entry points and their loop nests; the fingerprint, the whole
  // module before optimization, catches everything else (prologues, threading, codegen).
  std::string key = "einjit compile " + library + "\n";
  for (const codegen::AotEntryPoint& entry : entries)
    key += "entry " + entry.name + (entry.threaded ? " threaded" : " single-threaded") + "\n" +
           ir::keyText(entry.nest);
  jit::DiskEntryIdentity identity{EINJIT_VERSION, target.key(), key,
                                  jit::DiskCache::digest(codegen::aotModuleText(entries, target)),
                                  entries.front().name};
  if (std::optional<std::string> object = disk.load(identity)) {
    cached = key;
    return *object;
  }
  std::string object = codegen::compileAotObject(entries, target);
  disk.store(identity, object);
  return object;
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
  std::vector<KernelRequest> requests;
  if (parsed.has("--manifest")) {
    if (!parsed.positional.empty() || parsed.has("--shapes") || parsed.has("--dtype"))
      throw UsageError("einjit compile --manifest takes no EXPR, --shapes or --dtype (each "
                       "manifest line has its own)");
    requests = readManifest(parsed.get("--manifest"));
  } else {
    if (parsed.positional.size() != 1)
      throw UsageError("einjit compile takes one EXPR (quote it), got " +
                       std::to_string(parsed.positional.size()) + " arguments");
    if (!parsed.has("--shapes"))
      throw UsageError("einjit compile needs --shapes, e.g. --shapes x=2x3x4,y=2x4x5");
    KernelRequest request;
    request.name = library;
    request.expression = parsed.positional[0];
    request.shapes = parsed.get("--shapes");
    if (parsed.has("--dtype"))
      request.dtype = parseDTypeOption(parsed.get("--dtype"));
    requests.push_back(std::move(request));
  }
  std::set<std::string> seen;
  for (const KernelRequest& request : requests)
    if (!seen.insert(request.name).second || !seen.insert(request.name + "_strided").second)
      throw Error(ErrorKind::Argument, "compile: " + request.origin + "the name " + request.name +
                                           " is used twice (each name also defines NAME_strided)");

  std::string targetName = targetOption(parsed);
  codegen::TargetDesc target = codegen::resolveTarget(targetName, "compile: --target");
  // Objects for the host block for its caches; for a named CPU, for the ones given or the
  // stated defaults (a common x86 core), since the machine that runs them is not this one.
  std::optional<support::CacheSizes> pinned = cacheSizesOption(parsed);
  support::CacheSizes caches = pinned                 ? *pinned
                               : targetName == "host" ? support::hostCacheSizes()
                                                      : support::CacheSizes{};
  bool threaded = !parsed.has("--single-threaded");
  std::vector<AotHeaderEntry> headers;
  std::vector<codegen::AotEntryPoint> entries;
  for (const KernelRequest& request : requests) {
    CompiledRequest compiled = lowerRequest(request, target, caches, threaded);
    headers.push_back(std::move(compiled.header));
    entries.push_back(std::move(compiled.entry));
    if (compiled.header.hasStridedEntry)
      entries.push_back(std::move(compiled.stridedEntry));
  }
  std::optional<std::string> cached;
  std::string object =
      compileThroughCache(library, entries, target, !parsed.has("--no-cache"), cached);

  std::filesystem::path directory = parsed.get("-o");
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error)
    throw Error(ErrorKind::Io, "compile: cannot create the directory " + directory.string() + ": " +
                                   error.message());
  writeFile(directory / (library + ".o"), object);
  writeFile(directory / (library + ".h"), aotHeaderText(library, headers, target));
  std::cout << "einjit: wrote " << (directory / (library + ".o")).string() << " and "
            << (directory / (library + ".h")).string() << " (" << entries.size()
            << (entries.size() == 1 ? " entry point" : " entry points") << ", " << target.cpu
            << (threaded ? ", threaded: link einjit_rt" : ", single-threaded")
            << (cached ? ", from the kernel cache" : "") << ")\n";
  return 0;
}

} // namespace einjit::cli
