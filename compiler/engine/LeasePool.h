// Buffers a plan keeps between runs: runs of one plan may overlap, so each leases a set of its
// own for its duration (a free one, or a new one when every set is in use) and the lease gives
// it back. The pool keeps as many sets as runs ever overlapped, so a cached run allocates
// nothing. Used for staged prologue operands (Staging.cpp) and path temporaries (RunPath.cpp).
#pragma once

#include <memory>
#include <mutex>
#include <new>
#include <vector>

namespace einjit {

template <class Set>
class LeasePool {
public:
  /// A run's hold on one Set of the pool, given back when the lease goes.
  class Lease {
  public:
    explicit Lease(const LeasePool& pool) : pool_(pool) {
      {
        std::lock_guard<std::mutex> lock(pool_.mutex_);
        if (!pool_.free_.empty()) {
          set_ = std::move(pool_.free_.back());
          pool_.free_.pop_back();
          return;
        }
      }
      set_ = std::make_unique<Set>();
      fresh_ = true;
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      std::lock_guard<std::mutex> lock(pool_.mutex_);
      // The vector grows only when more runs than ever before overlap; a failed growth drops
      // the set.
      try {
        pool_.free_.push_back(std::move(set_));
      } catch (const std::bad_alloc&) {
      }
    }
    /// True when the set is new: empty, for the run to fill.
    bool fresh() const { return fresh_; }
    Set& operator*() const { return *set_; }
    Set* operator->() const { return set_.get(); }

  private:
    const LeasePool& pool_;
    std::unique_ptr<Set> set_;
    bool fresh_ = false;
  };

private:
  mutable std::mutex mutex_;
  mutable std::vector<std::unique_ptr<Set>> free_;
};

} // namespace einjit
