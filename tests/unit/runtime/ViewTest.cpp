// The view types' contract. A TensorView reads, a MutableTensorView writes, and nothing built from
// const memory (or a const Tensor) becomes an output: the static_asserts below check that at
// compile time, each beside the assertion that the allowed form compiles, so that neither holds
// by accident. At run time: copies of a view and a Tensor's views share one shape and strides
// (so copying one allocates nothing), and InputViews points at the caller's views.
#include "einjit/engine.h"
#include "einjit/tensor.h"

#include <gtest/gtest.h>

#include <array>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

namespace einjit {
namespace {

// Read-only views of any memory; writable ones of non-const memory only.
static_assert(std::is_constructible_v<TensorView, const void*, DType, Shape, Strides>);
static_assert(std::is_constructible_v<TensorView, float*, DType, Shape>);
static_assert(std::is_constructible_v<MutableTensorView, void*, DType, Shape, Strides>);
static_assert(std::is_constructible_v<MutableTensorView, float*, DType, Shape>);
static_assert(!std::is_constructible_v<MutableTensorView, const void*, DType, Shape, Strides>);
static_assert(!std::is_constructible_v<MutableTensorView, const float*, DType, Shape>);

// A writable view reads as a TensorView; a TensorView never becomes writable.
static_assert(std::is_convertible_v<MutableTensorView, TensorView>);
static_assert(!std::is_convertible_v<TensorView, MutableTensorView>);
static_assert(!std::is_constructible_v<MutableTensorView, TensorView>);
static_assert(std::is_same_v<decltype(std::declval<const TensorView&>().data()), const void*>);
static_assert(std::is_same_v<decltype(std::declval<const MutableTensorView&>().data()), void*>);

// A Tensor's view is writable, a const Tensor's read-only.
static_assert(std::is_same_v<decltype(std::declval<Tensor&>().view()), MutableTensorView>);
static_assert(std::is_same_v<decltype(std::declval<const Tensor&>().view()), TensorView>);

// What the public API writes into.
template <class Out>
concept PlanRunsInto = requires(const Plan& plan, const Out& out) {
  plan.run({}, out);
};
template <class Out>
concept EinsumRunsInto = requires(Engine& engine, const Out& out) {
  engine.einsum("ij->i", {}, out);
};
template <class Out>
concept CallRunsInto = requires(Engine& engine, const Out& out) {
  engine.call("a @ b", {}, out);
};
using ConstTensorView = decltype(std::declval<const Tensor&>().view());
static_assert(PlanRunsInto<MutableTensorView> && EinsumRunsInto<MutableTensorView> &&
              CallRunsInto<MutableTensorView>);
static_assert(!PlanRunsInto<TensorView> && !EinsumRunsInto<TensorView> &&
              !CallRunsInto<TensorView>);
static_assert(!PlanRunsInto<ConstTensorView> && !EinsumRunsInto<ConstTensorView> &&
              !CallRunsInto<ConstTensorView>);

// What the public API reads: sequences of TensorView, without a copy.
static_assert(std::is_convertible_v<const std::vector<TensorView>&, InputViews>);
static_assert(std::is_convertible_v<std::span<const TensorView>, InputViews>);
static_assert(std::is_convertible_v<std::span<TensorView>, InputViews>);
static_assert(std::is_convertible_v<const std::array<TensorView, 2>&, InputViews>);
static_assert(std::is_convertible_v<std::initializer_list<TensorView>, InputViews>);
// A sequence of MutableTensorView is not one of TensorView objects (a braced list converts).
static_assert(!std::is_convertible_v<const std::vector<MutableTensorView>&, InputViews>);
static_assert(!std::is_convertible_v<const std::vector<Tensor>&, InputViews>);

/// The address of the first view `inputs` holds, and their count.
std::pair<const TensorView*, std::size_t> seen(InputViews inputs) {
  return {inputs.begin(), inputs.size()};
}

TEST(Views, CopiesShareOneShapeAndStrides) {
  float data[6] = {};
  TensorView view(data, DType::f32, {2, 3});
  TensorView copy = view;
  EXPECT_EQ(&copy.shape(), &view.shape());
  EXPECT_EQ(&copy.strides(), &view.strides());
  EXPECT_EQ(copy.data(), data);
  Tensor tensor(DType::f32, {2, 3});
  EXPECT_EQ(&tensor.view().shape(), &tensor.shape());
  EXPECT_EQ(&std::as_const(tensor).view().strides(), &tensor.strides());
  Tensor shared = tensor.share();
  EXPECT_EQ(&shared.shape(), &tensor.shape());
}

TEST(Views, AWritableViewReadsAsTheSameMemory) {
  float data[6] = {};
  MutableTensorView out(data, DType::f32, {3, 2}, {1, 3});
  EXPECT_EQ(out.data(), data);
  TensorView read = out;
  EXPECT_EQ(read.data(), data);
  EXPECT_EQ(read.strides(), (Strides{1, 3}));
  Tensor tensor(DType::f64, {4});
  EXPECT_EQ(tensor.view().data(), tensor.data());
  EXPECT_EQ(std::as_const(tensor).view().data(), tensor.data());
}

TEST(Views, AMovedFromViewIsEmpty) {
  float data[6] = {};
  TensorView view(data, DType::f32, {2, 3});
  TensorView moved = std::move(view);
  EXPECT_EQ(moved.shape(), (Shape{2, 3}));
  EXPECT_EQ(view.data(), nullptr); // the subject
  EXPECT_EQ(view.rank(), 0u);
  Tensor tensor(DType::f32, {2, 3});
  Tensor taken = std::move(tensor);
  EXPECT_EQ(taken.shape(), (Shape{2, 3}));
  EXPECT_EQ(tensor.view().data(), nullptr); // the subject
  EXPECT_TRUE(tensor.shape().empty());
}

TEST(Views, InputViewsPointAtTheCallersViews) {
  float data[6] = {};
  TensorView a(data, DType::f32, {2, 3});
  TensorView b(data, DType::f32, {3, 2});
  std::vector<TensorView> vector{a, b};
  EXPECT_EQ(seen(vector).first, vector.data());
  EXPECT_EQ(seen(vector).second, 2u);
  std::array<TensorView, 2> array{a, b};
  EXPECT_EQ(seen(array).first, array.data());
  EXPECT_EQ(seen(std::span<const TensorView>(array).last(1)).first, &array[1]);
  EXPECT_EQ(seen({a, b, a}).second, 3u);
  EXPECT_EQ(seen({}).second, 0u);
  InputViews listed = vector;
  EXPECT_EQ(listed[1].shape(), (Shape{3, 2}));
  EXPECT_EQ(listed.front().data(), data);
  EXPECT_EQ(listed.span().data(), vector.data());
}

} // namespace
} // namespace einjit
