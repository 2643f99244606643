// Shapes, strides, views and owning tensors; dtype names and sizes.
#include "einjit/tensor.h"

#include "TestSupport.h"

#include <cstdint>
#include <limits>
#include <type_traits>

namespace einjit {
namespace {

using test::expectError;

TEST(Tensor, RowAndColumnMajorStrides) {
  EXPECT_EQ(rowMajorStrides({2, 3, 4}), (Strides{12, 4, 1}));
  EXPECT_EQ(columnMajorStrides({2, 3, 4}), (Strides{1, 2, 6}));
  EXPECT_EQ(rowMajorStrides({}), Strides{});
  // A zero extent must not zero the strides of the other axes.
  EXPECT_EQ(rowMajorStrides({2, 0, 3}), (Strides{3, 3, 1}));
  EXPECT_EQ(columnMajorStrides({2, 0, 3}), (Strides{1, 2, 2}));
}

TEST(Tensor, ElementCount) {
  EXPECT_EQ(elementCount({}), 1);
  EXPECT_EQ(elementCount({2, 3, 4}), 24);
  EXPECT_EQ(elementCount({2, 0, 4}), 0);
  const std::int64_t big = std::int64_t{1} << 32;
  EXPECT_EQ(elementCount({big, big / 2 - 1}), big * (big / 2 - 1));
  expectError(
      [&] {
        elementCount({big, big});
      },
      ErrorKind::Shape, {"(4294967296, 4294967296)", "64-bit"});
  expectError([] { elementCount({2, -3}); }, ErrorKind::Shape, {"-3", "axis 1", "negative"});
}

TEST(Tensor, ShapeText) {
  EXPECT_EQ(shapeToPython({2, 3, 4}), "(2, 3, 4)");
  EXPECT_EQ(shapeToPython({3}), "(3,)");
  EXPECT_EQ(shapeToPython({}), "()");
  EXPECT_EQ(shapeToText({2, 3, 4}), "2x3x4");
  EXPECT_EQ(shapeToText({}), "scalar");
}

TEST(Tensor, RebasedViewsKeepTheLayoutOverOtherMemory) {
  float data[12] = {};
  TensorView view(data, DType::f32, {2, 3}, {1, 2});
  TensorView next = view.rebased(data + 6);
  EXPECT_EQ(next.data(), data + 6);
  EXPECT_EQ(next.dtype(), DType::f32);
  EXPECT_EQ(next.shape(), (Shape{2, 3}));
  EXPECT_EQ(next.strides(), (Strides{1, 2}));
  EXPECT_EQ(&next.shape(), &view.shape()) << "the layout is shared, not copied";
  EXPECT_EQ(view.data(), data);
  MutableTensorView out(data, DType::f32, {3});
  MutableTensorView moved = out.rebased(data + 3);
  EXPECT_EQ(moved.data(), data + 3);
  EXPECT_EQ(moved.shape(), (Shape{3}));
  EXPECT_EQ(TensorView(data, DType::f64, {}).rebased(data + 2).rank(), 0u);
}

TEST(Tensor, ViewDefaultsToRowMajorAndChecksStrideRank) {
  float data[6] = {};
  TensorView view(data, DType::f32, {2, 3});
  EXPECT_EQ(view.strides(), (Strides{3, 1}));
  EXPECT_EQ(view.rank(), 2u);
  EXPECT_EQ(view.elements(), 6);
  EXPECT_EQ(view.data(), data);
  TensorView strided(data, DType::f32, {3, 2}, {1, 3});
  EXPECT_EQ(strided.strides(), (Strides{1, 3}));
  const float* constData = data;
  EXPECT_EQ(TensorView(constData, DType::f32, {6}).data(), data);
  expectError(
      [&] {
        TensorView(data, DType::f32, {2, 3}, {1});
      },
      ErrorKind::Misuse, {"(2, 3)", "1 strides", "expected 2"});
  TensorView scalar(data, DType::f64, {});
  EXPECT_EQ(scalar.rank(), 0u);
  EXPECT_EQ(scalar.elements(), 1);
}

TEST(Tensor, StorageStartsOnACacheLine) {
  // Small blocks come from the heap's arenas, large ones (2 MiB) from mmap: both aligned.
  for (std::int64_t elements : {1, 3, 1000, 512 * 512}) {
    Tensor tensor(DType::f64, {elements});
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(tensor.data()) % 64, 0u) << elements;
    tensor.as<double>()[elements - 1] = 1.0; // the whole block is usable
  }
}

TEST(Tensor, OwningTensorIsZeroedInEitherOrder) {
  Tensor c(DType::c128, {2, 3});
  EXPECT_EQ(c.elements(), 6);
  EXPECT_EQ(c.byteSize(), 6u * 16u);
  EXPECT_EQ(c.strides(), (Strides{3, 1}));
  EXPECT_EQ(c.order(), Tensor::Order::C);
  for (const auto& value : test::valuesOf(c.view()))
    EXPECT_EQ(value, std::complex<double>(0, 0));
  Tensor f(DType::i32, {2, 3}, Tensor::Order::F);
  EXPECT_EQ(f.strides(), (Strides{1, 2}));
  f.as<std::int32_t>()[1] = 7; // column-major: element [1, 0]
  EXPECT_EQ(test::realValuesOf(f.view()), (std::vector<double>{0, 0, 0, 7, 0, 0}));
  TensorView view = f.view();
  EXPECT_EQ(view.data(), f.data());
  EXPECT_EQ(view.dtype(), DType::i32);
  Tensor empty(DType::f32, {0});
  EXPECT_EQ(empty.byteSize(), 0u);
  EXPECT_NE(empty.data(), nullptr);
}

TEST(Tensor, EmptyTensorsAreLaidOutAndLimitedLikeZeroedOnes) {
  Tensor c = Tensor::empty(DType::c64, {4, 5});
  EXPECT_EQ(c.strides(), (Strides{5, 1}));
  EXPECT_EQ(c.byteSize(), 20u * 8u);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(c.data()) % 64, 0u);
  Tensor f = Tensor::empty(DType::f64, {2, 3}, Tensor::Order::F);
  EXPECT_EQ(f.strides(), (Strides{1, 2}));
  f.as<double>()[5] = 1.0; // the whole block is usable
  EXPECT_NE(Tensor::empty(DType::f32, {0}).data(), nullptr);
  expectError(
      [] {
        Tensor::empty(DType::f32, {std::int64_t{1} << 25, std::int64_t{1} << 25});
      },
      ErrorKind::Resource, {"4.0 PiB", "more than this machine's memory"});
  expectError([] { Tensor::empty(DType::f32, {-1}); }, ErrorKind::Shape, {"negative"});
}

TEST(Tensor, RefusesImpossibleSizes) {
  const std::int64_t max = std::numeric_limits<std::int64_t>::max();
  expectError([&] { Tensor(DType::f32, {max, 2}); }, ErrorKind::Shape, {"64-bit"});
  expectError([&] { Tensor(DType::c128, {max / 4}); }, ErrorKind::Resource,
              {"dtype c128", "more bytes than a 64-bit size can hold"});
  expectError([] { Tensor(DType::f32, {-1}); }, ErrorKind::Shape, {"negative"});
}

TEST(Tensor, RefusesTensorsLargerThanMemoryBeforeAllocating) {
  // 2^50 f32 elements: 4 PiB. Under AddressSanitizer an attempt would abort the process.
  expectError(
      [] {
        Tensor(DType::f32, {std::int64_t{1} << 25, std::int64_t{1} << 25});
      },
      ErrorKind::Resource,
      {"a tensor of shape (33554432, 33554432) and dtype f32 needs 4503599627370496 bytes "
       "(4.0 PiB), more than this machine's memory"});
  EXPECT_GT(limits::memoryBytes(), std::uint64_t{1} << 20);
  EXPECT_NO_THROW(limits::checkAllocation(limits::memoryBytes(), "all of it"));
  expectError([] { limits::checkAllocation(limits::memoryBytes() + 1, "one byte more"); },
              ErrorKind::Resource, {"one byte more needs"});
}

TEST(Tensor, RankPastTheLimit) {
  Shape deep(limits::maxRank, 1);
  EXPECT_EQ(elementCount(deep), 1);
  deep.push_back(1);
  expectError([&] { elementCount(deep, "operand q"); }, ErrorKind::Resource,
              {"operand q has rank 65, more than the limit 64"});
  expectError([&] { Tensor(DType::f64, deep); }, ErrorKind::Resource, {"rank 65"});
}

TEST(Tensor, StridesThatOverflowAreRefused) {
  const std::int64_t big = std::int64_t{1} << 40;
  expectError(
      [&] {
        rowMajorStrides({2, big, big, 16});
      },
      ErrorKind::Shape,
      {"row-major strides of shape (2, 1099511627776, 1099511627776, 16)",
       "overflow 64 bits at axis 0"});
  expectError(
      [&] {
        columnMajorStrides({16, big, big, 2});
      },
      ErrorKind::Shape, {"column-major strides", "at axis 3"});
  // The outermost extent never enters a stride.
  const std::int64_t max = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ(rowMajorStrides({max, 4}), (Strides{4, 1}));
  EXPECT_EQ(columnMajorStrides({4, max}), (Strides{1, 4}));
  float one = 0;
  expectError(
      [&] {
        TensorView(&one, DType::f32, {2, big, big, 16});
      },
      ErrorKind::Shape, {"row-major strides"});
}

TEST(Tensor, CloneCopiesTheElementsShareAliasesThem) {
  static_assert(!std::is_copy_constructible_v<Tensor>, "a copy would alias storage unseen");
  Tensor original(DType::f64, {2, 3}, Tensor::Order::F);
  original.as<double>()[4] = 5.0;
  Tensor copy = original.clone();
  Tensor alias = original.share();
  EXPECT_EQ(copy.order(), Tensor::Order::F);
  EXPECT_EQ(copy.strides(), original.strides());
  EXPECT_NE(copy.data(), original.data());
  EXPECT_EQ(alias.data(), original.data());
  original.as<double>()[4] = 7.0;
  EXPECT_EQ(copy.as<double>()[4], 5.0);
  EXPECT_EQ(alias.as<double>()[4], 7.0);
  Tensor moved = std::move(alias);
  EXPECT_EQ(moved.as<double>()[4], 7.0);
}

TEST(DType, NamesSizesAndKinds) {
  struct Expected {
    DType dtype;
    std::string_view name;
    std::string_view longName;
    std::size_t size;
    bool complex;
    bool integer;
  };
  for (const Expected& e : {Expected{DType::f32, "f32", "float32", 4, false, false},
                            Expected{DType::f64, "f64", "float64", 8, false, false},
                            Expected{DType::i32, "i32", "int32", 4, false, true},
                            Expected{DType::i64, "i64", "int64", 8, false, true},
                            Expected{DType::c64, "c64", "complex64", 8, true, false},
                            Expected{DType::c128, "c128", "complex128", 16, true, false},
                            Expected{DType::bf16, "bf16", "bfloat16", 2, false, false},
                            Expected{DType::f16, "f16", "float16", 2, false, false}}) {
    EXPECT_EQ(dtypeName(e.dtype), e.name);
    EXPECT_EQ(parseDType(e.name), e.dtype);
    EXPECT_EQ(parseDType(e.longName), e.dtype);
    EXPECT_EQ(dtypeSize(e.dtype), e.size);
    EXPECT_EQ(isComplex(e.dtype), e.complex);
    EXPECT_EQ(isInteger(e.dtype), e.integer);
    EXPECT_EQ(visitDType(e.dtype, [](auto zero) { return sizeof(zero); }), e.size);
  }
  EXPECT_EQ(parseDType("half"), DType::f16);
  EXPECT_TRUE(isHalfPrecision(DType::bf16) && isHalfPrecision(DType::f16));
  EXPECT_FALSE(isHalfPrecision(DType::f32));
  EXPECT_EQ(parseDType("float8"), std::nullopt);
  EXPECT_EQ(parseDType("F32"), std::nullopt);
  EXPECT_EQ(parseDType(""), std::nullopt);
}

} // namespace
} // namespace einjit
