// Little-endian integers and length-prefixed fields in a byte string: the encoding of the disk
// cache's entry files and of a kernel's object bundle. Reads are bounds-checked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace einjit::jit {

inline void appendInteger(std::string& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i)
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

/// A u64 length, then the bytes.
inline void appendField(std::string& out, std::string_view field) {
  appendInteger(out, field.size(), 8);
  out.append(field);
}

/// Reads what appendInteger and appendField wrote; every read fails (returns false) rather than
/// run past the end.
class ByteReader {
public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}

  bool integer(std::uint64_t& value, int width) {
    if (bytes_.size() - position_ < static_cast<std::size_t>(width))
      return false;
    value = 0;
    for (int i = 0; i < width; ++i)
      value |= std::uint64_t{static_cast<unsigned char>(bytes_[position_ + i])} << (8 * i);
    position_ += static_cast<std::size_t>(width);
    return true;
  }
  bool field(std::string& value) {
    std::uint64_t size = 0;
    if (!integer(size, 8) || size > bytes_.size() - position_)
      return false;
    value.assign(bytes_.substr(position_, size));
    position_ += size;
    return true;
  }
  bool atEnd() const { return position_ == bytes_.size(); }

private:
  std::string_view bytes_;
  std::size_t position_ = 0;
};

} // namespace einjit::jit
