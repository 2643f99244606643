// Ahead-of-time compilation: a request lowered to entry points (a fused kernel, or the steps of
// the JIT's contraction path), and the object compiled through the persistent kernel cache.
#include "driver/AotCompile.h"

#include "driver/CallReading.h"
#include "driver/Driver.h"
#include "einjit/error.h"
#include "ir/Explain.h"
#include "jit/DiskCache.h"

#include <algorithm>
#include <set>

namespace einjit::driver {

namespace {

// Operand names become C parameter names; these would not compile or would clash.
std::string parameterName(const std::string& operand) {
  static const std::set<std::string> reserved = {
      "out",   "alpha", "beta",   "auto",     "char",  "const",  "double",   "float",  "int",
      "long",  "short", "signed", "unsigned", "void",  "static", "register", "if",     "for",
      "while", "do",    "return", "struct",   "union", "enum",   "new",      "delete", "scratch"};
  return reserved.count(operand) ? operand + "_in" : operand;
}

std::int64_t elementCount(const Shape& shape) {
  std::int64_t count = 1;
  for (std::int64_t extent : shape)
    count *= extent;
  return count;
}

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
};

/// One kernel's nest. A single-threaded object links nothing: no thread pool, and no packed
/// kernel (whose panels live in einjit_rt's scratch memory).
ir::LoopNest lowerKernel(const ir::IndexProgram& program,
                         const std::vector<passes::StrideClass>& classes,
                         const passes::StrideClass& outputClass, const AotOptions& options) {
  passes::LoopOptions loopOptions = targetLoopOptions(options.target, options.caches);
  ir::LoopNest nest = lowerProgram(program, classes, outputClass, true, loopOptions);
  if (!options.threaded && nest.packed) {
    loopOptions.strategy = ir::Strategy::Direct;
    nest = lowerProgram(program, classes, outputClass, true, loopOptions);
  }
  if (!options.threaded)
    for (ir::Loop& loop : nest.outputLoops)
      loop.parallel = false;
  return nest;
}

codegen::AotEntryPoint fusedEntryPoint(codegen::AotEntryPoint entry,
                                       const ir::IndexProgram& program, const EntryShape& shape,
                                       const AotOptions& options) {
  // A normalized operand is read from its contiguous copy in the scratch buffer.
  auto strideClass = [&](const Shape& extents, bool copy) {
    return entry.strided && !copy ? runtimeStrideClass(extents)
                                  : passes::contiguousStrideClass(extents, true);
  };
  std::vector<passes::StrideClass> classes;
  for (std::size_t t = 0; t < program.operands.size(); ++t)
    classes.push_back(
        strideClass(program.operandShape(t), shape.normalizedOfOperand[t].has_value()));
  entry.nest = lowerKernel(program, classes, strideClass(program.outputShape(), false), options);
  entry.normalized = shape.normalized;
  for (const ir::TensorAccess& input : entry.nest.inputs) {
    entry.inputOfTensor.push_back(shape.sources[input.source]);
    entry.normalizedOfTensor.push_back(shape.normalizedOfOperand[input.source]);
  }
  return entry;
}

/// The entry point running `plan`'s path (a program without prologues): every kernel but the
/// last writes its temporary into scratch, one after another; the last writes out. A bf16 or
/// f16 path runs as the JIT runs it (engine/RunPath.cpp): copies widen the operands to f32
/// first, the steps run in f32, and a last copy rounds the f32 result into out once.
codegen::AotEntryPoint pathEntryPoint(codegen::AotEntryPoint entry, const ir::IndexProgram& program,
                                      const ContractionPlan& plan, const EntryShape& shape,
                                      const AotOptions& options) {
  // Original operands and the output are the caller's arrays; temporaries are contiguous.
  auto strideClass = [&](const Shape& extents, bool caller) {
    return entry.strided && caller ? runtimeStrideClass(extents)
                                   : passes::contiguousStrideClass(extents, true);
  };
  // The entry point's value of each path value: a parameter, or the temporary of a widening
  // copy (entry.inputCount + its step).
  std::vector<std::size_t> valueOf(shape.sources.begin(), shape.sources.end());
  std::int64_t offset = 0;
  // A chunked path's kernels read the operand and write the output that hold the chunk's label
  // one chunk at a time (passes::PathChunks): along which dimension, and how far per chunk.
  using Chunked = std::optional<codegen::AotChunkedTensor>;
  const std::optional<passes::PathChunks>& chunks = plan.path.chunks;
  auto chunkedAlong = [&](const std::vector<ir::Index>& indices, const Shape& extents) -> Chunked {
    for (std::size_t d = 0; d < indices.size(); ++d)
      if (indices[d].label == chunks->label)
        return codegen::AotChunkedTensor{d, chunks->chunk * rowMajorStrides(extents)[d]};
    return std::nullopt;
  };
  // `reads` are entry values; `callerReads[i]` says whether read i is a caller's array;
  // `chunkedReads` (empty, or one per read) and `chunkedOutput` how a chunked kernel reads and
  // writes them.
  auto addKernel = [&](const ir::IndexProgram& step, const std::vector<std::size_t>& reads,
                       const std::vector<bool>& callerReads, bool last,
                       const std::vector<Chunked>& chunkedReads = {},
                       const Chunked& chunkedOutput = std::nullopt) {
    std::vector<passes::StrideClass> classes;
    for (std::size_t i = 0; i < reads.size(); ++i)
      classes.push_back(strideClass(step.operandShape(i), callerReads[i]));
    ir::LoopNest nest = lowerKernel(step, classes, strideClass(step.outputShape(), last), options);
    std::vector<std::size_t> inputOfTensor;
    std::vector<Chunked> chunkedTensors;
    for (const ir::TensorAccess& input : nest.inputs) {
      inputOfTensor.push_back(reads[input.source]);
      if (!chunkedReads.empty())
        chunkedTensors.push_back(chunkedReads[input.source]);
    }
    if (last) {
      entry.nest = std::move(nest);
      entry.inputOfTensor = std::move(inputOfTensor);
      if (!chunkedReads.empty()) {
        chunkedTensors.push_back(chunkedOutput);
        entry.chunkedTensors = std::move(chunkedTensors);
      }
      return entry.inputCount + entry.steps.size();
    }
    codegen::AotStep written{std::move(nest), std::move(inputOfTensor), step.outputShape(), offset,
                             std::move(chunkedTensors)};
    offset += elementCount(written.shape);
    entry.steps.push_back(std::move(written));
    return entry.inputCount + entry.steps.size() - 1;
  };
  for (std::size_t t = 0; t < plan.widen.size(); ++t)
    valueOf[t] = addKernel(plan.widen[t], {shape.sources[t]}, {true}, false);
  std::size_t operandCount = program.operands.size();
  for (std::size_t k = 0; k < plan.steps.size(); ++k) {
    const passes::PathStep& step = plan.path.steps[k];
    bool chunked = chunks && k >= chunks->firstChunkedStep;
    std::vector<std::size_t> reads;
    std::vector<bool> callerReads;
    std::vector<Chunked> chunkedReads;
    for (std::size_t value : step.reads) {
      reads.push_back(valueOf[value]);
      callerReads.push_back(reads.back() < entry.inputCount);
      if (chunked)
        chunkedReads.push_back(value < operandCount ? chunkedAlong(program.operands[value].indices,
                                                                   program.operandShape(value))
                                                    : std::nullopt);
    }
    bool last = k + 1 == plan.steps.size() && !plan.round;
    valueOf.push_back(addKernel(
        plan.steps[k], reads, callerReads, last, chunkedReads,
        chunked && last ? chunkedAlong(program.output, program.outputShape()) : std::nullopt));
  }
  if (chunks)
    entry.chunks = codegen::AotChunks{plan.widen.size() + chunks->firstChunkedStep, chunks->count,
                                      chunks->chunk};
  if (plan.round)
    addKernel(*plan.round, {valueOf.back()}, {false}, true);
  return entry;
}

} // namespace

PlanOptions aotPlanOptions(const AotOptions& options) {
  PlanOptions plan;
  plan.caches = options.caches;
  plan.stagesPrologues = false;
  return plan;
}

support::CacheSizes aotCacheSizes(const std::string& targetName,
                                  const std::optional<support::CacheSizes>& pinned) {
  if (pinned)
    return *pinned;
  return targetName == "host" ? support::hostCacheSizes() : support::CacheSizes{};
}

AotOptions aotOptions(const std::string& targetName, const std::optional<CacheSizes>& pinned,
                      bool threaded, const std::string& source) {
  AotOptions options;
  options.target = codegen::resolveTarget(targetName, source);
  std::optional<support::CacheSizes> caches;
  if (pinned)
    caches = support::CacheSizes{pinned->l1d, pinned->l2, pinned->l3};
  options.caches = aotCacheSizes(targetName, caches);
  options.threaded = threaded;
  return options;
}

AotKernel lowerAot(const AotRequest& request, const AotOptions& options) {
  CallReading reading;
  try {
    reading = readCall(request.expression, frontend::parseShapes(request.shapes), request.dtype,
                       request.callOptions);
  } catch (const Error& error) {
    // A manifest line's error must say which line; the caret still points into EXPR.
    if (request.origin.empty())
      throw;
    std::string message = request.origin + error.message();
    if (!error.source().empty() && error.span())
      throw Error(error.kind(), message, error.source(), *error.span());
    throw Error(error.kind(), message);
  }
  const frontend::LoweredCall& lowered = reading.lowered;
  const ir::IndexProgram& program = lowered.program;
  AotKernel kernel;
  std::vector<std::string> names = frontend::distinctOperandNames(lowered.call);
  EntryShape shape;
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
    kernel.normalized.push_back(
        {parameterName(names[normalize.input]), prologue.axis, prologue.epsilon});
  }
  if (ravels && !shape.normalized.empty())
    throw Error(ErrorKind::Unsupported, "compile: " + request.origin + request.name + ": '" +
                                            request.expression +
                                            "' both ravels and normalizes operands");
  kernel.name = request.name;
  kernel.call = request.expression;
  kernel.program = program;
  kernel.facts = std::move(reading.facts);
  kernel.inputShapes.resize(names.size());
  for (std::size_t t = shape.sources.size(); t-- > 0;)
    kernel.inputShapes[shape.sources[t]] = program.operands[t].shape;
  for (const std::string& name : names)
    kernel.inputNames.push_back(parameterName(name));
  // The JIT's plan (Plan::State takes the same), as far as an entry point runs it: a pairwise
  // path of three or more operands where it beats the fused nest, a relayout path of two.
  ContractionPlan plan = planContraction(program, aotPlanOptions(options));
  if (plan.runsPath())
    kernel.path = plan.path;

  auto entryPoint = [&](std::string name, bool strided) {
    codegen::AotEntryPoint entry;
    entry.name = std::move(name);
    entry.strided = strided;
    entry.threaded = options.threaded;
    entry.inputCount = shape.inputs;
    return plan.runsPath() ? pathEntryPoint(std::move(entry), program, plan, shape, options)
                           : fusedEntryPoint(std::move(entry), program, shape, options);
  };
  auto account = [&](const codegen::AotEntryPoint& entry) {
    kernel.scratchDtype = codegen::aotScratchDtype(entry);
    kernel.scratchElements = std::max(kernel.scratchElements, codegen::aotScratchElements(entry));
    kernel.parallel = kernel.parallel || entry.nest.runsInParallel();
    kernel.scratchBytes = std::max(kernel.scratchBytes, codegen::packedScratchBytes(entry.nest));
    for (const codegen::AotStep& step : entry.steps) {
      kernel.parallel = kernel.parallel || step.nest.runsInParallel();
      kernel.scratchBytes = std::max(kernel.scratchBytes, codegen::packedScratchBytes(step.nest));
    }
  };
  kernel.threaded = options.threaded;
  kernel.entry = entryPoint(request.name, false);
  account(kernel.entry);
  // The strided entry point's strides are per dimension of the user's array, which a ravel
  // merges: only a contiguous array can be read flattened without a copy.
  kernel.hasStridedEntry = !ravels;
  if (!ravels) {
    kernel.stridedEntry = entryPoint(request.name + "_strided", true);
    account(kernel.stridedEntry);
  }
  // What `einjit explain` shows of the same call: the contiguous entry point's kernels.
  kernel.stages.push_back({"program", "index program", ir::toString(program)});
  if (std::optional<ExplainedStage> path = pathStage(program, plan))
    kernel.stages.push_back(std::move(*path));
  // (The widening copies are its first steps, the rounding copy its last kernel.)
  std::vector<std::string> loops;
  for (const codegen::AotStep& step : kernel.entry.steps)
    loops.push_back(ir::toString(step.nest));
  loops.push_back(ir::toString(kernel.entry.nest));
  kernel.stages.push_back(
      {"loops", "loops (contiguous operands)", kernelStageText(program, plan, loops)});
  if (!kernel.path.steps.empty())
    kernel.pathText = passes::toString(kernel.path);
  return kernel;
}

AotObjectCode compileAot(const std::string& library, const std::vector<AotKernel>& kernels,
                         const codegen::TargetDesc& target, const AotCache& cache) {
  std::vector<codegen::AotEntryPoint> entries;
  for (const AotKernel& kernel : kernels) {
    entries.push_back(kernel.entry);
    if (kernel.hasStridedEntry)
      entries.push_back(kernel.stridedEntry);
  }
  // The key names the object's entry points and their loop nests (a path's steps first); the
  // fingerprint, the whole module before optimization, catches everything else (prologues,
  // threading, codegen).
  std::string key = "einjit compile " + library + "\n";
  for (const codegen::AotEntryPoint& entry : entries) {
    key += "entry " + entry.name + (entry.threaded ? " threaded" : " single-threaded") + "\n";
    for (const codegen::AotStep& step : entry.steps)
      key += ir::keyText(step.nest);
    key += ir::keyText(entry.nest);
  }
  CacheableObject object{key, entries.front().name,
                         [&] { return codegen::aotModuleText(entries, target); },
                         [&] { return codegen::compileAotObject(entries, target); }};
  jit::DiskCache disk(cache.directory, jit::DiskCache::kDefaultMaxBytes, cache.warn);
  AotObjectCode code;
  code.fromCache = loadOrCompile(&disk, target, object,
                                 [&](const std::string& compiled) { code.object = compiled; });
  return code;
}

} // namespace einjit::driver
