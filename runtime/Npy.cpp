// .npy reading and writing. The header is a Python dict literal; only the three keys numpy writes
// are accepted, and every length read from the file is checked against the bytes really there.
#include "einjit/npy.h"

#include "einjit/error.h"

#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <sys/stat.h>

namespace einjit {

// Element bytes are copied as they are in memory, and .npy files here are little-endian.
static_assert(std::endian::native == std::endian::little,
              "einjit's .npy I/O needs a little-endian host");

namespace {

constexpr std::string_view kMagic = "\x93NUMPY";

/// A header as quoted in a message: at most 200 characters of it.
std::string excerpt(std::string_view header) {
  constexpr std::size_t kShown = 200;
  if (header.size() <= kShown)
    return std::string(header);
  return std::string(header.substr(0, kShown)) + "... (" + std::to_string(header.size()) +
         " characters)";
}

/// Builds Error(Io) messages that start with the call and the file.
class NpyFailure {
public:
  NpyFailure(std::string call, std::string what) : prefix_(call + ": " + what + ": ") {}
  /// "readNpy: FILE: ", for errors of another kind than Io.
  const std::string& prefix() const { return prefix_; }
  [[noreturn]] void operator()(const std::string& message) const {
    throw Error(ErrorKind::Io, prefix_ + message);
  }

private:
  std::string prefix_;
};

/// The value of one header key: a string, a boolean or a tuple of integers.
struct HeaderValue {
  enum class Kind { String, Bool, Tuple } kind = Kind::String;
  std::string text;
  bool flag = false;
  Shape tuple;
};

/// Reads the dict literal of a .npy header (a subset of Python literal syntax).
class HeaderParser {
public:
  HeaderParser(std::string_view text, const NpyFailure& fail) : text_(text), fail_(fail) {}

  std::map<std::string, HeaderValue> parseDict() {
    std::map<std::string, HeaderValue> entries;
    expect('{');
    while (true) {
      skipSpaces();
      if (peek() == '}')
        break;
      std::string key = parseString();
      expect(':');
      HeaderValue value = parseValue(key);
      if (!entries.emplace(key, value).second)
        fail_("bad header: key '" + key + "' appears twice");
      skipSpaces();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != '}')
        unexpected("',' or '}'");
    }
    ++pos_;
    skipSpaces();
    if (pos_ != text_.size())
      unexpected("the end of the header after '}'");
    return entries;
  }

private:
  void skipSpaces() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

  [[noreturn]] void unexpected(const std::string& expected) const {
    std::string found =
        pos_ < text_.size() ? "'" + std::string(1, text_[pos_]) + "'" : "the end of the header";
    fail_("bad header: expected " + expected + " at offset " + std::to_string(pos_) + ", found " +
          found + " in " + excerpt(text_));
  }

  void expect(char c) {
    skipSpaces();
    if (peek() != c)
      unexpected("'" + std::string(1, c) + "'");
    ++pos_;
  }

  std::string parseString() {
    skipSpaces();
    char quote = peek();
    if (quote != '\'' && quote != '"')
      unexpected("a quoted string");
    std::size_t end = text_.find(quote, pos_ + 1);
    if (end == std::string_view::npos)
      fail_("bad header: unterminated string at offset " + std::to_string(pos_));
    std::string value(text_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return value;
  }

  std::int64_t parseExtent() {
    skipSpaces();
    if (peek() == '-')
      fail_("bad header: negative extent in shape " + excerpt(text_));
    if (peek() < '0' || peek() > '9')
      unexpected("an extent");
    std::int64_t value = 0;
    while (peek() >= '0' && peek() <= '9') {
      int digit = peek() - '0';
      if (value > (std::numeric_limits<std::int64_t>::max() - digit) / 10)
        fail_("bad header: extent too large in shape " + excerpt(text_));
      value = value * 10 + digit;
      ++pos_;
    }
    // Python 2 numpy wrote longs with an L suffix, e.g. (3L, 4L).
    if (peek() == 'L')
      ++pos_;
    return value;
  }

  HeaderValue parseValue(const std::string& key) {
    skipSpaces();
    HeaderValue value;
    if (peek() == '\'' || peek() == '"') {
      value.text = parseString();
      return value;
    }
    if (text_.substr(pos_, 4) == "True" || text_.substr(pos_, 5) == "False") {
      value.kind = HeaderValue::Kind::Bool;
      value.flag = text_[pos_] == 'T';
      pos_ += value.flag ? 4 : 5;
      return value;
    }
    if (peek() == '(') {
      ++pos_;
      value.kind = HeaderValue::Kind::Tuple;
      while (true) {
        skipSpaces();
        if (peek() == ')')
          break;
        value.tuple.push_back(parseExtent());
        skipSpaces();
        if (peek() == ',')
          ++pos_;
        else if (peek() != ')')
          unexpected("',' or ')'");
      }
      ++pos_;
      return value;
    }
    if (peek() == '[')
      fail_("unsupported dtype: structured arrays (a list as '" + key + "') are not supported");
    unexpected("a string, True, False or a tuple as the value of '" + key + "'");
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  const NpyFailure& fail_;
};

DType dtypeOfDescr(const std::string& descr, const NpyFailure& fail) {
  if (descr.size() < 2)
    fail("unsupported dtype '" + descr + "'");
  char order = descr[0];
  std::string code = descr.substr(1);
  if (code == "O")
    fail("unsupported dtype '" + descr + "': object arrays cannot be read");
  // numpy has no bfloat16: ml_dtypes' bfloat16 arrays save as two opaque bytes ('<V2'), which
  // np.load returns as V2 and `.view(ml_dtypes.bfloat16)` turns back. A 2-byte void array is
  // read as bf16.
  static const std::map<std::string, DType> codes{
      {"f4", DType::f32}, {"f8", DType::f64},   {"i4", DType::i32}, {"i8", DType::i64},
      {"c8", DType::c64}, {"c16", DType::c128}, {"f2", DType::f16}, {"V2", DType::bf16}};
  auto found = codes.find(code);
  if (found == codes.end())
    fail("unsupported dtype '" + descr +
         "' (supported: <f4 <f8 <i4 <i8 <c8 <c16 <f2, and <V2 "
         "as bfloat16)");
  if (order == '>')
    fail("unsupported dtype '" + descr + "': big-endian data is not supported");
  // '=' is the writer's native order and '|' "not applicable": numpy only writes either for
  // multi-byte types on little-endian machines, the only kind that writes these files unswapped.
  if (order != '<' && order != '=' && order != '|')
    fail("unsupported dtype '" + descr + "': unknown byte order '" + std::string(1, order) + "'");
  return found->second;
}

/// What ml_dtypes' bfloat16 saves as (dtypeOfDescr).
constexpr const char* kBfloat16Descr = "<V2";

std::string descriptorOf(DType dtype) {
  switch (dtype) {
  case DType::f32:
    return "<f4";
  case DType::f64:
    return "<f8";
  case DType::i32:
    return "<i4";
  case DType::i64:
    return "<i8";
  case DType::c64:
    return "<c8";
  case DType::c128:
    return "<c16";
  case DType::f16:
    return "<f2";
  case DType::bf16:
    return kBfloat16Descr;
  }
  return "?";
}

std::uint32_t littleEndian(std::string_view bytes) {
  std::uint32_t value = 0;
  for (std::size_t i = bytes.size(); i-- > 0;)
    value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

/// What a .npy header declares, and where the data starts.
struct NpyHeader {
  DType dtype = DType::f32;
  Shape shape;
  bool fortran = false;
  std::size_t dataOffset = 0;
  std::uint64_t dataBytes = 0;
};

/// The bytes of the fixed prefix (magic, version, header length) of a .npy file: 10 or 12.
constexpr std::size_t kLongestPrefix = 12;

/// Reads the fixed prefix; returns the offset of the data, i.e. the prefix plus the header
/// length, after checking the length against limits::maxNpyHeaderBytes.
std::size_t headerEnd(std::string_view bytes, const NpyFailure& fail) {
  if (bytes.size() < kMagic.size() + 2 || bytes.substr(0, kMagic.size()) != kMagic)
    fail("not a .npy file (bad magic: it does not start with \"\\x93NUMPY\")");
  int major = static_cast<unsigned char>(bytes[6]);
  int minor = static_cast<unsigned char>(bytes[7]);
  if (major < 1 || major > 3 || minor != 0)
    fail("unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor) +
         " (supported: 1.0, 2.0, 3.0)");
  std::size_t lengthBytes = major == 1 ? 2 : 4;
  std::size_t headerStart = kMagic.size() + 2 + lengthBytes;
  if (bytes.size() < headerStart)
    fail("truncated header: expected " + std::to_string(headerStart) + " bytes, found " +
         std::to_string(bytes.size()));
  std::size_t headerLength = littleEndian(bytes.substr(8, lengthBytes));
  if (headerLength > limits::maxNpyHeaderBytes)
    throw Error(ErrorKind::Resource,
                fail.prefix() + "the header declares " + std::to_string(headerLength) +
                    " bytes, more than the limit " + std::to_string(limits::maxNpyHeaderBytes));
  return headerStart + headerLength;
}

/// Parses the header of `bytes`, which hold at least headerEnd(bytes) bytes.
NpyHeader parseHeader(std::string_view bytes, const NpyFailure& fail) {
  std::size_t end = headerEnd(bytes, fail);
  std::size_t headerStart = bytes[6] == 1 ? 10 : 12;
  if (bytes.size() < end)
    fail("truncated header: expected " + std::to_string(end - headerStart) +
         " bytes of header, found " + std::to_string(bytes.size() - headerStart));
  std::string_view header = bytes.substr(headerStart, end - headerStart);

  std::map<std::string, HeaderValue> entries = HeaderParser(header, fail).parseDict();
  const std::map<std::string, HeaderValue::Kind> expected{
      {"descr", HeaderValue::Kind::String},
      {"fortran_order", HeaderValue::Kind::Bool},
      {"shape", HeaderValue::Kind::Tuple}};
  for (const auto& [key, value] : entries)
    if (!expected.count(key))
      fail("bad header: unexpected key '" + key + "'");
  for (const auto& [key, kind] : expected) {
    auto found = entries.find(key);
    if (found == entries.end())
      fail("bad header: missing key '" + key + "'");
    if (found->second.kind != kind)
      fail(std::string("bad header: '") + key + "' must be " +
           (kind == HeaderValue::Kind::String ? "a string"
            : kind == HeaderValue::Kind::Bool ? "True or False"
                                              : "a tuple"));
  }
  NpyHeader result;
  result.dtype = dtypeOfDescr(entries["descr"].text, fail);
  result.shape = entries["shape"].tuple;
  result.fortran = entries["fortran_order"].flag;
  result.dataOffset = end;
  const Shape& shape = result.shape;
  if (shape.size() > limits::maxRank)
    throw Error(ErrorKind::Resource, fail.prefix() + "the shape has rank " +
                                         std::to_string(shape.size()) + ", more than the limit " +
                                         std::to_string(limits::maxRank));
  std::size_t itemSize = dtypeSize(result.dtype);
  std::uint64_t elements = 1;
  for (std::int64_t extent : shape) {
    if (extent != 0 && elements > std::numeric_limits<std::uint64_t>::max() / itemSize /
                                      static_cast<std::uint64_t>(extent))
      fail("shape " + shapeToPython(shape) + " is too large");
    elements *= static_cast<std::uint64_t>(extent);
  }
  if (elements > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    fail("shape " + shapeToPython(shape) + " is too large");
  result.dataBytes = elements * itemSize;
  return result;
}

/// Fails unless `available` bytes hold the declared data; then checks the memory limit.
void checkData(const NpyHeader& header, std::uint64_t available, const NpyFailure& fail) {
  if (available < header.dataBytes)
    fail("truncated data: shape " + shapeToPython(header.shape) + " of " +
         descriptorOf(header.dtype) + " needs " + std::to_string(header.dataBytes) +
         " bytes, found " + std::to_string(available));
  limits::checkAllocation(header.dataBytes, fail.prefix() + "the data");
}

Tensor emptyTensor(const NpyHeader& header) {
  return Tensor(header.dtype, header.shape, header.fortran ? Tensor::Order::F : Tensor::Order::C);
}

Tensor parse(const std::string& bytes, const NpyFailure& fail) {
  NpyHeader header = parseHeader(bytes, fail);
  checkData(header, bytes.size() - header.dataOffset, fail);
  Tensor tensor = emptyTensor(header);
  if (header.dataBytes > 0)
    std::memcpy(tensor.data(), bytes.data() + header.dataOffset, header.dataBytes);
  return tensor;
}

/// Appends up to `count` bytes of `file` to `bytes`; returns false at the end of the file.
bool readSome(std::FILE* file, std::string& bytes, std::size_t count, const NpyFailure& fail) {
  std::size_t start = bytes.size();
  bytes.resize(start + count);
  std::size_t got = std::fread(bytes.data() + start, 1, count, file);
  bytes.resize(start + got);
  if (std::ferror(file))
    fail(std::string("cannot read: ") + std::strerror(errno));
  return got == count;
}

} // namespace

Tensor parseNpy(const std::string& bytes, const std::string& what) {
  return parse(bytes, NpyFailure("parseNpy", what));
}

Tensor readNpy(const std::string& path) {
  NpyFailure fail("readNpy", path);
  // stdio rather than iostreams: libstdc++'s stream iterators throw on a read error (a directory,
  // an I/O fault) instead of reporting it.
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!file)
    fail(std::string("cannot open: ") + std::strerror(errno));
  // The header first, then the data straight into the tensor: nothing the size of the declared
  // data is allocated before the file is known to hold it.
  std::string prefix;
  readSome(file.get(), prefix, kLongestPrefix, fail);
  std::size_t end = headerEnd(prefix, fail);
  if (end > prefix.size())
    readSome(file.get(), prefix, end - prefix.size(), fail);
  NpyHeader header = parseHeader(prefix, fail);

  struct stat status {};
  if (fstat(fileno(file.get()), &status) == 0 && S_ISREG(status.st_mode)) {
    std::uint64_t size = static_cast<std::uint64_t>(status.st_size);
    checkData(header, size > header.dataOffset ? size - header.dataOffset : 0, fail);
    Tensor tensor = emptyTensor(header);
    std::size_t got =
        header.dataBytes > 0 ? std::fread(tensor.data(), 1, header.dataBytes, file.get()) : 0;
    if (std::ferror(file.get()))
      fail(std::string("cannot read: ") + std::strerror(errno));
    if (got < header.dataBytes) // the file shrank while we read it
      fail("truncated data: shape " + shapeToPython(header.shape) + " of " +
           descriptorOf(header.dtype) + " needs " + std::to_string(header.dataBytes) +
           " bytes, found " + std::to_string(got));
    return tensor;
  }
  // A pipe or a device: its size is known only at its end, so read what is there (never more
  // than the header declares plus one block) before allocating the tensor.
  std::string data;
  while (data.size() <= header.dataBytes && readSome(file.get(), data, 1 << 16, fail)) {
  }
  checkData(header, data.size(), fail);
  Tensor tensor = emptyTensor(header);
  if (header.dataBytes > 0)
    std::memcpy(tensor.data(), data.data(), header.dataBytes);
  return tensor;
}

std::string formatNpy(const TensorView& tensor) {
  const Shape& shape = tensor.shape();
  std::int64_t elements = tensor.elements();
  if (tensor.data() == nullptr && elements > 0)
    throw Error(ErrorKind::Misuse, "formatNpy: the view of shape " + shapeToPython(shape) +
                                       " has a null data pointer");
  std::string dict = "{'descr': '" + descriptorOf(tensor.dtype()) +
                     "', 'fortran_order': False, 'shape': " + shapeToPython(shape) + ", }";
  // numpy pads with spaces so that the data starts at a multiple of 64 bytes, then ends the
  // header with a newline; a header too long for version 1.0's 16-bit length needs 2.0.
  std::size_t prefix = kMagic.size() + 2 + 2;
  bool version2 = prefix + dict.size() + 1 + 64 > 0xffff;
  if (version2)
    prefix += 2;
  std::size_t padding = 64 - (prefix + dict.size() + 1) % 64;
  std::string header = dict + std::string(padding, ' ') + "\n";

  std::string image(kMagic);
  image += static_cast<char>(version2 ? 2 : 1);
  image += '\0';
  std::size_t length = header.size();
  for (std::size_t i = 0; i < (version2 ? 4u : 2u); ++i)
    image += static_cast<char>((length >> (8 * i)) & 0xff);
  image += header;

  std::size_t itemSize = dtypeSize(tensor.dtype());
  std::size_t start = image.size();
  image.resize(start + static_cast<std::size_t>(elements) * itemSize);
  if (elements == 0)
    return image;
  const auto* base = static_cast<const char*>(tensor.data());
  const Strides& strides = tensor.strides();
  std::vector<std::int64_t> index(shape.size(), 0);
  std::int64_t offset = 0;
  for (std::int64_t n = 0; n < elements; ++n) {
    std::memcpy(image.data() + start + static_cast<std::size_t>(n) * itemSize,
                base + offset * static_cast<std::int64_t>(itemSize), itemSize);
    for (std::size_t d = shape.size(); d-- > 0;) {
      if (++index[d] < shape[d]) {
        offset += strides[d];
        break;
      }
      index[d] = 0;
      offset -= strides[d] * (shape[d] - 1);
    }
  }
  return image;
}

void writeNpy(const std::string& path, const TensorView& tensor) {
  std::string image = formatNpy(tensor);
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file)
    throw Error(ErrorKind::Io,
                "writeNpy: " + path + ": cannot open for writing: " + std::strerror(errno));
  file.write(image.data(), static_cast<std::streamsize>(image.size()));
  file.close();
  if (!file)
    throw Error(ErrorKind::Io, "writeNpy: " + path + ": cannot write " +
                                   std::to_string(image.size()) +
                                   " bytes: " + std::strerror(errno));
}

} // namespace einjit
