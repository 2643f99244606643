// A map bounded by a capacity that drops its least recently used entries: the one LRU of the
// kernel cache (jit/KernelCache) and the engine's einsum plan cache (engine/EinsumPlans.cpp).
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <list>
#include <unordered_map>
#include <utility>

namespace einjit::support {

/// Not thread-safe: its users hold their own lock. Finding an entry makes it the most recently
/// used; inserting past the capacity drops the least recently used entries.
template <class Key, class Value, class Hash = std::hash<Key>>
class LruMap {
public:
  /// Holds at most `capacity` entries (at least one).
  explicit LruMap(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

  /// The value of `key`, now the most recently used; nullptr when absent.
  Value* find(const Key& key) {
    auto found = index_.find(key);
    if (found == index_.end())
      return nullptr;
    order_.splice(order_.begin(), order_, found->second);
    return &found->second->second;
  }

  /// True when `key` is held; does not count as a use.
  bool contains(const Key& key) const { return index_.count(key) != 0; }

  /// Inserts `value` as the most recently used, unless `key` is held already (then nothing
  /// changes and false is returned). Each entry dropped to stay within the capacity is handed
  /// to `dropped` (its value moved out), least recently used first.
  template <class Dropped>
  bool insert(const Key& key, Value value, Dropped&& dropped) {
    if (contains(key))
      return false;
    order_.emplace_front(key, std::move(value));
    index_.emplace(key, order_.begin());
    while (order_.size() > capacity_) {
      index_.erase(order_.back().first);
      dropped(std::move(order_.back().second));
      order_.pop_back();
    }
    return true;
  }

  void clear() {
    index_.clear();
    order_.clear();
  }

  std::size_t size() const { return order_.size(); }
  std::size_t capacity() const { return capacity_; }

private:
  using Entry = std::pair<Key, Value>;
  std::size_t capacity_;
  std::list<Entry> order_; ///< most recently used first
  std::unordered_map<Key, typename std::list<Entry>::iterator, Hash> index_;
};

} // namespace einjit::support
