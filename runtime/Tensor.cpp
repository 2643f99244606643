#include "einjit/tensor.h"

#include "einjit/error.h"

#include <cstring>
#include <limits>
#include <new>

namespace einjit {

Strides rowMajorStrides(const Shape& shape) {
  Strides strides(shape.size());
  std::int64_t step = 1;
  for (std::size_t d = shape.size(); d-- > 0;) {
    strides[d] = step;
    step *= shape[d] > 0 ? shape[d] : 1;
  }
  return strides;
}

Strides columnMajorStrides(const Shape& shape) {
  Strides strides(shape.size());
  std::int64_t step = 1;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    strides[d] = step;
    step *= shape[d] > 0 ? shape[d] : 1;
  }
  return strides;
}

std::int64_t elementCount(const Shape& shape) {
  std::int64_t count = 1;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] < 0)
      throw Error(ErrorKind::Shape, "extent " + std::to_string(shape[d]) + " of axis " +
                                        std::to_string(d) + " in shape " + shapeToPython(shape) +
                                        " is negative");
    if (shape[d] != 0 && count > std::numeric_limits<std::int64_t>::max() / shape[d])
      throw Error(ErrorKind::Shape, "shape " + shapeToPython(shape) +
                                        " has more elements than a 64-bit count can hold");
    count *= shape[d];
  }
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

TensorView::TensorView(void* data, DType dtype, Shape shape, Strides strides)
    : data_(data), dtype_(dtype), shape_(std::move(shape)), strides_(std::move(strides)) {
  if (strides_.empty() && !shape_.empty())
    strides_ = rowMajorStrides(shape_);
  if (strides_.size() != shape_.size())
    throw Error(ErrorKind::Misuse, "tensor view of shape " + shapeToPython(shape_) + " has " +
                                       std::to_string(strides_.size()) + " strides, expected " +
                                       std::to_string(shape_.size()));
}

namespace {
constexpr std::align_val_t kStorageAlignment{64};
} // namespace

Tensor::Tensor(DType dtype, Shape shape, Order order)
    : dtype_(dtype), shape_(std::move(shape)), order_(order), elements_(elementCount(shape_)) {
  strides_ = order == Order::C ? rowMajorStrides(shape_) : columnMajorStrides(shape_);
  if (static_cast<std::uint64_t>(elements_) >
      std::numeric_limits<std::size_t>::max() / 16 / dtypeSize(dtype))
    throw Error(ErrorKind::Shape, "tensor of shape " + shapeToPython(shape_) + " is too large");
  std::size_t bytes = byteSize() > 0 ? byteSize() : 1;
  // Cache-line aligned: plain new of a large block returns a page plus 16 bytes, which splits
  // every 64-byte vector access across two lines (G512 f64 ran ~10 % slower from that alone).
  storage_ =
      std::shared_ptr<std::byte[]>(new (kStorageAlignment) std::byte[bytes], [](std::byte* bytes) {
        ::operator delete[](bytes, kStorageAlignment);
      });
  std::memset(storage_.get(), 0, bytes);
}

} // namespace einjit
