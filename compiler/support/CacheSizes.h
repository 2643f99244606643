// The data cache sizes of the machine, which the schedule sizes its working sets against
// (DESIGN.md §6: block sizes come from the caches, not from constants).
#pragma once

#include <cstddef>
#include <string>

namespace einjit::support {

/// Per-core L1 data and L2 sizes and the L3 size, in bytes. The defaults are a common x86 core.
struct CacheSizes {
  std::size_t l1d = 32 << 10;
  std::size_t l2 = 1 << 20;
  std::size_t l3 = 8 << 20;
  bool operator==(const CacheSizes&) const = default;
};

/// The host's caches, read once from /sys/devices/system/cpu/cpu0/cache/index*/{level,type,size};
/// a level that cannot be read keeps its default.
CacheSizes hostCacheSizes();

/// "L1d 32 KiB, L2 1024 KiB, L3 32768 KiB".
std::string toString(const CacheSizes& caches);

} // namespace einjit::support
