// Shapes, non-owning strided views over caller memory, and a small owning tensor.
#pragma once

#include "einjit/dtype.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace einjit {

using Shape = std::vector<std::int64_t>;
/// Strides in elements (not bytes); any value, including 0 for broadcast and negative.
using Strides = std::vector<std::int64_t>;

/// Row-major (C order) strides of a shape.
Strides rowMajorStrides(const Shape& shape);
/// Column-major (Fortran order) strides of a shape.
Strides columnMajorStrides(const Shape& shape);
/// Number of elements; throws Error(Shape) when an extent is negative or the product overflows.
std::int64_t elementCount(const Shape& shape);
/// "(2, 3, 4)" as Python prints a shape tuple; "(3,)" for rank 1, "()" for rank 0.
std::string shapeToPython(const Shape& shape);
/// "2x3x4"; "scalar" for rank 0.
std::string shapeToText(const Shape& shape);

/// A non-owning view: data pointer, dtype, shape, strides in elements.
class TensorView {
public:
  TensorView() = default;
  /// Empty `strides` means row-major. Throws Error(Misuse) when strides and shape differ in rank.
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

/// An owning tensor, zero-initialised, stored contiguously in C or Fortran order from a
/// 64-byte aligned address.
class Tensor {
public:
  enum class Order { C, F };
  Tensor() = default;
  Tensor(DType dtype, Shape shape, Order order = Order::C);

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
  DType dtype_ = DType::f32;
  Shape shape_;
  Strides strides_;
  Order order_ = Order::C;
  std::int64_t elements_ = 0;
  std::shared_ptr<std::byte[]> storage_;
};

} // namespace einjit
