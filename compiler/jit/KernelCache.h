// The kernel cache (docs/kernel-cache.md): compiled kernels by key, single-flight compilation, a
// bounded least-recently-used set of entries, and hit / miss / compile-time statistics.
#pragma once

#include "jit/Kernel.h"
#include "support/LruMap.h"

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace einjit::jit {

struct CacheStatistics {
  std::uint64_t hits = 0;      ///< lookups served without compiling (including waits)
  std::uint64_t misses = 0;    ///< lookups that compiled
  std::uint64_t waits = 0;     ///< hits that waited for another thread's compilation
  std::uint64_t failures = 0;  ///< compilations that threw
  std::uint64_t evictions = 0; ///< entries dropped to stay within capacity
  std::size_t entries = 0;     ///< kernels held now
  double compileMillis = 0;    ///< total time spent in successful compilations
};

class KernelCache {
public:
  using Compile = std::function<std::shared_ptr<const Kernel>()>;

  /// Holds at most `capacity` kernels (at least one).
  explicit KernelCache(std::size_t capacity);

  /// The kernel of `key`, compiling it with `compile` on a miss. Concurrent first calls of one
  /// key compile once: the others wait and share the result (or the exception). Different keys
  /// compile in parallel. Past capacity the least recently used kernel is dropped; its code is
  /// freed when no caller holds it any more.
  std::shared_ptr<const Kernel> getOrCompile(const std::string& key, const Compile& compile);

  CacheStatistics statistics() const;
  bool contains(const std::string& key) const;

private:
  /// A compilation in flight, which later callers of its key wait for.
  struct Pending {
    std::shared_ptr<const Kernel> kernel;
    std::exception_ptr failure;
    bool ready = false;
  };

  mutable std::mutex mutex_;
  std::condition_variable compiled_;
  std::unordered_map<std::string, std::shared_ptr<Pending>> pending_;
  support::LruMap<std::string, std::shared_ptr<const Kernel>> kernels_; ///< compiled ones
  CacheStatistics statistics_;
};

} // namespace einjit::jit
