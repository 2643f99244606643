#include "driver/TargetFlags.h"

#include "codegen/Codegen.h"
#include "support/CacheSizes.h"

namespace einjit::driver {

void checkTargetName(const std::string& cpu, const std::string& source) {
  codegen::resolveTarget(cpu, source);
}

std::optional<CacheSizes> parseCacheSizes(const std::string& text, std::string& error) {
  std::optional<support::CacheSizes> caches = support::parseCacheSizes(text, error);
  if (!caches)
    return std::nullopt;
  return CacheSizes{caches->l1d, caches->l2, caches->l3};
}

} // namespace einjit::driver
