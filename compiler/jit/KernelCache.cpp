#include "jit/KernelCache.h"

#include <vector>

namespace einjit::jit {

KernelCache::KernelCache(std::size_t capacity) : kernels_(capacity) {}

std::shared_ptr<const Kernel> KernelCache::getOrCompile(const std::string& key,
                                                        const Compile& compile) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (std::shared_ptr<const Kernel>* kernel = kernels_.find(key)) {
    ++statistics_.hits;
    return *kernel;
  }
  auto found = pending_.find(key);
  if (found != pending_.end()) {
    std::shared_ptr<Pending> pending = found->second;
    ++statistics_.hits;
    ++statistics_.waits;
    compiled_.wait(lock, [&] { return pending->ready; });
    if (pending->failure)
      std::rethrow_exception(pending->failure);
    kernels_.find(key); // a use: most recently used now (unless already evicted)
    return pending->kernel;
  }

  auto pending = std::make_shared<Pending>();
  pending_.emplace(key, pending);
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
  pending->ready = true;
  pending_.erase(key);
  if (failure) {
    // Not cached: the next call of the key compiles again.
    pending->failure = failure;
    ++statistics_.failures;
  } else {
    pending->kernel = kernel;
    statistics_.compileMillis += kernel->compileMillis();
    kernels_.insert(key, kernel, [&](std::shared_ptr<const Kernel> evicted) {
      dropped.push_back(std::move(evicted));
      ++statistics_.evictions;
    });
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
  statistics.entries = kernels_.size();
  return statistics;
}

bool KernelCache::contains(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return kernels_.contains(key);
}

} // namespace einjit::jit
