// Reads a fuzz input's bytes as a sequence of choices (small integers, flags) followed by text,
// so that a structured target (einsum operands, a random contraction) can be driven by libFuzzer's
// mutations. Past the end every choice is its lowest value: each input means exactly one thing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace einjit::fuzz {

class FuzzInput {
public:
  FuzzInput(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  /// An integer in [low, high] (high - low < 65536) from the next one or two bytes.
  std::int64_t range(std::int64_t low, std::int64_t high) {
    std::uint64_t span = static_cast<std::uint64_t>(high - low) + 1;
    std::uint64_t value = next();
    if (span > 256)
      value = value << 8 | next();
    return low + static_cast<std::int64_t>(value % span);
  }
  bool flag() { return (next() & 1) != 0; }
  /// An element of a braced list or array.
  template <class T, std::size_t N>
  const T& pick(const T (&items)[N]) {
    return items[static_cast<std::size_t>(range(0, static_cast<std::int64_t>(N) - 1))];
  }
  /// The bytes not read yet, as text.
  std::string rest() {
    std::string text(reinterpret_cast<const char*>(data_ + position_), size_ - position_);
    position_ = size_;
    return text;
  }
  std::size_t remaining() const { return size_ - position_; }

private:
  std::uint64_t next() { return position_ < size_ ? data_[position_++] : 0; }

  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t position_ = 0;
};

} // namespace einjit::fuzz
