// Shapes, non-owning strided views over caller memory (read-only TensorView, writable
// MutableTensorView, InputViews for a run's inputs), and a small owning tensor.
#pragma once

#include "einjit/dtype.h"

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
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

/// A read-only, non-owning view of caller memory: data pointer, dtype, shape, strides in
/// elements. What a contraction reads (its inputs). Copies share the shape and strides (counted
/// references, never copied), so copying a view allocates nothing; the memory stays the
/// caller's and must outlive every use of the view. A moved-from view is empty, as a default one.
class TensorView {
public:
  TensorView() = default;
  /// Empty `strides` means row-major. Throws Error(Misuse) when strides and shape differ in rank,
  /// Error(Shape) when row-major strides for `shape` would overflow 64 bits.
  TensorView(const void* data, DType dtype, Shape shape, Strides strides = {});
  TensorView(const TensorView&) = default;
  TensorView& operator=(const TensorView&) = default;
  TensorView(TensorView&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), dtype_(other.dtype_),
        layout_(std::move(other.layout_)) {}
  TensorView& operator=(TensorView&& other) noexcept {
    data_ = std::exchange(other.data_, nullptr);
    dtype_ = other.dtype_;
    layout_ = std::move(other.layout_);
    return *this;
  }
  ~TensorView() = default;

  const void* data() const { return data_; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return layout_ ? layout_->shape : kNoExtents; }
  const Strides& strides() const { return layout_ ? layout_->strides : kNoExtents; }
  std::size_t rank() const { return shape().size(); }
  std::int64_t elements() const { return elementCount(shape()); }
  /// The same dtype, shape and strides over `data`: another block of memory laid out alike (the
  /// next chunk of a larger array). Shares the shape and strides, so it allocates nothing.
  TensorView rebased(const void* data) const {
    TensorView view(*this);
    view.data_ = data;
    return view;
  }

private:
  struct Layout {
    Shape shape;
    Strides strides;
  };
  /// The shape and strides of a rank-0 view, which has no Layout.
  inline static const std::vector<std::int64_t> kNoExtents{};

  const void* data_ = nullptr;
  DType dtype_ = DType::f32;
  std::shared_ptr<const Layout> layout_;
};

/// A writable view: a TensorView whose memory a contraction may write (Plan::run's output).
/// Built only from non-const memory: `const void*` or a const Tensor gives a TensorView, which
/// cannot be an output. Usable wherever a TensorView is read (an output read by a later call).
class MutableTensorView : public TensorView {
public:
  MutableTensorView() = default;
  /// As TensorView's constructor.
  MutableTensorView(void* data, DType dtype, Shape shape, Strides strides = {})
      : TensorView(data, dtype, std::move(shape), std::move(strides)) {}

  /// The constructor took a `void*`: the cast gives back what it was given.
  void* data() const { return const_cast<void*>(TensorView::data()); }
  /// As TensorView::rebased, writable.
  MutableTensorView rebased(void* data) const {
    MutableTensorView view(*this);
    static_cast<TensorView&>(view) = TensorView::rebased(data);
    return view;
  }
};

/// The read-only views a run takes as its inputs (Plan::run, Engine::einsum, Engine::call):
/// a span over views the caller holds, so that passing them copies and allocates nothing.
/// Implicit from a braced list (`plan.run({a.view(), b.view()}, out.view())`), and from a
/// std::vector, std::array, std::span or array of TensorView. A parameter type: a braced
/// list's views live until the end of the full expression (the call), so do not keep one.
class InputViews {
public:
  InputViews() = default;
  InputViews(std::initializer_list<TensorView> views) : views_(views.begin(), views.size()) {}
  /// Any contiguous sequence of TensorView objects: std::vector, std::array, std::span, a C
  /// array. (Not of MutableTensorView: list those as TensorViews.)
  template <class Views>
  requires requires(const Views& views) {
    { std::size(views) } -> std::convertible_to<std::size_t>;
    requires std::same_as<std::remove_cv_t<std::remove_pointer_t<decltype(std::data(views))>>,
                          TensorView>;
  }
  InputViews(const Views& views) : views_(std::data(views), std::size(views)) {}

  std::size_t size() const { return views_.size(); }
  bool empty() const { return views_.empty(); }
  const TensorView& operator[](std::size_t i) const { return views_[i]; }
  const TensorView& front() const { return views_.front(); }
  const TensorView* begin() const { return views_.data(); }
  const TensorView* end() const { return views_.data() + views_.size(); }
  std::span<const TensorView> span() const { return views_; }

private:
  std::span<const TensorView> views_;
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

  DType dtype() const { return view_.dtype(); }
  const Shape& shape() const { return view_.shape(); }
  const Strides& strides() const { return view_.strides(); }
  Order order() const { return order_; }
  std::int64_t elements() const { return elements_; }
  std::size_t byteSize() const { return elements_ * dtypeSize(view_.dtype()); }
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
  /// A read-only view of the elements, for reading (a run's input). Shares the tensor's shape
  /// and strides: no allocation.
  TensorView view() const { return view_; }
  /// A writable view (a run's output, or an input: it is a TensorView too). A const Tensor
  /// gives the read-only view above, which a run does not take as its output.
  MutableTensorView view() { return view_; }

private:
  Tensor(DType dtype, Shape shape, Order order, bool zeroed);

  Order order_ = Order::C;
  std::int64_t elements_ = 0;
  std::shared_ptr<std::byte[]> storage_;
  /// Over storage_, with the tensor's dtype, shape and strides.
  MutableTensorView view_;
};

} // namespace einjit
