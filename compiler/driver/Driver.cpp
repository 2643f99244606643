// The lowering, the cache identity and the cache's load-or-compile sequence the JIT and
// ahead-of-time compilation share.
#include "driver/Driver.h"

#include "einjit/error.h"

namespace einjit::driver {

passes::LoopOptions targetLoopOptions(const codegen::TargetDesc& target,
                                      const support::CacheSizes& caches) {
  passes::LoopOptions options{target.vectorBits, target.vectorRegisters, caches};
  options.bf16DotProduct = target.bf16DotProduct;
  return options;
}

ir::LoopNest lowerProgram(const ir::IndexProgram& program,
                          const std::vector<passes::StrideClass>& operandClasses,
                          const passes::StrideClass& outputClass, bool constantExtents,
                          const passes::LoopOptions& options) {
  return passes::lowerContraction(
      passes::makeContraction(program, operandClasses, outputClass, constantExtents), options);
}

jit::DiskEntryIdentity cacheIdentity(const codegen::TargetDesc& target, std::string key,
                                     const std::string& unoptimizedCode, std::string symbol) {
  return jit::DiskEntryIdentity{EINJIT_VERSION, target.key(), std::move(key),
                                jit::DiskCache::digest(unoptimizedCode), std::move(symbol)};
}

bool loadOrCompile(jit::DiskCache* disk, const codegen::TargetDesc& target,
                   const CacheableObject& object,
                   const std::function<void(const std::string& code)>& use) {
  if (!disk || !disk->enabled()) {
    use(object.compile());
    return false;
  }
  jit::DiskEntryIdentity identity =
      cacheIdentity(target, object.key, object.unoptimizedIR(), object.symbol);
  if (std::optional<std::string> code = disk->load(identity)) {
    try {
      use(*code);
      return true;
    } catch (const Error&) {
      disk->linkFailed(); // compiled again below, and the entry overwritten
    }
  }
  std::string code = object.compile();
  use(code);
  disk->store(identity, code);
  return false;
}

std::optional<ir::Strategy> forcedStrategy(Strategy strategy) {
  switch (strategy) {
  case Strategy::Auto:
    return std::nullopt;
  case Strategy::Direct:
    return ir::Strategy::Direct;
  case Strategy::Small:
    return ir::Strategy::Small;
  case Strategy::Streaming:
    return ir::Strategy::Streaming;
  case Strategy::Packed:
    return ir::Strategy::Packed;
  }
  return std::nullopt;
}

} // namespace einjit::driver
