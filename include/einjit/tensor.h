// Shapes, non-owning strided views over caller memory, and a small owning tensor.
#pragma once

#include "einjit/dtype.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace einjit {

/// einjit's limits on hostile input (docs/LIMITS.md has the table and the messages). Past one,
/// the call throws Error(Resource) before it spends time or memory on the input.
namespace limits {
/// Dimensions of one operand or output (numpy 2's NPY_MAXDIMS).
inline constexpr std::size_t maxRank = 64;
/// Operands of one contraction (numpy 2's NPY_MAXARGS).
inline constexpr std::size_t maxOperands = 64;
/// Characters of an einsum string, a call text or a --shapes text.
inline constexpr std::size_t maxTextLength = 65536;
/// Nesting of brackets, calls and `@` in a call text (CPython's parser stops at 200).
inline constexpr std::size_t maxNesting = 100;
/// Bytes of a .npy header (numpy's own np.load refuses more than 10,000 by default).
inline constexpr std::size_t maxNpyHeaderBytes = 1 << 20;
/// The most bytes one allocation einjit makes for you (a result Tensor, a path temporary, a
/// .npy file's data) may take: the machine's physical memory plus swap, or the address-space or
/// data-segment rlimit when that is lower. Read once per process.
std::uint64_t memoryBytes();
/// Throws Error(Resource) naming `what` when `bytes` exceeds memoryBytes(): einjit refuses an
/// allocation that cannot succeed rather than attempting it (sanitizers abort on those).
void checkAllocation(std::uint64_t bytes, std::string_view what);
} // namespace limits

using Shape = std::vector<std::int64_t>;
/// Strides in elements (not bytes); any value, including 0 for broadcast and negative.
using Strides = std::vector<std::int64_t>;

/// Row-major (C order) strides of a shape. Throws Error(Shape) when a stride overflows 64 bits.
Strides rowMajorStrides(const Shape& shape);
/// Column-major (Fortran order) strides of a shape.
Strides columnMajorStrides(const Shape& shape);
/// Number of elements; throws Error(Shape) when an extent is negative or the product overflows.
std::int64_t elementCount(const Shape& shape);
/// The same, for a tensor the message names ("operand x", "the output out"): Error(Resource)
/// past limits::maxRank, Error(Shape) naming the axis for a negative extent or an overflow.
std::int64_t elementCount(const Shape& shape, std::string_view what);
/// "(2, 3, 4)" as Python prints a shape tuple; "(3,)" for rank 1, "()" for rank 0.
std::string shapeToPython(const Shape& shape);
/// "2x3x4"; "scalar" for rank 0.
std::string shapeToText(const Shape& shape);

/// A non-owning view: data pointer, dtype, shape, strides in elements.
class TensorView {
public:
  TensorView() = default;
  /// Empty `strides` means row-major. Throws Error(Misuse) when strides and shape differ in rank,
  /// Error(Shape) when row-major strides for `shape` would overflow 64 bits.
  TensorView(void* data, DType dtype, Shape shape, Strides strides = {});
  TensorView(const void* data, DType dtype, Shape shape, Strides strides = {})
      : TensorView(const_cast<void*>(data), dtype, std::move(shape), std::move(strides)) {}

  void* data() const { return data_; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  const Strides& strides() const { return strides_; }
  std::size_t rank() const { return shape_.size(); }
  std::int64_t elements() const { return elementCount(shape_); }

private:
  void* data_ = nullptr;
  DType dtype_ = DType::f32;
  Shape shape_;
  Strides strides_;
};

/// An owning tensor, zero-initialised (Tensor::empty: not), stored contiguously in C or Fortran
/// order from a 64-byte aligned address. A shape larger than limits::memoryBytes() is
/// Error(Resource), and so is an allocation that fails: never std::bad_alloc. Not copyable, so that
/// no copy aliases storage unseen: clone() copies the elements, share() is a second handle on the
/// same ones.
class Tensor {
public:
  enum class Order { C, F };
  Tensor() = default;
  Tensor(DType dtype, Shape shape, Order order = Order::C);
  Tensor(const Tensor&) = delete;
  Tensor& operator=(const Tensor&) = delete;
  Tensor(Tensor&&) noexcept = default;
  Tensor& operator=(Tensor&&) noexcept = default;

  /// A tensor whose elements are left as the allocator returns them (as numpy.empty): for
  /// outputs that are written whole before they are read. Same limits and errors as the
  /// zero-initialising constructor, without its pass over the memory.
  static Tensor empty(DType dtype, Shape shape, Order order = Order::C);

  /// A new tensor of the same dtype, shape and order holding a copy of the elements.
  Tensor clone() const;
  /// A second handle on the same elements (writes through one show through the other); the
  /// storage lives while either does.
  Tensor share() const;

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  const Strides& strides() const { return strides_; }
  Order order() const { return order_; }
  std::int64_t elements() const { return elements_; }
  std::size_t byteSize() const { return elements_ * dtypeSize(dtype_); }
  void* data() { return storage_.get(); }
  const void* data() const { return storage_.get(); }
  template <class T>
  T* as() {
    return static_cast<T*>(data());
  }
  template <class T>
  const T* as() const {
    return static_cast<const T*>(data());
  }
  TensorView view() const { return TensorView(storage_.get(), dtype_, shape_, strides_); }

private:
  Tensor(DType dtype, Shape shape, Order order, bool zeroed);

  DType dtype_ = DType::f32;
  Shape shape_;
  Strides strides_;
  Order order_ = Order::C;
  std::int64_t elements_ = 0;
  std::shared_ptr<std::byte[]> storage_;
};

} // namespace einjit
