// Engine and Plan: front end → passes → cache → JIT, and the explanation of a plan.
#include "engine/EngineImpl.h"

#include "einjit/error.h"
#include "engine/CallReading.h"
#include "frontend/CallText.h"
#include "frontend/Frontends.h"
#include "ir/Explain.h"
#include "ir/ProgramViews.h"
#include "jit/ObjectBundle.h"
#include "support/Format.h"

#include <chrono>
#include <cstdlib>
#include <optional>
#include <sstream>

namespace einjit {

namespace {

/// $EINJIT_TUNE upgrades options left at Tuning::Estimate.
EngineOptions withTuningFromEnvironment(EngineOptions options) {
  const char* fromEnvironment = std::getenv("EINJIT_TUNE");
  if (options.tuning == Tuning::Estimate && fromEnvironment && *fromEnvironment)
    parseTuning(fromEnvironment, options, "EINJIT_TUNE");
  return options;
}

/// options.target, else $EINJIT_TARGET, else the host; its vector width capped by the options.
codegen::TargetDesc engineTarget(const EngineOptions& options) {
  std::string name = options.target;
  const char* context = "EngineOptions::target";
  if (name.empty()) {
    const char* fromEnvironment = std::getenv("EINJIT_TARGET");
    name = fromEnvironment ? fromEnvironment : "";
    context = "EINJIT_TARGET";
  }
  codegen::TargetDesc target = codegen::resolveTarget(name, context);
  if (options.maxVectorBits != 0 && options.maxVectorBits < target.vectorBits)
    target.vectorBits = options.maxVectorBits;
  return target;
}

std::string diskCacheDirectory(const EngineOptions& options) {
  if (!options.persistentCache)
    return "";
  return options.cacheDirectory.empty() ? jit::DiskCache::defaultDirectory()
                                        : options.cacheDirectory;
}

/// Each level from options.cacheSizes, else $EINJIT_CACHE_SIZES, else the host's.
support::CacheSizes engineCacheSizes(const EngineOptions& options) {
  support::CacheSizes caches = support::hostCacheSizes();
  if (const char* fromEnvironment = std::getenv("EINJIT_CACHE_SIZES")) {
    std::string error;
    std::optional<support::CacheSizes> pinned = support::parseCacheSizes(fromEnvironment, error);
    if (!pinned)
      throw Error(ErrorKind::Argument, "EINJIT_CACHE_SIZES: " + error);
    caches = *pinned;
  }
  if (options.cacheSizes.l1d != 0)
    caches.l1d = options.cacheSizes.l1d;
  if (options.cacheSizes.l2 != 0)
    caches.l2 = options.cacheSizes.l2;
  if (options.cacheSizes.l3 != 0)
    caches.l3 = options.cacheSizes.l3;
  return caches;
}

passes::LoopOptions loopOptionsFor(const EngineOptions& options,
                                   const codegen::TargetDesc& target) {
  passes::LoopOptions loops{target.vectorBits, target.vectorRegisters, engineCacheSizes(options)};
  switch (options.strategy) {
  case Strategy::Auto:
    break;
  case Strategy::Direct:
    loops.strategy = ir::Strategy::Direct;
    break;
  case Strategy::Small:
    loops.strategy = ir::Strategy::Small;
    break;
  case Strategy::Streaming:
    loops.strategy = ir::Strategy::Streaming;
    break;
  case Strategy::Packed:
    loops.strategy = ir::Strategy::Packed;
    break;
  }
  return loops;
}

/// The disk cache's warning, as a diagnostic; none without a callback.
jit::DiskCache::Warn diskWarnings(const EngineOptions& options) {
  if (!options.diagnostics)
    return {};
  // The disk cache never throws; neither does its warning.
  return [report = options.diagnostics](const std::string& message) {
    try {
      report(Diagnostic{Diagnostic::Kind::Warning, message});
    } catch (...) {
    }
  };
}

bool statisticsRequested() {
  const char* value = std::getenv("EINJIT_STATS");
  return value && std::string(value) == "1";
}

} // namespace

// ---- Engine::Impl -------------------------------------------------------------------------------

Engine::Impl::Impl(const EngineOptions& engineOptions)
    : options(withTuningFromEnvironment(engineOptions)), target(engineTarget(engineOptions)),
      missingFeatures(codegen::featuresMissingOnHost(target)),
      loopOptions(loopOptionsFor(engineOptions, target)), cache(engineOptions.cacheCapacity),
      disk(diskCacheDirectory(engineOptions), jit::DiskCache::kDefaultMaxBytes,
           diskWarnings(engineOptions)) {}

Engine::Impl::~Impl() {
  if (!statisticsRequested() || !options.diagnostics)
    return;
  jit::CacheStatistics statistics = cache.statistics();
  std::ostringstream os;
  os << "kernel cache: " << statistics.hits << " hits (" << statistics.waits << " waited), "
     << statistics.misses << " misses, " << statistics.failures << " failures, "
     << statistics.evictions << " evictions, " << statistics.entries << " kernels, "
     << statistics.compileMillis << " ms compiling";
  if (disk.enabled()) {
    jit::DiskCacheStatistics onDisk = disk.statistics();
    os << "; on disk: " << onDisk.hits << " loaded, " << onDisk.writes << " written, "
       << onDisk.rejects << " rejected (" << disk.directory() << ")";
  } else {
    os << "; on disk: off";
  }
  // A destructor must not throw: a failing callback loses the statistics, nothing else.
  try {
    options.diagnostics(Diagnostic{Diagnostic::Kind::Statistics, os.str()});
  } catch (...) {
  }
}

ir::LoopNest Engine::Impl::lower(const ir::IndexProgram& program,
                                 const std::vector<passes::StrideClass>& operandClasses,
                                 const passes::StrideClass& outputClass,
                                 std::optional<ir::Strategy> strategy) const {
  passes::Contraction contraction =
      passes::makeContraction(program, operandClasses, outputClass, options.constantExtents);
  if (!strategy)
    return passes::lowerContraction(contraction, loopOptions);
  passes::LoopOptions forced = loopOptions;
  forced.strategy = strategy;
  return passes::lowerContraction(contraction, forced);
}

std::shared_ptr<const jit::Kernel> Engine::Impl::kernelFor(const ir::LoopNest& nest) {
  std::string key = ir::keyText(nest) + "target " + target.key() + " vector " +
                    std::to_string(target.vectorBits) + "\neinjit " EINJIT_VERSION "\n";
  return cache.getOrCompile(key, [&] { return loadOrCompile(nest, key); });
}

std::shared_ptr<const jit::Kernel> Engine::Impl::loadOrCompile(const ir::LoopNest& nest,
                                                               const std::string& key) {
  auto start = std::chrono::steady_clock::now();
  auto millis = [&] {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
  };
  // A key's symbol is the same in every process, so that a stored object links anywhere. An
  // evicted kernel of the same key that a plan still holds keeps that symbol taken: compile
  // under a fresh name then, and leave the disk alone (its entry is already there).
  std::string symbol = jit::DiskCache::symbolFor(key);
  if (!disk.enabled() || jit.defines(symbol)) {
    symbol = jit.newSymbol();
    // Compiled before millis() is read: argument evaluation order is unspecified.
    std::string code = jit::bundleObjects(codegen::compileObjects(nest, target, symbol));
    return jit.load(code, symbol, millis());
  }
  // The unoptimized IR is cheap next to optimization and machine code, and pins down what the code
  // generator makes of the nest: an einjit build whose codegen changed never uses an old object.
  jit::DiskEntryIdentity identity{
      EINJIT_VERSION, target.key(), key,
      jit::DiskCache::digest(codegen::emitLLVMIR(nest, target, symbol, false)), symbol};
  if (std::optional<std::string> code = disk.load(identity)) {
    try {
      return jit.load(*code, symbol, millis());
    } catch (const Error&) {
      disk.linkFailed(); // compiled again below, and the entry overwritten
    }
  }
  std::string code = jit::bundleObjects(codegen::compileObjects(nest, target, symbol));
  std::shared_ptr<const jit::Kernel> kernel = jit.load(code, symbol, millis());
  disk.store(identity, code);
  return kernel;
}

std::shared_ptr<Plan::State> Engine::Impl::einsumPlan(const std::string& key) const {
  std::lock_guard<std::mutex> lock(einsumMutex_);
  auto found = einsumPlans_.find(key);
  if (found == einsumPlans_.end())
    return nullptr;
  einsumRecency_.splice(einsumRecency_.begin(), einsumRecency_, found->second);
  return found->second->second;
}

void Engine::Impl::rememberEinsumPlan(const std::string& key, std::shared_ptr<Plan::State> state) {
  std::lock_guard<std::mutex> lock(einsumMutex_);
  if (einsumPlans_.count(key))
    return; // another thread planned the same call first
  einsumRecency_.emplace_front(key, std::move(state));
  einsumPlans_.emplace(key, einsumRecency_.begin());
  while (einsumRecency_.size() > std::max<std::size_t>(options.cacheCapacity, 1)) {
    einsumPlans_.erase(einsumRecency_.back().first);
    einsumRecency_.pop_back();
  }
}

void Engine::Impl::forgetEinsumPlans() {
  std::lock_guard<std::mutex> lock(einsumMutex_);
  einsumPlans_.clear();
  einsumRecency_.clear();
}

// ---- Plan::State --------------------------------------------------------------------------------

Plan::State::State(std::shared_ptr<Engine::Impl> engineImpl, ir::IndexProgram lowered)
    : engine(std::move(engineImpl)), program(std::move(lowered)) {
  ir::verify(program);
  ir::checkProloguesSupported(program, "plan");
  outputShape = program.outputShape();
  elementCount(outputShape, "plan: the output " + program.outputName);
  hasPrologue.assign(program.operands.size(), false);
  for (const ir::Prologue& prologue : program.prologues)
    hasPrologue[prologue.operand] = true;
  for (std::size_t t = 0; t < program.operands.size(); ++t)
    readShapes.push_back(program.operandShape(t));
  anyPrologue = !program.prologues.empty();
  if (program.operands.size() >= 3 && engine->options.contractionPaths) {
    path = passes::choosePath(program);
    if (path.beatsFused())
      for (const passes::PathStep& step : path.steps)
        stepStates.push_back(std::make_shared<State>(engine, step.program));
  }
  std::vector<std::string> names;
  std::vector<std::size_t> identity;
  for (std::size_t t = 0; t < program.operands.size(); ++t) {
    names.push_back(program.operands[t].name);
    identity.push_back(t);
  }
  bindInputs(std::move(names), std::move(identity));
}

void Plan::State::bindInputs(std::vector<std::string> names,
                             std::vector<std::size_t> operandInputsOf) {
  if (operandInputsOf.size() != program.operands.size())
    throw Error(ErrorKind::Internal, "plan: " + std::to_string(operandInputsOf.size()) +
                                         " input bindings for " +
                                         std::to_string(program.operands.size()) + " operands");
  firstOperandOf.assign(names.size(), program.operands.size());
  for (std::size_t t = operandInputsOf.size(); t-- > 0;) {
    if (operandInputsOf[t] >= names.size())
      throw Error(ErrorKind::Internal, "plan: operand " + program.operands[t].name +
                                           " reads input " + std::to_string(operandInputsOf[t]) +
                                           " of " + std::to_string(names.size()));
    firstOperandOf[operandInputsOf[t]] = t;
  }
  for (std::size_t i = 0; i < names.size(); ++i)
    if (firstOperandOf[i] == program.operands.size())
      throw Error(ErrorKind::Internal, "plan: input " + names[i] + " is read by no operand");
  inputNames = std::move(names);
  operandInputs = std::move(operandInputsOf);
}

std::shared_ptr<const PreparedKernel>
Plan::State::prepared(std::vector<passes::StrideClass> classes) const {
  {
    std::lock_guard<std::mutex> lock(mutex);
    for (const std::shared_ptr<const PreparedKernel>& kernel : kernels)
      if (kernel->classes == classes)
        return kernel;
  }
  // Compiling outside the lock: the engine's cache makes concurrent first runs compile once.
  auto kernel = std::make_shared<PreparedKernel>();
  passes::StrideClass outputClass = classes.back();
  kernel->classes = classes;
  classes.pop_back();
  kernel->nest = engine->lower(program, classes, outputClass);
  if (engine->measures(kernel->nest))
    kernel->nest = engine->measuredChoice(program, classes, outputClass, std::move(kernel->nest));
  for (const ir::LoopLabel& label : kernel->nest.labels)
    kernel->extents.push_back(label.extent);
  kernel->kernel = engine->kernelFor(kernel->nest);
  std::lock_guard<std::mutex> lock(mutex);
  kernels.push_back(kernel);
  return kernel;
}

std::vector<passes::StrideClass> Plan::State::contiguousClasses() const {
  bool constantExtents = engine->options.constantExtents;
  std::vector<passes::StrideClass> classes;
  for (const Shape& shape : readShapes)
    classes.push_back(passes::contiguousStrideClass(shape, constantExtents));
  classes.push_back(passes::contiguousStrideClass(outputShape, constantExtents));
  return classes;
}

void Plan::State::compileContiguous() const {
  if (stepStates.empty()) {
    prepared(contiguousClasses());
    return;
  }
  for (const std::shared_ptr<State>& step : stepStates)
    step->compileContiguous();
}

// ---- Plan ---------------------------------------------------------------------------------------

Plan::Plan(std::shared_ptr<State> state) : state_(std::move(state)) {}

void Plan::run(const std::vector<TensorView>& inputs, const TensorView& out,
               const RunOptions& options) const {
  checkRun(*state_, inputs, out);
  runPlan(*state_, inputs, out, options);
}

Tensor Plan::run(const std::vector<TensorView>& inputs, const RunOptions& options) const {
  // The output is the one allocation of the call's size: refused by name, before the attempt.
  std::uint64_t bytes = 0;
  if (__builtin_mul_overflow(static_cast<std::uint64_t>(elementCount(state_->outputShape)),
                             dtypeSize(state_->program.dtype), &bytes))
    bytes = ~std::uint64_t{0};
  limits::checkAllocation(bytes, "plan.run: the output " + state_->program.outputName +
                                     " of shape " + shapeToPython(state_->outputShape));
  Tensor out(state_->program.dtype, state_->outputShape);
  run(inputs, out.view(), options);
  return out;
}

const Shape& Plan::outputShape() const {
  return state_->outputShape;
}

DType Plan::dtype() const {
  return state_->program.dtype;
}

std::int64_t Plan::multiplyAdds() const {
  return state_->stepStates.empty() ? ir::multiplyAdds(state_->program) : state_->path.multiplyAdds;
}

std::vector<ExplainedStage> stages(const Plan::State& state, ExplainStage stage) {
  const ir::IndexProgram& program = state.program;
  std::vector<ExplainedStage> stages{{"program", "index program", ir::toString(program)}};
  // Only three or more operands have a path to choose.
  if (stage >= ExplainStage::Path && !state.path.steps.empty())
    stages.push_back({"path", "path (" + std::to_string(program.operands.size()) + " operands)",
                      passes::toString(state.path)});
  if (stage < ExplainStage::Loops)
    return stages;
  // A path plan shows every step's kernel, in order.
  std::vector<const Plan::State*> kernelStates;
  if (state.stepStates.empty())
    kernelStates.push_back(&state);
  for (const std::shared_ptr<Plan::State>& step : state.stepStates)
    kernelStates.push_back(step.get());
  std::vector<std::shared_ptr<const PreparedKernel>> prepared;
  for (const Plan::State* kernelState : kernelStates)
    prepared.push_back(kernelState->prepared(kernelState->contiguousClasses()));
  auto perKernel = [&](auto&& text) {
    std::string all;
    for (std::size_t k = 0; k < prepared.size(); ++k) {
      if (kernelStates.size() > 1)
        all += "-- step " + std::to_string(k) + ": " + ir::statementText(kernelStates[k]->program) +
               "\n";
      all += text(*prepared[k]);
    }
    return all;
  };
  stages.push_back({"loops", "loops (contiguous operands)", perKernel([](const PreparedKernel& p) {
                      std::ostringstream os;
                      os << p.nest;
                      return os.str();
                    })});
  if (stage < ExplainStage::LLVM)
    return stages;
  const codegen::TargetDesc& target = state.engine->target;
  stages.push_back({"llvm", "llvm (" + target.cpu + ")", perKernel([&](const PreparedKernel& p) {
                      return codegen::emitLLVMIR(p.nest, target, "einjit_kernel", true);
                    })});
  if (stage < ExplainStage::Assembly)
    return stages;
  stages.push_back({"asm", "asm (" + target.cpu + ")", perKernel([&](const PreparedKernel& p) {
                      return codegen::emitAssembly(p.nest, target, "einjit_kernel");
                    })});
  return stages;
}

std::string Plan::explain(ExplainStage stage) const {
  const State& state = *state_;
  const ir::IndexProgram& program = state.program;
  std::ostringstream os;
  os << "index:\n" << program << "output shape: " << shapeToPython(state.outputShape) << "\n";
  os << "groups: " << passes::toString(passes::classifyLabels(program), program) << "\n";
  std::vector<ExplainedStage> built = stages(state, stage);
  for (std::size_t i = 1; i < built.size(); ++i) // [0] is the program, printed above
    os << built[i].heading << ":\n" << built[i].text;
  return os.str();
}

// ---- Engine -------------------------------------------------------------------------------------

Plan EngineAccess::planProgram(Engine& engine, ir::IndexProgram program, bool compileNow) {
  auto state = std::make_shared<Plan::State>(engine.impl_, std::move(program));
  if (compileNow)
    state->compileContiguous();
  return Plan(std::move(state));
}

Engine::Engine(EngineOptions options) : impl_(std::make_shared<Impl>(options)) {}

// The einsum plans hold the Impl; dropping them lets the Impl go with the last user's plan.
Engine::~Engine() {
  impl_->forgetEinsumPlans();
}

Plan Engine::planIndexProgram(std::string_view text) {
  return EngineAccess::planProgram(*this, ir::parseIndexProgram(text), true);
}

namespace {

/// Throws unless the inputs can be one call's operands: at least one, one dtype.
void checkEinsumInputs(const std::vector<TensorView>& inputs, const std::string& who = "einsum") {
  if (inputs.empty())
    throw Error(ErrorKind::Arity, who + ": at least one operand is needed.");
  for (std::size_t t = 1; t < inputs.size(); ++t)
    if (inputs[t].dtype() != inputs[0].dtype()) {
      std::vector<std::string> names = frontend::defaultOperandNames(inputs.size());
      throw Error(ErrorKind::Misuse, who + ": operand " + names[t] + " has dtype " +
                                         std::string(dtypeName(inputs[t].dtype())) + " but " +
                                         names[0] + " has " +
                                         std::string(dtypeName(inputs[0].dtype())) +
                                         "; einjit does not promote dtypes.");
    }
}

ir::IndexProgram einsumProgram(std::string_view subscripts, const std::vector<TensorView>& inputs) {
  std::vector<std::string> names = frontend::defaultOperandNames(inputs.size());
  std::vector<frontend::Arg> args;
  for (std::size_t t = 0; t < inputs.size(); ++t)
    args.push_back(frontend::Arg{names[t], inputs[t].shape()});
  return frontend::einsum(subscripts, args, inputs[0].dtype());
}

/// What decides an einsum plan: the subscripts, the dtype and every operand's shape. Strides
/// are not part of it: a plan compiles a kernel per stride class itself.
std::string einsumKey(std::string_view subscripts, const std::vector<TensorView>& inputs) {
  std::string key(subscripts);
  key += '\0';
  key += static_cast<char>(inputs[0].dtype());
  for (const TensorView& input : inputs) {
    auto rank = static_cast<std::int64_t>(input.rank());
    key.append(reinterpret_cast<const char*>(&rank), sizeof rank);
    key.append(reinterpret_cast<const char*>(input.shape().data()),
               input.rank() * sizeof(std::int64_t));
  }
  return key;
}

} // namespace

Plan EngineAccess::einsumPlan(Engine& engine, std::string_view subscripts,
                              const std::vector<TensorView>& inputs) {
  checkEinsumInputs(inputs);
  std::string key = einsumKey(subscripts, inputs);
  if (std::shared_ptr<Plan::State> state = engine.impl_->einsumPlan(key))
    return Plan(std::move(state));
  Plan plan = planProgram(engine, einsumProgram(subscripts, inputs), false);
  engine.impl_->rememberEinsumPlan(key, plan.state_);
  return plan;
}

Plan EngineAccess::callPlan(Engine& engine, std::string_view expression,
                            const std::vector<TensorView>& inputs, const CallOptions& options) {
  checkEinsumInputs(inputs, std::string(expression));
  // The prefix keeps call plans apart from einsum plans of the same text ("ij,jk"): a
  // subscripts string never holds a colon.
  std::string key = (options.legacyBatchDot ? "legacy:" : "call:") + einsumKey(expression, inputs);
  if (std::shared_ptr<Plan::State> state = engine.impl_->einsumPlan(key))
    return Plan(std::move(state));
  std::vector<Shape> shapes;
  for (const TensorView& input : inputs)
    shapes.push_back(input.shape());
  std::shared_ptr<Plan::State> state =
      callState(engine.impl_, readCall(expression, shapes, inputs[0].dtype(), options));
  engine.impl_->rememberEinsumPlan(key, state);
  return Plan(std::move(state));
}

void Engine::call(std::string_view expression, const std::vector<TensorView>& inputs,
                  const TensorView& out, const RunOptions& options,
                  const CallOptions& callOptions) {
  EngineAccess::callPlan(*this, expression, inputs, callOptions).run(inputs, out, options);
}

Tensor Engine::call(std::string_view expression, const std::vector<TensorView>& inputs,
                    const RunOptions& options, const CallOptions& callOptions) {
  return EngineAccess::callPlan(*this, expression, inputs, callOptions).run(inputs, options);
}

void Engine::einsum(std::string_view subscripts, const std::vector<TensorView>& inputs,
                    const TensorView& out, const RunOptions& options) {
  EngineAccess::einsumPlan(*this, subscripts, inputs).run(inputs, out, options);
}

Tensor Engine::einsum(std::string_view subscripts, const std::vector<TensorView>& inputs,
                      const RunOptions& options) {
  return EngineAccess::einsumPlan(*this, subscripts, inputs).run(inputs, options);
}

EngineStatistics Engine::statistics() const {
  jit::CacheStatistics cache = impl_->cache.statistics();
  EngineStatistics statistics;
  statistics.hits = cache.hits;
  statistics.misses = cache.misses;
  statistics.waits = cache.waits;
  statistics.failures = cache.failures;
  statistics.evictions = cache.evictions;
  statistics.entries = cache.entries;
  statistics.compileMillis = cache.compileMillis;
  jit::DiskCacheStatistics onDisk = impl_->disk.statistics();
  statistics.diskHits = onDisk.hits;
  statistics.diskWrites = onDisk.writes;
  statistics.diskRejects = onDisk.rejects;
  return statistics;
}

TargetInfo Engine::target() const {
  TargetInfo info;
  info.triple = impl_->target.triple;
  info.cpu = impl_->target.cpu;
  info.vectorBits = impl_->target.vectorBits;
  info.vectorRegisters = impl_->target.vectorRegisters;
  const support::CacheSizes& caches = impl_->loopOptions.caches;
  info.caches = {caches.l1d, caches.l2, caches.l3};
  info.missingOnHost = impl_->missingFeatures;
  return info;
}

std::string Engine::targetDescription() const {
  return impl_->target.triple + " " + impl_->target.cpu + ", " +
         std::to_string(impl_->target.vectorBits) + "-bit vectors, " +
         support::toString(impl_->loopOptions.caches);
}

} // namespace einjit
