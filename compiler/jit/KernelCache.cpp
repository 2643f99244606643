#include "jit/KernelCache.h"

#include <algorithm>
#include <vector>

namespace einjit::jit {

KernelCache::KernelCache(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

std::shared_ptr<const Kernel> KernelCache::getOrCompile(const std::string& key,
                                                        const Compile& compile) {
  std::unique_lock<std::mutex> lock(mutex_);
  auto found = entries_.find(key);
  if (found != entries_.end()) {
    std::shared_ptr<Entry> entry = found->second;
    ++statistics_.hits;
    if (!entry->ready) {
      ++statistics_.waits;
      compiled_.wait(lock, [&] { return entry->ready; });
    }
    if (entry->failure)
      std::rethrow_exception(entry->failure);
    // A failed entry is erased and an evicted one is off the recency list; only live entries
    // move to the front.
    auto live = entries_.find(key);
    if (live != entries_.end() && live->second == entry)
      recency_.splice(recency_.begin(), recency_, entry->recency);
    return entry->kernel;
  }

  auto entry = std::make_shared<Entry>();
  entries_.emplace(key, entry);
  ++statistics_.misses;
  lock.unlock();
  std::shared_ptr<const Kernel> kernel;
  std::exception_ptr failure;
  try {
    kernel = compile();
  } catch (...) {
    failure = std::current_exception();
  }
  // Whatever this function drops (evicted kernels) must be released outside the lock: a
  // kernel's release action may take locks of its own.
  std::vector<std::shared_ptr<const Kernel>> dropped;
  lock.lock();
  entry->ready = true;
  if (failure) {
    entry->failure = failure;
    ++statistics_.failures;
    entries_.erase(key);
  } else {
    entry->kernel = kernel;
    statistics_.compileMillis += kernel->compileMillis();
    recency_.push_front(key);
    entry->recency = recency_.begin();
    while (recency_.size() > capacity_) {
      auto victim = entries_.find(recency_.back());
      dropped.push_back(victim->second->kernel);
      entries_.erase(victim);
      recency_.pop_back();
      ++statistics_.evictions;
    }
  }
  compiled_.notify_all();
  lock.unlock();
  dropped.clear();
  if (failure)
    std::rethrow_exception(failure);
  return kernel;
}

CacheStatistics KernelCache::statistics() const {
  std::lock_guard<std::mutex> lock(mutex_);
  CacheStatistics statistics = statistics_;
  statistics.entries = recency_.size();
  return statistics;
}

bool KernelCache::contains(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = entries_.find(key);
  return found != entries_.end() && found->second->ready;
}

} // namespace einjit::jit
