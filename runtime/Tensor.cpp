#include "einjit/tensor.h"

#include "einjit/error.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <limits>
#include <new>
#include <sys/resource.h>
#include <sys/sysinfo.h>

namespace einjit {

namespace limits {

namespace {

std::uint64_t measureMemory() {
  std::uint64_t bytes = std::numeric_limits<std::uint64_t>::max();
  struct sysinfo info {};
  if (sysinfo(&info) == 0 && info.totalram > 0) {
    std::uint64_t unit = info.mem_unit > 0 ? info.mem_unit : 1;
    bytes = (static_cast<std::uint64_t>(info.totalram) + info.totalswap) * unit;
  }
  for (int resource : {RLIMIT_AS, RLIMIT_DATA}) {
    struct rlimit limit {};
    if (getrlimit(resource, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
      bytes = std::min<std::uint64_t>(bytes, limit.rlim_cur);
  }
  return bytes;
}

std::string bytesText(std::uint64_t bytes) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(units)) {
    value /= 1024;
    ++unit;
  }
  char text[64];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
  return text;
}

} // namespace

std::uint64_t memoryBytes() {
  static const std::uint64_t bytes = measureMemory();
  return bytes;
}

void checkAllocation(std::uint64_t bytes, std::string_view what) {
  if (bytes > memoryBytes())
    throw Error(ErrorKind::Resource, std::string(what) + " needs " + std::to_string(bytes) +
                                         " bytes (" + bytesText(bytes) +
                                         "), more than this machine's memory (" +
                                         bytesText(memoryBytes()) + ")");
}

} // namespace limits

Strides rowMajorStrides(const Shape& shape) {
  Strides strides(shape.size());
  std::int64_t step = 1;
  for (std::size_t d = shape.size(); d-- > 0;) {
    strides[d] = step;
    if (d > 0 && __builtin_mul_overflow(step, shape[d] > 0 ? shape[d] : 1, &step))
      throw Error(ErrorKind::Shape, "the row-major strides of shape " + shapeToPython(shape) +
                                        " overflow 64 bits at axis " + std::to_string(d - 1));
  }
  return strides;
}

Strides columnMajorStrides(const Shape& shape) {
  Strides strides(shape.size());
  std::int64_t step = 1;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    strides[d] = step;
    if (d + 1 < shape.size() && __builtin_mul_overflow(step, shape[d] > 0 ? shape[d] : 1, &step))
      throw Error(ErrorKind::Shape, "the column-major strides of shape " + shapeToPython(shape) +
                                        " overflow 64 bits at axis " + std::to_string(d + 1));
  }
  return strides;
}

std::int64_t elementCount(const Shape& shape) {
  return elementCount(shape, "a tensor");
}

std::int64_t elementCount(const Shape& shape, std::string_view what) {
  if (shape.size() > limits::maxRank)
    throw Error(ErrorKind::Resource, std::string(what) + " has rank " +
                                         std::to_string(shape.size()) + ", more than the limit " +
                                         std::to_string(limits::maxRank));
  std::int64_t count = 1;
  for (std::size_t d = 0; d < shape.size(); ++d)
    if (shape[d] < 0)
      throw Error(ErrorKind::Shape, std::string(what) + ": extent " + std::to_string(shape[d]) +
                                        " of axis " + std::to_string(d) + " is negative");
  for (std::size_t d = 0; d < shape.size(); ++d)
    if (__builtin_mul_overflow(count, shape[d], &count))
      throw Error(ErrorKind::Shape,
                  std::string(what) + " of shape " + shapeToPython(shape) +
                      " has more elements than a 64-bit count can hold (from axis " +
                      std::to_string(d) + ", extent " + std::to_string(shape[d]) + ")");
  return count;
}

std::string shapeToPython(const Shape& shape) {
  std::string text = "(";
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (d > 0)
      text += ", ";
    text += std::to_string(shape[d]);
  }
  if (shape.size() == 1)
    text += ",";
  return text + ")";
}

std::string shapeToText(const Shape& shape) {
  if (shape.empty())
    return "scalar";
  std::string text;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (d > 0)
      text += "x";
    text += std::to_string(shape[d]);
  }
  return text;
}

TensorView::TensorView(const void* data, DType dtype, Shape shape, Strides strides)
    : data_(data), dtype_(dtype) {
  if (strides.empty() && !shape.empty())
    strides = rowMajorStrides(shape);
  if (strides.size() != shape.size())
    throw Error(ErrorKind::Misuse, "tensor view of shape " + shapeToPython(shape) + " has " +
                                       std::to_string(strides.size()) + " strides, expected " +
                                       std::to_string(shape.size()));
  // A rank-0 view needs no Layout (shape() and strides() are then empty).
  if (!shape.empty())
    layout_ = std::make_shared<const Layout>(Layout{std::move(shape), std::move(strides)});
}

namespace {
constexpr std::align_val_t kStorageAlignment{64};
} // namespace

Tensor::Tensor(DType dtype, Shape shape, Order order)
    : Tensor(dtype, std::move(shape), order, true) {}

Tensor Tensor::empty(DType dtype, Shape shape, Order order) {
  return Tensor(dtype, std::move(shape), order, false);
}

Tensor::Tensor(DType dtype, Shape shape, Order order, bool zeroed)
    : order_(order), elements_(elementCount(shape, "a tensor")) {
  Strides strides = order == Order::C ? rowMajorStrides(shape) : columnMajorStrides(shape);
  std::string what =
      "a tensor of shape " + shapeToPython(shape) + " and dtype " + std::string(dtypeName(dtype));
  std::uint64_t wanted = 0;
  if (__builtin_mul_overflow(static_cast<std::uint64_t>(elements_), dtypeSize(dtype), &wanted))
    throw Error(ErrorKind::Resource, what + " needs more bytes than a 64-bit size can hold");
  limits::checkAllocation(wanted, what);
  std::size_t bytes = wanted > 0 ? static_cast<std::size_t>(wanted) : 1;
  // Cache-line aligned: plain new of a large block returns a page plus 16 bytes, which splits
  // every 64-byte vector access across two lines (G512 f64 ran ~10 % slower from that alone).
  std::byte* memory = nullptr;
  try {
    memory = new (kStorageAlignment) std::byte[bytes];
  } catch (const std::bad_alloc&) {
    throw Error(ErrorKind::Resource,
                what + " needs " + std::to_string(bytes) + " bytes, which could not be allocated");
  }
  storage_ = std::shared_ptr<std::byte[]>(
      memory, [](std::byte* bytes) { ::operator delete[](bytes, kStorageAlignment); });
  if (zeroed)
    std::memset(storage_.get(), 0, bytes);
  view_ = MutableTensorView(storage_.get(), dtype, std::move(shape), std::move(strides));
}

Tensor Tensor::clone() const {
  Tensor copy(dtype(), shape(), order_);
  if (byteSize() != 0)
    std::memcpy(copy.data(), data(), byteSize());
  return copy;
}

Tensor Tensor::share() const {
  Tensor handle;
  handle.order_ = order_;
  handle.elements_ = elements_;
  handle.storage_ = storage_;
  handle.view_ = view_;
  return handle;
}

} // namespace einjit
