// The Engine: its options resolved (target, caches, tuning), the kernel of a loop nest from the
// memory cache, the disk cache or the compiler, statistics and target.
#include "engine/EngineImpl.h"

#include "driver/Driver.h"
#include "einjit/error.h"
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
  passes::LoopOptions loops = driver::targetLoopOptions(target, engineCacheSizes(options));
  loops.strategy = driver::forcedStrategy(options.strategy);
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
  if (!strategy)
    return driver::lowerProgram(program, operandClasses, outputClass, options.constantExtents,
                                loopOptions);
  passes::LoopOptions forced = loopOptions;
  forced.strategy = strategy;
  return driver::lowerProgram(program, operandClasses, outputClass, options.constantExtents,
                              forced);
}

std::shared_ptr<const jit::Kernel> Engine::Impl::kernelFor(const ir::LoopNest& nest) {
  std::string key = ir::keyText(nest) + "target " + target.key() + " vector " +
                    std::to_string(target.vectorBits) + "\neinjit " EINJIT_VERSION "\n";
  Source source{
      [&](const std::string& symbol) { return codegen::emitLLVMIR(nest, target, symbol, false); },
      [&](const std::string& symbol) { return codegen::compileObjects(nest, target, symbol); }};
  return cache.getOrCompile(key, [&] { return loadOrCompile(source, key); });
}

std::shared_ptr<const jit::Kernel>
Engine::Impl::prologueFor(const codegen::OperandPrologue& prologue) {
  // A prologue's key starts with "prologue", which no loop nest's text does.
  std::string key =
      codegen::keyText(prologue) + "target " + target.key() + "\neinjit " EINJIT_VERSION "\n";
  Source source{[&](const std::string& symbol) {
                  return codegen::emitPrologueIR(prologue, target, symbol, false);
                },
                [&](const std::string& symbol) {
                  return std::vector<std::string>{
                      codegen::compilePrologue(prologue, target, symbol)};
                }};
  return cache.getOrCompile(key, [&] { return loadOrCompile(source, key); });
}

std::shared_ptr<const jit::Kernel> Engine::Impl::loadOrCompile(const Source& source,
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
  bool onDisk = disk.enabled() && !jit.defines(symbol);
  if (!onDisk)
    symbol = jit.newSymbol();
  driver::CacheableObject object{key, symbol, [&] { return source.unoptimizedIR(symbol); },
                                 [&] { return jit::bundleObjects(source.objects(symbol)); }};
  std::shared_ptr<const jit::Kernel> kernel;
  // Loaded after compiling, so that millis() counts the compilation.
  driver::loadOrCompile(onDisk ? &disk : nullptr, target, object, [&](const std::string& code) {
    kernel = jit.load(code, symbol, millis());
  });
  return kernel;
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
  info.bf16DotProduct = impl_->target.bf16DotProduct;
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
