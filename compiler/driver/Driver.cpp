// The lowering and the cache identity the JIT and ahead-of-time compilation share.
#include "driver/Driver.h"

namespace einjit::driver {

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

} // namespace einjit::driver
