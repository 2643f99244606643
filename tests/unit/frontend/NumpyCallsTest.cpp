// np.tensordot, np.dot, np.inner, np.outer and np.matmul (SEMANTICS.md §3, §4.1, §5, §6.1,
// §11.7): shapes, printed statements, values through the reference interpreter against the
// spec's literal values or a loop oracle, and numpy's errors.
#include "ContractionTestSupport.h"

#include <gtest/gtest.h>
#include <limits>
#include <tuple>

namespace einjit::frontend {
namespace {

using test::arangeValues;
using test::arg;
using test::evaluate;
using test::expectError;
using test::contraction::tensordotByLoops;

ir::IndexProgram npTensordot(const Arg& a, const Arg& b, const PyValue& axes,
                             DType dtype = DType::f64) {
  return tensordot(Library::Numpy, a, b, axes, dtype);
}

PyValue axesPair(const std::vector<std::int64_t>& a, const std::vector<std::int64_t>& b) {
  return PyValue::tuple({PyValue::ints(a), PyValue::ints(b)});
}

// ---- np.tensordot ------------------------------------------------------------------------------

TEST(NumpyTensordot, AxesOneContractsLastWithFirst) {
  ir::IndexProgram program = npTensordot(arg("v", {2, 3, 4}), arg("u", {4}), PyValue::fromInt(1));
  EXPECT_EQ(program.outputShape(), (Shape{2, 3}));
  EXPECT_EQ(ir::statementText(program), "out[a,c] = sum_k v[a,c,k] * u[k]");
  std::vector<double> out = evaluate(program, {test::arange(DType::f64, {2, 3, 4}),
                                               test::tensorOf(DType::f64, {4}, {1, 2, 3, 4})});
  EXPECT_EQ(out, (std::vector<double>{20, 60, 100, 140, 180, 220}));
}

TEST(NumpyTensordot, DefaultAxesTwoContractsTwoPairs) {
  ir::IndexProgram program =
      npTensordot(arg("x", {2, 3, 4}), arg("y", {3, 4, 5}), PyValue::fromInt(2));
  EXPECT_EQ(program.outputShape(), (Shape{2, 5}));
  EXPECT_EQ(ir::statementText(program), "out[a,c] = sum_{k,l} x[a,k,l] * y[k,l,c]");
  std::vector<double> x = arangeValues(24);
  std::vector<double> y = arangeValues(60, 1);
  EXPECT_EQ(evaluate(program, {test::tensorOf(DType::f64, {2, 3, 4}, x),
                               test::tensorOf(DType::f64, {3, 4, 5}, y)}),
            tensordotByLoops({2, 3, 4}, {3, 4, 5}, {{1, 0}, {2, 1}}, x, y));
}

TEST(NumpyTensordot, PairOfIntsIsOnePair) {
  ir::IndexProgram program =
      npTensordot(arg("x", {2, 3, 4}), arg("y", {3, 4, 5}),
                  PyValue::tuple({PyValue::fromInt(2), PyValue::fromInt(1)}));
  EXPECT_EQ(program.outputShape(), (Shape{2, 3, 3, 5}));
  EXPECT_EQ(ir::statementText(program), "out[a,c,d,e] = sum_k x[a,c,k] * y[d,k,e]");
}

TEST(NumpyTensordot, PairOfListsPairsPositionally) {
  // The numpy / torch docstring example: a(3,4,5), b(4,3,2), axes=([1,0],[0,1]) -> (5,2).
  ir::IndexProgram program =
      npTensordot(arg("a", {3, 4, 5}), arg("b", {4, 3, 2}), axesPair({1, 0}, {0, 1}));
  EXPECT_EQ(program.outputShape(), (Shape{5, 2}));
  EXPECT_EQ(ir::statementText(program), "out[a,c] = sum_{l,k} a[l,k,a] * b[k,l,c]");
  std::vector<double> a = arangeValues(60);
  std::vector<double> b = arangeValues(24, 2);
  EXPECT_EQ(evaluate(program, {test::tensorOf(DType::f64, {3, 4, 5}, a),
                               test::tensorOf(DType::f64, {4, 3, 2}, b)}),
            tensordotByLoops({3, 4, 5}, {4, 3, 2}, {{1, 0}, {0, 1}}, a, b));
}

TEST(NumpyTensordot, MiddleAxesKeepFreeOrder) {
  ir::IndexProgram program =
      npTensordot(arg("x", {2, 3, 4}), arg("y", {5, 3, 6}),
                  PyValue::tuple({PyValue::fromInt(1), PyValue::fromInt(1)}));
  EXPECT_EQ(program.outputShape(), (Shape{2, 4, 5, 6}));
  std::vector<double> x = arangeValues(24);
  std::vector<double> y = arangeValues(90, -7);
  EXPECT_EQ(evaluate(program, {test::tensorOf(DType::f64, {2, 3, 4}, x),
                               test::tensorOf(DType::f64, {5, 3, 6}, y)}),
            tensordotByLoops({2, 3, 4}, {5, 3, 6}, {{1, 1}}, x, y));
}

TEST(NumpyTensordot, NegativeAxesCountFromTheEnd) {
  ir::IndexProgram program =
      npTensordot(arg("x", {2, 3, 4}), arg("y", {4, 5}), axesPair({-1}, {-2}));
  EXPECT_EQ(ir::statementText(program), "out[a,c,d] = sum_k x[a,c,k] * y[k,d]");
}

TEST(NumpyTensordot, AxesZeroAndNegativeCountAreOuterProducts) {
  for (std::int64_t count : {0, -1, -3}) {
    ir::IndexProgram program =
        npTensordot(arg("x", {2, 3}), arg("y", {3, 2}), PyValue::fromInt(count));
    EXPECT_EQ(program.outputShape(), (Shape{2, 3, 3, 2})) << count;
    EXPECT_EQ(ir::statementText(program), "out[a,c,d,e] = x[a,c] * y[d,e]") << count;
  }
}

TEST(NumpyTensordot, ZeroExtentContractionIsZeros) {
  // TestTensordot.test_zero_dimension: (3,0)·(0,4), axes=(1,0) == dot == einsum 'ij,jk'.
  ir::IndexProgram program =
      npTensordot(arg("x", {3, 0}), arg("y", {0, 4}),
                  PyValue::tuple({PyValue::fromInt(1), PyValue::fromInt(0)}));
  EXPECT_EQ(program.outputShape(), (Shape{3, 4}));
  EXPECT_EQ(program, npDot(arg("x", {3, 0}), arg("y", {0, 4}), DType::f64));
  std::vector<double> out = evaluate(
      program, {test::tensorOf(DType::f64, {3, 0}, {}), test::tensorOf(DType::f64, {0, 4}, {})});
  EXPECT_EQ(out, std::vector<double>(12, 0.0));
}

TEST(NumpyTensordot, ScalarsWithEmptyAxesMultiply) {
  ir::IndexProgram program = npTensordot(arg("x", {}), arg("y", {}), axesPair({}, {}));
  EXPECT_EQ(program.outputShape(), Shape{});
  EXPECT_EQ(ir::statementText(program), "out[] = x[] * y[]");
  EXPECT_EQ(
      evaluate(program, {test::tensorOf(DType::f64, {}, {3}), test::tensorOf(DType::f64, {}, {4})}),
      (std::vector<double>{12}));
}

TEST(NumpyTensordot, DuplicateAxesAreRefused) {
  expectError(
      [] {
        npTensordot(arg("x", {3, 3}), arg("y", {3, 3}), axesPair({1, 1}, {0, 0}));
      },
      ErrorKind::Axis, {"np.tensordot: duplicate axes are not allowed in tensordot", "x"});
  // Distinct raw values naming one axis fail in numpy's transpose.
  expectError(
      [] {
        npTensordot(arg("x", {3, 3}), arg("y", {3, 3}), axesPair({1, -1}, {0, 1}));
      },
      ErrorKind::Axis, {"np.tensordot: axes don't match array", "axis 1 of x"});
}

TEST(NumpyTensordot, ExtentMismatchNamesBothAxes) {
  expectError(
      [] {
        npTensordot(arg("x", {2, 3}), arg("y", {4, 3}), PyValue::fromInt(1));
      },
      ErrorKind::Shape,
      {"np.tensordot: shape-mismatch for sum", "x.shape[1] != y.shape[0] (3 != 4)"});
}

TEST(NumpyTensordot, AxisListsOfDifferentLengths) {
  expectError(
      [] {
        npTensordot(arg("x", {2, 3}), arg("y", {2, 3}), axesPair({0}, {0, 1}));
      },
      ErrorKind::Axis, {"np.tensordot: shape-mismatch for sum", "1 axes of x [0]"});
}

TEST(NumpyTensordot, OutOfRangeAxesAreIndexErrors) {
  expectError(
      [] {
        npTensordot(arg("x", {2, 2}), arg("y", {2, 2}), PyValue::fromInt(3));
      },
      ErrorKind::Axis, {"tuple index out of range", "axis -3 of x (shape (2, 2))"});
  expectError(
      [] {
        npTensordot(arg("x", {2, 2}), arg("y", {2, 2}), axesPair({0}, {7}));
      },
      ErrorKind::Axis, {"tuple index out of range", "axis 7 of y"});
  // A count within a's rank but beyond b's fails on b.
  expectError(
      [] {
        npTensordot(arg("x", {2, 3, 4}), arg("y", {3}), PyValue::fromInt(2));
      },
      ErrorKind::Axis, {"tuple index out of range", "axis 1 of y"});
}

TEST(NumpyTensordot, ExtentMismatchBeforeLaterIndexError) {
  // numpy stops at the first mismatching pair before indexing later ones.
  expectError(
      [] {
        npTensordot(arg("x", {2, 3}), arg("y", {3}), PyValue::fromInt(2));
      },
      ErrorKind::Shape, {"shape-mismatch for sum", "x.shape[0] != y.shape[0] (2 != 3)"});
}

TEST(NumpyTensordot, MalformedAxesArguments) {
  expectError([] { npTensordot(arg("x", {2}), arg("y", {2}), PyValue::ints({0})); },
              ErrorKind::Argument, {"not enough values to unpack (expected 2, got 1)"});
  expectError(
      [] {
        npTensordot(arg("x", {2}), arg("y", {2}), PyValue::ints({0, 0, 0}));
      },
      ErrorKind::Argument, {"too many values to unpack (expected 2)"});
  expectError([] { npTensordot(arg("x", {2}), arg("y", {2}), PyValue::fromFloat(1.5)); },
              ErrorKind::Argument, {"np.tensordot: axes must be an int", "1.5"});
  expectError(
      [] {
        npTensordot(arg("x", {2}), arg("y", {2}),
                    PyValue::list({PyValue::fromString("0"), PyValue::ints({0})}));
      },
      ErrorKind::Argument, {"'0'"});
}

TEST(NumpyTensordot, ExtremeCountsNeitherOverflowNorLoop) {
  EXPECT_EQ(npTensordot(arg("x", {2}), arg("y", {3}),
                        PyValue::fromInt(std::numeric_limits<std::int64_t>::min()))
                .outputShape(),
            (Shape{2, 3}));
  expectError(
      [] {
        npTensordot(arg("x", {2}), arg("y", {2}),
                    PyValue::fromInt(std::numeric_limits<std::int64_t>::max()));
      },
      ErrorKind::Axis, {"tuple index out of range"});
  expectError(
      [] {
        npTensordot(arg("x", {2}), arg("y", {2}),
                    axesPair({std::numeric_limits<std::int64_t>::min()}, {0}));
      },
      ErrorKind::Axis, {"tuple index out of range"});
}

// ---- np.dot ------------------------------------------------------------------------------------

TEST(NumpyDot, UnitShapesPairwiseGiveNumpysShapes) {
  // TestDot.test_all: (), (1,), (1,1) pairwise.
  const std::vector<Shape> shapes = {{}, {1}, {1, 1}};
  const std::vector<Shape> expected = {{}, {1}, {1, 1}, {1}, {}, {1}, {1, 1}, {1}, {1, 1}};
  std::size_t i = 0;
  for (const Shape& a : shapes)
    for (const Shape& b : shapes) {
      ir::IndexProgram program = npDot(arg("x", a), arg("y", b), DType::f64);
      EXPECT_EQ(program.outputShape(), expected[i]) << i;
      EXPECT_EQ(evaluate(program,
                         {test::tensorOf(DType::f64, a, {3}), test::tensorOf(DType::f64, b, {5})}),
                (std::vector<double>{15}))
          << i;
      ++i;
    }
}

TEST(NumpyDot, LastOfAWithSecondToLastOfB) {
  ir::IndexProgram program = npDot(arg("x", {2, 3, 4}), arg("y", {7, 4, 5}), DType::f32);
  EXPECT_EQ(program.outputShape(), (Shape{2, 3, 7, 5}));
  EXPECT_EQ(ir::statementText(program), "out[a,c,d,e] = sum_k x[a,c,k] * y[d,k,e]");
  // Leading dims are outer-producted, not broadcast as in matmul.
  EXPECT_EQ(npDot(arg("x", {9, 5, 7, 4}), arg("y", {9, 5, 4, 3}), DType::f32).outputShape(),
            (Shape{9, 5, 7, 9, 5, 3}));
}

TEST(NumpyDot, ValuesMatchLoops) {
  std::vector<double> x = arangeValues(6);
  std::vector<double> y = arangeValues(60, 1);
  ir::IndexProgram program = npDot(arg("x", {2, 3}), arg("y", {4, 3, 5}), DType::f64);
  EXPECT_EQ(evaluate(program, {test::tensorOf(DType::f64, {2, 3}, x),
                               test::tensorOf(DType::f64, {4, 3, 5}, y)}),
            tensordotByLoops({2, 3}, {4, 3, 5}, {{1, 1}}, x, y));
}

TEST(NumpyDot, VectorCases) {
  ir::IndexProgram inner = npDot(arg("x", {3}), arg("y", {3}), DType::f64);
  EXPECT_EQ(ir::statementText(inner), "out[] = sum_k x[k] * y[k]");
  EXPECT_EQ(evaluate(inner, {test::tensorOf(DType::f64, {3}, {1, 2, 3}),
                             test::tensorOf(DType::f64, {3}, {4, 5, 6})}),
            (std::vector<double>{32}));
  ir::IndexProgram matrixVector = npDot(arg("x", {2, 3, 2}), arg("y", {2}), DType::f64);
  EXPECT_EQ(ir::statementText(matrixVector), "out[a,c] = sum_k x[a,c,k] * y[k]");
  ir::IndexProgram vectorMatrix = npDot(arg("x", {3}), arg("y", {2, 3, 4}), DType::f64);
  EXPECT_EQ(ir::statementText(vectorMatrix), "out[a,c] = sum_k x[k] * y[a,k,c]");
}

TEST(NumpyDot, ScalarOperandMultipliesElementwise) {
  ir::IndexProgram program = npDot(arg("x", {}), arg("y", {2, 3}), DType::f64);
  EXPECT_EQ(ir::statementText(program), "out[a,c] = x[] * y[a,c]");
  EXPECT_EQ(
      evaluate(program, {test::tensorOf(DType::f64, {}, {3}), test::arange(DType::f64, {2, 3})}),
      (std::vector<double>{0, 3, 6, 9, 12, 15}));
  EXPECT_EQ(ir::statementText(npDot(arg("x", {2}), arg("y", {}), DType::f64)),
            "out[a] = x[a] * y[]");
}

TEST(NumpyDot, NotAlignedMessages) {
  expectError(
      [] {
        npDot(arg("x", {3, 4, 5, 2}), arg("y", {2, 5, 3, 7}), DType::f32);
      },
      ErrorKind::Shape,
      {"np.dot: shapes (3,4,5,2) and (2,5,3,7) not aligned: 2 (dim 3) != 3 (dim 2)",
       "x.shape[3] != y.shape[2] (2 != 3)"});
  expectError([] { npDot(arg("x", {2}), arg("y", {3}), DType::f32); }, ErrorKind::Shape,
              {"shapes (2,) and (3,) not aligned: 2 (dim 0) != 3 (dim 0)"});
}

// ---- np.inner / np.outer -----------------------------------------------------------------------

TEST(NumpyInner, ContractsLastAxisOfBoth) {
  EXPECT_EQ(npInner(arg("x", {3}), arg("y", {3}), DType::f32).outputShape(), Shape{});
  EXPECT_EQ(npInner(arg("x", {2, 3}), arg("y", {4, 3}), DType::f32).outputShape(), (Shape{2, 4}));
  ir::IndexProgram program = npInner(arg("x", {2, 3, 4}), arg("y", {5, 4}), DType::f32);
  EXPECT_EQ(program.outputShape(), (Shape{2, 3, 5}));
  EXPECT_EQ(ir::statementText(program), "out[a,c,d] = sum_k x[a,c,k] * y[d,k]");
}

TEST(NumpyInner, Values) {
  ir::IndexProgram program = npInner(arg("x", {2, 2}), arg("y", {2, 2}), DType::i64);
  EXPECT_EQ(evaluate(program, {test::arange(DType::i64, {2, 2}), test::arange(DType::i64, {2, 2})}),
            (std::vector<double>{1, 3, 3, 13}));
}

TEST(NumpyInner, ScalarOperandMultiplies) {
  ir::IndexProgram program = npInner(arg("x", {2}), arg("y", {}), DType::f64);
  EXPECT_EQ(ir::statementText(program), "out[a] = x[a] * y[]");
}

TEST(NumpyInner, MismatchShowsBTransposedAsNumpyDoes) {
  expectError(
      [] {
        npInner(arg("x", {2, 3}), arg("y", {3, 2}), DType::f32);
      },
      ErrorKind::Shape,
      {"np.inner: shapes (2,3) and (2,3) not aligned: 3 (dim 1) != 2 (dim 0)",
       "x.shape[1] != y.shape[1] (3 != 2)"});
}

TEST(NumpyOuter, VectorsNeedNoRavel) {
  ir::IndexProgram program = npOuter(Library::Numpy, arg("x", {3}), arg("y", {4}), DType::f64);
  EXPECT_TRUE(program.prologues.empty());
  EXPECT_EQ(program.outputShape(), (Shape{3, 4}));
  EXPECT_EQ(ir::statementText(program), "out[a,c] = x[a] * y[c]");
}

TEST(NumpyOuter, FlattensBothOperands) {
  ir::IndexProgram program = npOuter(Library::Numpy, arg("x", {2, 3}), arg("y", {4}), DType::f64);
  EXPECT_EQ(program.outputShape(), (Shape{6, 4}));
  EXPECT_EQ(ir::toString(program),
            "x: f64[2,3]\ny: f64[4]\nx := ravel(x)\nout[a,c] = x[a] * y[c]\n");
  std::vector<double> out = evaluate(
      program, {test::arange(DType::f64, {2, 3}), test::tensorOf(DType::f64, {4}, {1, 2, 3, 4})});
  std::vector<double> expected;
  for (int i = 0; i < 6; ++i)
    for (int j = 1; j <= 4; ++j)
      expected.push_back(i * j);
  EXPECT_EQ(out, expected);
  EXPECT_EQ(npOuter(Library::Numpy, arg("x", {2, 2}), arg("y", {3, 1}), DType::f64).outputShape(),
            (Shape{4, 3}));
  EXPECT_EQ(npOuter(Library::Numpy, arg("x", {}), arg("y", {3}), DType::f64).outputShape(),
            (Shape{1, 3}));
}

// ---- np.matmul ---------------------------------------------------------------------------------

ir::IndexProgram npMatmul(const Shape& a, const Shape& b) {
  return matmul(Library::Numpy, arg("x", a), arg("y", b), DType::f64);
}

std::vector<double> npMatmulValues(const Shape& a, const std::vector<double>& x, const Shape& b,
                                   const std::vector<double>& y) {
  return evaluate(npMatmul(a, b),
                  {test::tensorOf(DType::f64, a, x), test::tensorOf(DType::f64, b, y)});
}

TEST(NumpyMatmul, MatrixTimesMatrix) {
  ir::IndexProgram program = npMatmul({2, 2}, {2, 2});
  EXPECT_EQ(ir::statementText(program), "out[n,m] = sum_k x[n,k] * y[k,m]");
  EXPECT_EQ(npMatmulValues({2, 2}, {1, 2, 3, 4}, {2, 2}, {1, 0, 1, 1}),
            (std::vector<double>{3, 2, 7, 4}));
}

TEST(NumpyMatmul, OneDimensionalOperandsArePromotedAndDropped) {
  EXPECT_EQ(ir::statementText(npMatmul({2}, {2, 1})), "out[m] = sum_k x[k] * y[k,m]");
  EXPECT_EQ(npMatmulValues({2}, {1, 2}, {2, 1}, {3, 4}), (std::vector<double>{11}));
  EXPECT_EQ(npMatmulValues({2, 1}, {3, 4}, {1, 2}, {1, 2}), (std::vector<double>{3, 6, 4, 8}));
  EXPECT_EQ(npMatmulValues({2}, {1, 2}, {2, 2}, {1, 2, 3, 4}), (std::vector<double>{7, 10}));
  EXPECT_EQ(ir::statementText(npMatmul({2, 2}, {2})), "out[n] = sum_k x[n,k] * y[k]");
  EXPECT_EQ(npMatmulValues({2, 2}, {1, 2, 3, 4}, {2}, {1, 2}), (std::vector<double>{5, 11}));
  ir::IndexProgram both = npMatmul({2}, {2});
  EXPECT_EQ(both.outputShape(), Shape{});
  EXPECT_EQ(ir::statementText(both), "out[] = sum_k x[k] * y[k]");
}

TEST(NumpyMatmul, StackedOperandsBroadcast) {
  // A stack of [[1,2],[3,4]] times the vector [1,2], and the vector times the stack.
  std::vector<double> stack = {1, 2, 3, 4, 1, 2, 3, 4};
  EXPECT_EQ(npMatmulValues({2, 2, 2}, stack, {2}, {1, 2}), (std::vector<double>{5, 11, 5, 11}));
  EXPECT_EQ(npMatmulValues({2}, {1, 2}, {2, 2, 2}, stack), (std::vector<double>{7, 10, 7, 10}));
  EXPECT_EQ(ir::statementText(npMatmul({2}, {3, 2, 5})), "out[a,m] = sum_k x[k] * y[a,k,m]");
}

TEST(NumpyMatmul, UnitBatchDimsReadAtLiteralZero) {
  ir::IndexProgram program = npMatmul({2, 1, 3, 4}, {5, 4, 2});
  EXPECT_EQ(program.outputShape(), (Shape{2, 5, 3, 2}));
  EXPECT_EQ(ir::statementText(program), "out[a,c,n,m] = sum_k x[a,0,n,k] * y[c,k,m]");
  std::vector<double> x = arangeValues(24);
  std::vector<double> y = arangeValues(40, -3);
  Shape outShape;
  std::vector<double> expected =
      test::contraction::matmulByLoops({2, 1, 3, 4}, {5, 4, 2}, false, false, x, y, &outShape);
  EXPECT_EQ(outShape, (Shape{2, 5, 3, 2}));
  EXPECT_EQ(npMatmulValues({2, 1, 3, 4}, x, {5, 4, 2}, y), expected);
}

TEST(NumpyMatmul, TestShapes) {
  // MatmulCommon.test_shapes.
  EXPECT_EQ(npMatmul({1, 1}, {2, 1, 1}).outputShape(), (Shape{2, 1, 1}));
  EXPECT_EQ(npMatmul({2, 1, 1}, {1, 1}).outputShape(), (Shape{2, 1, 1}));
  EXPECT_EQ(npMatmul({2, 1, 1}, {2, 1, 1}).outputShape(), (Shape{2, 1, 1}));
  EXPECT_EQ(npMatmul({2}, {2}).outputShape(), Shape{});
  EXPECT_EQ(ir::statementText(npMatmul({1, 1}, {2, 1, 1})), "out[a,n,m] = sum_k x[n,k] * y[a,k,m]");
}

TEST(NumpyMatmul, ScalarsAreRefused) {
  // MatmulCommon.test_exceptions: (1,)·(), ()·(1,), (1,1)·(), ()·(1,1).
  for (const auto& [a, b, operand] : std::vector<std::tuple<Shape, Shape, std::string>>{
           {{1}, {}, "1"}, {{}, {1}, "0"}, {{1, 1}, {}, "1"}, {{}, {1, 1}, "0"}})
    expectError([&] { npMatmul(a, b); }, ErrorKind::Shape,
                {"np.matmul: Input operand " + operand +
                 " does not have enough dimensions (has 0, gufunc core with signature "
                 "(n?,k),(k,m?)->(n?,m?) requires 1)"});
}

TEST(NumpyMatmul, CoreDimensionMismatch) {
  // MatmulCommon.test_exceptions: (1,)·(2,), (2,1)·(2,), (2,)·(1,2), (1,2)·(3,1).
  for (const auto& [a, b, sizes] : std::vector<std::tuple<Shape, Shape, std::string>>{
           {{1}, {2}, "(size 2 is different from 1)"},
           {{2, 1}, {2}, "(size 2 is different from 1)"},
           {{2}, {1, 2}, "(size 1 is different from 2)"},
           {{1, 2}, {3, 1}, "(size 3 is different from 2)"}})
    expectError([&] { npMatmul(a, b); }, ErrorKind::Shape,
                {"np.matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc "
                 "signature (n?,k),(k,m?)->(n?,m?) " +
                 sizes});
}

TEST(NumpyMatmul, BatchDimsThatDoNotBroadcast) {
  // MatmulCommon.test_exceptions: (2,2,1)·(3,1,2).
  expectError(
      [] {
        npMatmul({2, 2, 1}, {3, 1, 2});
      },
      ErrorKind::Shape,
      {"np.matmul: operands could not be broadcast together with remapped shapes "
       "[original->remapped]: (2,2,1)->(2,newaxis,newaxis) (3,1,2)->(3,newaxis,newaxis) "
       "and requested shape (2,2)",
       "x.shape[0] != y.shape[0] (2 != 3)"});
}

TEST(NumpyCalls, PrintedProgramsParseBack) {
  // The lowered programs survive the IR's text form: ravel prologues, literal 0s, 0-d operands.
  for (const ir::IndexProgram& program :
       {npOuter(Library::Numpy, arg("x", {2, 3}), arg("y", {}), DType::f32),
        npMatmul({2, 1, 3, 4}, {5, 4, 2}), npDot(arg("x", {}), arg("y", {2}), DType::i32),
        npTensordot(arg("x", {3, 4, 5}), arg("y", {4, 3, 2}), axesPair({1, 0}, {0, 1}))})
    EXPECT_EQ(ir::parseIndexProgram(ir::toString(program)), program) << program;
}

TEST(NumpyMatmul, TensorflowLibraryUsesTfMatmulRules) {
  EXPECT_EQ(matmul(Library::Tensorflow, arg("x", {2, 3}), arg("y", {3, 4}), DType::f32),
            tfMatmul(arg("x", {2, 3}), arg("y", {3, 4}), TfMatmulFlags{}, DType::f32));
  expectError(
      [] {
        matmul(Library::Tensorflow, arg("x", {3}), arg("y", {3, 4}), DType::f32);
      },
      ErrorKind::Shape, {"tf.matmul: In[0] is not a matrix"});
}

} // namespace
} // namespace einjit::frontend
