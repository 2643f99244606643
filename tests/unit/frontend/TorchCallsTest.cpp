// torch.tensordot, torch.matmul, torch.bmm and torch.outer (SEMANTICS.md §3, §5.2, §6.1, §7):
// shapes, printed statements, values through the reference interpreter, and torch's errors.
#include "ContractionTestSupport.h"

#include <gtest/gtest.h>

namespace einjit::frontend {
namespace {

using test::arangeValues;
using test::arg;
using test::evaluate;
using test::expectError;

ir::IndexProgram torchTensordot(const Shape& a, const Shape& b, const PyValue& dims) {
  return tensordot(Library::Torch, arg("x", a), arg("y", b), dims, DType::f64);
}

PyValue dimsPair(const std::vector<std::int64_t>& a, const std::vector<std::int64_t>& b) {
  return PyValue::tuple({PyValue::ints(a), PyValue::ints(b)});
}

// ---- torch.tensordot ---------------------------------------------------------------------------

TEST(TorchTensordot, DimsOneValues) {
  ir::IndexProgram program = torchTensordot({2, 3, 4}, {4}, PyValue::fromInt(1));
  EXPECT_EQ(ir::statementText(program), "out[a,c] = sum_k x[a,c,k] * y[k]");
  EXPECT_EQ(evaluate(program, {test::arange(DType::f64, {2, 3, 4}),
                               test::tensorOf(DType::f64, {4}, {1, 2, 3, 4})}),
            (std::vector<double>{20, 60, 100, 140, 180, 220}));
}

TEST(TorchTensordot, DocstringPairOfLists) {
  ir::IndexProgram program = torchTensordot({3, 4, 5}, {4, 3, 2}, dimsPair({1, 0}, {0, 1}));
  EXPECT_EQ(program.outputShape(), (Shape{5, 2}));
  std::vector<double> a = arangeValues(60);
  std::vector<double> b = arangeValues(24);
  EXPECT_EQ(evaluate(program, {test::tensorOf(DType::f64, {3, 4, 5}, a),
                               test::tensorOf(DType::f64, {4, 3, 2}, b)}),
            test::contraction::tensordotByLoops({3, 4, 5}, {4, 3, 2}, {{1, 0}, {0, 1}}, a, b));
}

TEST(TorchTensordot, CountUpToTheSmallerRank) {
  // dims == min(ndim) is allowed: a full contraction.
  ir::IndexProgram program = torchTensordot({2, 3}, {2, 3}, PyValue::fromInt(2));
  EXPECT_EQ(ir::statementText(program), "out[] = sum_{k,l} x[k,l] * y[k,l]");
  EXPECT_EQ(torchTensordot({2, 3}, {3, 2}, PyValue::fromInt(0)).outputShape(), (Shape{2, 3, 3, 2}));
}

TEST(TorchTensordot, ExtentOneSideIsSummedWithinTheOther) {
  // ATen sums a contracted axis away when the other side has extent 1.
  ir::IndexProgram program = torchTensordot({2, 3}, {1, 4}, dimsPair({1}, {0}));
  EXPECT_EQ(program.outputShape(), (Shape{2, 4}));
  EXPECT_EQ(ir::statementText(program), "out[a,c] = sum_k x[a,k] * y[0,c]");
  std::vector<double> out = evaluate(program, {test::arange(DType::f64, {2, 3}),
                                               test::tensorOf(DType::f64, {1, 4}, {1, 2, 3, 4})});
  // Row sums 3 and 12 times [1, 2, 3, 4].
  EXPECT_EQ(out, (std::vector<double>{3, 6, 9, 12, 12, 24, 36, 48}));
  EXPECT_EQ(ir::statementText(torchTensordot({1, 2}, {3, 2}, dimsPair({0}, {0}))),
            "out[a,c] = sum_k x[0,a] * y[k,c]");
}

TEST(TorchTensordot, PairOfIntsIsATypeError) {
  expectError(
      [] {
        torchTensordot({2, 3}, {3, 2}, PyValue::tuple({PyValue::fromInt(1), PyValue::fromInt(0)}));
      },
      ErrorKind::Argument,
      {"tensordot(): argument 'dims_self' (position 3) must be tuple of ints, not int"});
  expectError(
      [] {
        torchTensordot({2, 3}, {3, 2}, PyValue::tuple({PyValue::ints({1}), PyValue::fromInt(0)}));
      },
      ErrorKind::Argument, {"argument 'dims_other' (position 4) must be tuple of ints, not int"});
}

TEST(TorchTensordot, CountOutOfBounds) {
  expectError(
      [] {
        torchTensordot({2, 3}, {3, 2}, PyValue::fromInt(-1));
      },
      ErrorKind::Axis, {"torch.tensordot: tensordot expects dims >= 0, but got dims=-1"});
  expectError(
      [] {
        torchTensordot({2, 3, 4, 5, 6}, {2, 3}, PyValue::fromInt(5));
      },
      ErrorKind::Axis, {"tensordot expects dims < ndim_a or ndim_b, but got dims=5"});
}

TEST(TorchTensordot, ContractedExtentsMustMatch) {
  expectError(
      [] {
        torchTensordot({2, 3}, {4, 3}, PyValue::fromInt(1));
      },
      ErrorKind::Shape,
      {"contracted dimensions need to match, but first has size 3 in dim -1 and second "
       "has size 4 in dim 0",
       "x.shape[1] != y.shape[0] (3 != 4)"});
}

TEST(TorchTensordot, ListErrors) {
  expectError(
      [] {
        torchTensordot({2, 3}, {2, 3}, dimsPair({0}, {0, 1}));
      },
      ErrorKind::Axis, {"both dimension lists should have same length"});
  expectError(
      [] {
        torchTensordot({2, 2}, {2, 2}, dimsPair({0}, {7}));
      },
      ErrorKind::Axis, {"Dimension out of range (expected to be in range of [-2, 1], but got 7)"});
  expectError(
      [] {
        torchTensordot({2, 3}, {3, 3}, dimsPair({1, 1}, {0, 1}));
      },
      ErrorKind::Axis, {"torch.tensordot: dim 1 appears multiple times in the list of dims"});
  expectError([] { torchTensordot({}, {2}, dimsPair({0}, {0})); }, ErrorKind::Axis,
              {"dimension specified as 0 but tensor has no dimensions"});
}

TEST(TorchTensordot, MalformedDims) {
  expectError([] { torchTensordot({2}, {2}, PyValue::fromFloat(1.0)); }, ErrorKind::Argument,
              {"tensordot expects dims to be int or Tuple[List[int], List[int]] or "
               "List[List[int]] containing two lists, but got dims=1.0"});
  expectError([] { torchTensordot({2}, {2}, PyValue::list({PyValue::ints({0})})); },
              ErrorKind::Argument, {"not enough values to unpack (expected 2, got 1)"});
}

// ---- torch.matmul ------------------------------------------------------------------------------

ir::IndexProgram torchMatmulOf(const Shape& a, const Shape& b) {
  return matmul(Library::Torch, arg("x", a), arg("y", b), DType::f64);
}

TEST(TorchMatmul, ShapesFollowNumpy) {
  EXPECT_EQ(torchMatmulOf({3}, {3}).outputShape(), Shape{});
  EXPECT_EQ(torchMatmulOf({3}, {3, 4}).outputShape(), Shape{4});
  EXPECT_EQ(torchMatmulOf({2, 3}, {3}).outputShape(), Shape{2});
  EXPECT_EQ(torchMatmulOf({10, 3, 4}, {4}).outputShape(), (Shape{10, 3}));
  EXPECT_EQ(torchMatmulOf({10, 3, 4}, {10, 4, 5}).outputShape(), (Shape{10, 3, 5}));
  EXPECT_EQ(torchMatmulOf({10, 3, 4}, {4, 5}).outputShape(), (Shape{10, 3, 5}));
  EXPECT_EQ(ir::statementText(torchMatmulOf({4}, {2, 4, 5})), "out[a,m] = sum_k x[k] * y[a,k,m]");
}

TEST(TorchMatmul, BroadcastValuesMatchLoops) {
  ir::IndexProgram program = torchMatmulOf({2, 1, 3, 4}, {5, 4, 2});
  EXPECT_EQ(ir::statementText(program), "out[a,c,n,m] = sum_k x[a,0,n,k] * y[c,k,m]");
  std::vector<double> x = arangeValues(24);
  std::vector<double> y = arangeValues(40, 2);
  Shape outShape;
  std::vector<double> expected =
      test::contraction::matmulByLoops({2, 1, 3, 4}, {5, 4, 2}, false, false, x, y, &outShape);
  EXPECT_EQ(program.outputShape(), outShape);
  EXPECT_EQ(evaluate(program, {test::tensorOf(DType::f64, {2, 1, 3, 4}, x),
                               test::tensorOf(DType::f64, {5, 4, 2}, y)}),
            expected);
}

TEST(TorchMatmul, ScalarsAreRefused) {
  expectError([] { torchMatmulOf({1}, {}); }, ErrorKind::Shape,
              {"torch.matmul: both arguments to matmul need to be at least 1D, but they are 1D "
               "and 0D"});
  expectError([] { torchMatmulOf({}, {2, 2}); }, ErrorKind::Shape, {"they are 0D and 2D"});
}

TEST(TorchMatmul, MismatchMessagesOfEachKernel) {
  expectError([] { torchMatmulOf({1}, {2}); }, ErrorKind::Shape,
              {"inconsistent tensor size, expected tensor [1] and src [2] to have the same "
               "number of elements, but got 1 and 2 elements respectively"});
  expectError(
      [] {
        torchMatmulOf({2, 1}, {2});
      },
      ErrorKind::Shape, {"size mismatch, got 2, 2x1,2", "x.shape[1] != y.shape[0] (1 != 2)"});
  expectError(
      [] {
        torchMatmulOf({2}, {1, 2});
      },
      ErrorKind::Shape, {"mat1 and mat2 shapes cannot be multiplied (1x2 and 1x2)"});
  expectError(
      [] {
        torchMatmulOf({1, 2}, {3, 1});
      },
      ErrorKind::Shape, {"mat1 and mat2 shapes cannot be multiplied (1x2 and 3x1)"});
  // An a of rank >= 3 against a matrix is folded to rows x k first.
  expectError(
      [] {
        torchMatmulOf({2, 3, 4}, {5, 2});
      },
      ErrorKind::Shape, {"mat1 and mat2 shapes cannot be multiplied (6x4 and 5x2)"});
  expectError(
      [] {
        torchMatmulOf({2, 2, 3}, {2, 4, 5});
      },
      ErrorKind::Shape,
      {"Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: "
       "[2, 4].",
       "x.shape[2] != y.shape[1] (3 != 4)"});
}

TEST(TorchMatmul, BatchDimsThatDoNotBroadcast) {
  expectError(
      [] {
        torchMatmulOf({2, 2, 1}, {3, 1, 2});
      },
      ErrorKind::Shape,
      {"The size of tensor a (2) must match the size of tensor b (3) at non-singleton "
       "dimension 0",
       "x.shape[0] != y.shape[0] (2 != 3)"});
  // torch reports the rightmost failing dimension of the broadcast batch shape.
  expectError(
      [] {
        torchMatmulOf({2, 3, 4, 4}, {5, 4, 4, 4});
      },
      ErrorKind::Shape,
      {"The size of tensor a (3) must match the size of tensor b (4) at non-singleton "
       "dimension 1"});
}

// ---- torch.bmm ---------------------------------------------------------------------------------

TEST(TorchBmm, BatchedMatrixProduct) {
  ir::IndexProgram program = torchBmm(arg("x", {2, 3, 4}), arg("y", {2, 4, 3}), DType::f64);
  EXPECT_EQ(program.outputShape(), (Shape{2, 3, 3}));
  EXPECT_EQ(ir::statementText(program), "out[b,n,m] = sum_k x[b,n,k] * y[b,k,m]");
  // SEMANTICS.md §10 (a): bmm(a, b.transpose(1, 2)) with a = arange(24), b = arange(24, 48).
  std::vector<double> transposed;
  for (int batch = 0; batch < 2; ++batch)
    for (int k = 0; k < 4; ++k)
      for (int j = 0; j < 3; ++j)
        transposed.push_back(24 + batch * 12 + j * 4 + k);
  std::vector<double> out = evaluate(program, {test::arange(DType::f64, {2, 3, 4}),
                                               test::tensorOf(DType::f64, {2, 4, 3}, transposed)});
  ASSERT_EQ(out.size(), 18u);
  EXPECT_EQ(std::vector<double>(out.begin(), out.begin() + 9),
            (std::vector<double>{158, 182, 206, 566, 654, 742, 974, 1126, 1278}));
}

TEST(TorchBmm, OperandsMustBeThreeDimensional) {
  expectError(
      [] {
        torchBmm(arg("x", {3, 4}), arg("y", {2, 4, 3}), DType::f32);
      },
      ErrorKind::Shape, {"torch.bmm: batch1 must be a 3D tensor", "x (shape (3, 4))"});
  expectError(
      [] {
        torchBmm(arg("x", {2, 3, 4}), arg("y", {1, 2, 4, 3}), DType::f32);
      },
      ErrorKind::Shape, {"torch.bmm: batch2 must be a 3D tensor"});
}

TEST(TorchBmm, NoBroadcastingAndMatchingInnerExtent) {
  expectError(
      [] {
        torchBmm(arg("x", {2, 3, 4}), arg("y", {3, 4, 5}), DType::f32);
      },
      ErrorKind::Shape,
      {"Expected size for first two dimensions of batch2 tensor to be: [2, 4] but got: "
       "[3, 4].",
       "x.shape[0] != y.shape[0] (2 != 3)"});
  expectError(
      [] {
        torchBmm(arg("x", {2, 3, 4}), arg("y", {2, 5, 6}), DType::f32);
      },
      ErrorKind::Shape, {"to be: [2, 4] but got: [2, 5].", "x.shape[2] != y.shape[1]"});
  expectError(
      [] {
        torchBmm(arg("x", {1, 3, 4}), arg("y", {2, 4, 5}), DType::f32);
      },
      ErrorKind::Shape, {"to be: [1, 4] but got: [2, 4]."});
}

// ---- torch.outer -------------------------------------------------------------------------------

TEST(TorchOuter, VectorsOnly) {
  ir::IndexProgram program = npOuter(Library::Torch, arg("x", {3}), arg("y", {2}), DType::f64);
  EXPECT_EQ(ir::statementText(program), "out[a,c] = x[a] * y[c]");
  EXPECT_EQ(evaluate(program, {test::tensorOf(DType::f64, {3}, {1, 2, 3}),
                               test::tensorOf(DType::f64, {2}, {10, 20})}),
            (std::vector<double>{10, 20, 20, 40, 30, 60}));
  expectError(
      [] {
        npOuter(Library::Torch, arg("x", {2, 2}), arg("y", {2}), DType::f64);
      },
      ErrorKind::Shape, {"torch.outer: Expected 1-D argument self, but got 2-D"});
  expectError([] { npOuter(Library::Torch, arg("x", {2}), arg("y", {}), DType::f64); },
              ErrorKind::Shape, {"Expected 1-D argument vec2, but got 0-D"});
}

} // namespace
} // namespace einjit::frontend
