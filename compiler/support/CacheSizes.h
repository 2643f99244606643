// The data cache sizes of the host, for block sizes.
#pragma once

#include <cstddef>

namespace einjit::support {

struct CacheSizes {
  std::size_t l1d = 32 << 10;
  std::size_t l2 = 1 << 20;
  std::size_t l3 = 8 << 20;
};

/// Read once from /sys/devices/system/cpu/cpu0/cache; the defaults where unreadable.
CacheSizes hostCacheSizes();

} // namespace einjit::support
