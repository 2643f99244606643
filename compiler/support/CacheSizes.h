// The data cache sizes of the machine, which the schedule sizes its working sets against
// (docs/architecture.md §5: block sizes come from the caches, not from constants).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace einjit::support {

/// Per-core L1 data and L2 sizes and the L3 size, in bytes. The defaults are a common x86 core.
struct CacheSizes {
  std::size_t l1d = 32 << 10;
  std::size_t l2 = 1 << 20;
  std::size_t l3 = 8 << 20;
  bool operator==(const CacheSizes&) const = default;
};

/// The bounds saneCacheSizes keeps each level within.
inline constexpr std::size_t kMinL1d = 16 << 10;
inline constexpr std::size_t kMaxL1d = 128 << 10;
inline constexpr std::size_t kMinL2 = 128 << 10;
inline constexpr std::size_t kMaxL2 = 4 << 20;
/// No core streams from more L3 than this, however much a hypervisor reports (sysfs under KVM
/// has shown 480 MiB): the block sizes derived from the L3 stay those of a real slice.
inline constexpr std::size_t kMaxL3 = 64 << 20;

/// What the schedule can rely on from sizes as sysfs reports them: each level within its
/// bounds; the L2 at least the L1d; the L3 (missing on some CPUs and VMs: reported as 0) at
/// least twice the L2, so the last level always holds the blocks the L2 streams from. Nothing
/// reported at all (all three 0: no sysfs) gives the defaults.
CacheSizes saneCacheSizes(CacheSizes reported);

/// The caches of CPU 0 under a sysfs CPU root (normally "/sys/devices/system/cpu"), read from
/// cpu0/cache/index*/{level,type,size,shared_cpu_list}. A level that is missing or malformed
/// is 0; an L1d or L2 shared by more CPUs than one core's hardware threads
/// (cpu0/topology/thread_siblings_list) counts as that core's share. Not sanitised.
CacheSizes readSysfsCacheSizes(const std::string& cpuRoot);

/// The host's caches: saneCacheSizes(readSysfsCacheSizes("/sys/devices/system/cpu")), read once;
/// levels that cannot be read take the defaults first.
CacheSizes hostCacheSizes();

/// "48K,2M,32M" (L1d,L2,L3; suffixes K, M, G, KiB, MiB, GiB or none for bytes) as sizes, or
/// nullopt with `error` saying what is wrong. Not sanitised: a pinned size is taken as given.
std::optional<CacheSizes> parseCacheSizes(std::string_view text, std::string& error);

/// "L1d 32 KiB, L2 1024 KiB, L3 32768 KiB".
std::string toString(const CacheSizes& caches);

} // namespace einjit::support
