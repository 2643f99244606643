// K.dot (SEMANTICS.md §4.2, §10 b) and the current K.batch_dot (§8, §10 c, §11.1, §11.2): shapes,
// statements, values against the reference interpreter, and every error of §8.4.
#include "KerasTestSupport.h"

#include <gtest/gtest.h>

#include <cctype>

namespace einjit::frontend {
namespace {

using test::arg;
using test::evaluate;
using test::expectError;

// ---- K.dot ----------------------------------------------------------------------------------

TEST(KerasDot, MatrixTimesMatrixIsTfMatmul) {
  ir::IndexProgram program = kerasDot(arg("x", {2, 3}), arg("y", {3, 4}), DType::f32);
  EXPECT_EQ(program.outputShape(), (Shape{2, 4}));
  EXPECT_EQ(ir::statementText(program), "out[a,c] = sum_k x[a,k] * y[k,c]");
}

TEST(KerasDot, MatrixValuesMatchNumpyDot) {
  ir::IndexProgram program = kerasDot(arg("x", {2, 3}), arg("y", {3, 2}), DType::f64);
  std::vector<double> out =
      evaluate(program, {test::arange(DType::f64, {2, 3}), test::arange(DType::f64, {3, 2})});
  EXPECT_EQ(out, (std::vector<double>{10, 13, 28, 40}));
}

TEST(KerasDot, Rank3TimesMatrixKeepsLeadingAxes) {
  ir::IndexProgram program = kerasDot(arg("x", {32, 28, 3}), arg("y", {3, 4}), DType::f32);
  EXPECT_EQ(program.outputShape(), (Shape{32, 28, 4}));
  EXPECT_EQ(ir::statementText(program), "out[a,c,d] = sum_k x[a,c,k] * y[k,d]");
}

TEST(KerasDot, NumpyDotRuleOuterProductsLeadingAxes) {
  ir::IndexProgram program = kerasDot(arg("x", {2, 3, 4}), arg("y", {7, 4, 5}), DType::f32);
  EXPECT_EQ(program.outputShape(), (Shape{2, 3, 7, 5}));
  EXPECT_EQ(ir::statementText(program), "out[a,c,d,e] = sum_k x[a,c,k] * y[d,k,e]");
}

TEST(KerasDot, Rank4TimesRank4) {
  ir::IndexProgram program = kerasDot(arg("x", {1, 2, 3, 4}), arg("y", {8, 7, 4, 5}), DType::f32);
  EXPECT_EQ(program.outputShape(), (Shape{1, 2, 3, 8, 7, 5}));
  EXPECT_EQ(ir::statementText(program), "out[a,c,d,e,f,g] = sum_k x[a,c,d,k] * y[e,f,k,g]");
}

TEST(KerasDot, Keras231TestShapes) {
  EXPECT_EQ(kerasDot(arg("x", {4, 2}), arg("y", {2, 4}), DType::f32).outputShape(), (Shape{4, 4}));
  EXPECT_EQ(kerasDot(arg("x", {4, 2}), arg("y", {5, 2, 3}), DType::f32).outputShape(),
            (Shape{4, 5, 3}));
}

TEST(KerasDot, VectorTimesRank3) {
  ir::IndexProgram program = kerasDot(arg("x", {3}), arg("y", {2, 3, 4}), DType::f32);
  EXPECT_EQ(program.outputShape(), (Shape{2, 4}));
  EXPECT_EQ(ir::statementText(program), "out[a,c] = sum_k x[k] * y[a,k,c]");
}

TEST(KerasDot, DocstringValuesMatchLoops) {
  // (2,3)·(4,3,5) → (2,4,5): out[i,j,m] = Σ_k x[i,k] y[j,k,m].
  ir::IndexProgram program = kerasDot(arg("x", {2, 3}), arg("y", {4, 3, 5}), DType::f64);
  ASSERT_EQ(program.outputShape(), (Shape{2, 4, 5}));
  std::vector<double> x = test::arangeValues(6);
  std::vector<double> y = test::arangeValues(60, 1);
  std::vector<double> expected;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j)
      for (int m = 0; m < 5; ++m) {
        double sum = 0;
        for (int k = 0; k < 3; ++k)
          sum += x[i * 3 + k] * y[j * 15 + k * 5 + m];
        expected.push_back(sum);
      }
  EXPECT_EQ(evaluate(program, {test::tensorOf(DType::f64, {2, 3}, x),
                               test::tensorOf(DType::f64, {4, 3, 5}, y)}),
            expected);
}

TEST(KerasDot, OperandNamesComeFromArgs) {
  ir::IndexProgram program = kerasDot(arg("h", {5, 6}), arg("w", {6, 2}), DType::f32);
  EXPECT_EQ(ir::statementText(program), "out[a,c] = sum_k h[a,k] * w[k,c]");
}

TEST(KerasDot, MisalignedNdShapesReportReshapedMatmul) {
  expectError(
      [] {
        kerasDot(arg("x", {3, 4, 5, 2}), arg("y", {2, 5, 3, 7}), DType::f32);
      },
      ErrorKind::Shape,
      {"K.dot: ", "(3, 4, 5, 2)", "(2, 5, 3, 7)", "x.shape[3] != y.shape[2] (2 != 3)",
       "In[0]: [60,2], In[1]: [3,70]"});
}

TEST(KerasDot, VectorYWithRank3XIsIndexError) {
  expectError(
      [] {
        kerasDot(arg("x", {2, 3, 4}), arg("w", {4}), DType::f32);
      },
      ErrorKind::Shape, {"K.dot: w has shape (4,)", "pop index out of range"});
}

TEST(KerasDot, ScalarXWithRank3YIsIndexError) {
  expectError(
      [] {
        kerasDot(arg("x", {}), arg("y", {2, 3, 4}), DType::f32);
      },
      ErrorKind::Shape, {"K.dot: x has shape ()", "tuple index out of range"});
}

TEST(KerasDot, VectorInRank2PathIsNotAMatrix) {
  expectError(
      [] {
        kerasDot(arg("x", {3}), arg("y", {3, 4}), DType::f32);
      },
      ErrorKind::Shape,
      {"K.dot: x has shape (3,)", "In[0] is not a matrix. Instead it has shape [3]"});
  expectError(
      [] {
        kerasDot(arg("x", {2, 3}), arg("y", {3}), DType::f32);
      },
      ErrorKind::Shape,
      {"K.dot: y has shape (3,)", "In[1] is not a matrix. Instead it has shape [3]"});
}

TEST(KerasDot, MatrixSizeIncompatible) {
  expectError(
      [] {
        kerasDot(arg("x", {2, 3}), arg("y", {4, 5}), DType::f32);
      },
      ErrorKind::Shape,
      {"K.dot: Matrix size-incompatible: In[0]: [2,3], In[1]: [4,5]",
       "x.shape[1] != y.shape[0] (3 != 4)"});
}

// ---- K.batch_dot: shapes and statements ------------------------------------------------------

struct BatchDotCase {
  const char* source;
  Shape x;
  Shape y;
  PyValue axes;
  Shape expected;
  const char* statement;
};

void PrintTo(const BatchDotCase& c, std::ostream* os) {
  *os << c.source;
}

class BatchDotShapes : public ::testing::TestWithParam<BatchDotCase> {};

TEST_P(BatchDotShapes, ShapeAndStatementMatchSpec) {
  const BatchDotCase& c = GetParam();
  ir::IndexProgram program = kerasBatchDot(arg("x", c.x), arg("y", c.y), c.axes, DType::f32);
  EXPECT_EQ(program.outputShape(), c.expected);
  EXPECT_EQ(ir::statementText(program), c.statement);
}

PyValue pair(std::int64_t a, std::int64_t b) {
  return PyValue::tuple(PyValue::ints({a, b}).items);
}

INSTANTIATE_TEST_SUITE_P(
    Spec, BatchDotShapes,
    ::testing::Values(
        // §11.1 tf_keras backend_test.py
        BatchDotCase{"tf_keras 1",
                     {2, 3, 4, 5},
                     {2, 5, 6, 7},
                     pair(3, 1),
                     {2, 3, 4, 6, 7},
                     "out[b,c,d,e,f] = sum_k x[b,c,d,k] * y[b,k,e,f]"},
        BatchDotCase{"tf_keras 2",
                     {2, 20, 1},
                     {2, 30, 20},
                     pair(1, 2),
                     {2, 1, 30},
                     "out[b,c,d] = sum_k x[b,k,c] * y[b,d,k]"},
        BatchDotCase{"tf_keras 3",
                     {4, 2, 3},
                     {4, 5, 3},
                     pair(2, 2),
                     {4, 2, 5},
                     "out[b,c,d] = sum_k x[b,c,k] * y[b,d,k]"},
        BatchDotCase{"tf_keras 4",
                     {4, 2},
                     {4, 2, 3},
                     pair(1, 1),
                     {4, 3},
                     "out[b,c] = sum_k x[b,k] * y[b,k,c]"},
        BatchDotCase{"tf_keras 5",
                     {4, 2},
                     {4, 2, 3},
                     PyValue::fromInt(1),
                     {4, 3},
                     "out[b,c] = sum_k x[b,k] * y[b,k,c]"},
        BatchDotCase{"tf_keras 6",
                     {4, 2, 3},
                     {4, 3},
                     pair(2, 1),
                     {4, 2},
                     "out[b,c] = sum_k x[b,c,k] * y[b,k]"},
        // §11.2 Keras 2.3.1 backend_test.py (None batch as 7)
        BatchDotCase{"keras231 rank2 int",
                     {32, 20},
                     {32, 20},
                     PyValue::fromInt(1),
                     {32, 1},
                     "out[b,0] = sum_k x[b,k] * y[b,k]"},
        BatchDotCase{"keras231 rank2 pair",
                     {32, 20},
                     {32, 20},
                     PyValue::ints({1, 1}),
                     {32, 1},
                     "out[b,0] = sum_k x[b,k] * y[b,k]"},
        BatchDotCase{"keras231 4x4",
                     {7, 3, 4, 5},
                     {7, 2, 3, 4},
                     pair(2, 3),
                     {7, 3, 5, 2, 3},
                     "out[b,c,d,e,f] = sum_k x[b,c,k,d] * y[b,e,f,k]"},
        BatchDotCase{"keras231 4x3",
                     {7, 3, 4, 5},
                     {7, 2, 4},
                     PyValue::fromInt(2),
                     {7, 3, 5, 2},
                     "out[b,c,d,e] = sum_k x[b,c,k,d] * y[b,e,k]"},
        BatchDotCase{"keras231 3x4",
                     {7, 3, 4},
                     {7, 2, 3, 4},
                     pair(2, 3),
                     {7, 3, 2, 3},
                     "out[b,c,d,e] = sum_k x[b,c,k] * y[b,d,e,k]"},
        BatchDotCase{"keras231 3x3",
                     {7, 4, 3},
                     {7, 3, 5},
                     pair(2, 1),
                     {7, 4, 5},
                     "out[b,c,d] = sum_k x[b,c,k] * y[b,k,d]"},
        BatchDotCase{"keras231 2x3",
                     {7, 4},
                     {7, 3, 4},
                     pair(1, 2),
                     {7, 3},
                     "out[b,c] = sum_k x[b,k] * y[b,c,k]"},
        BatchDotCase{"keras231 None rank2",
                     {7, 4},
                     {7, 4},
                     PyValue::none(),
                     {7, 1},
                     "out[b,0] = sum_k x[b,k] * y[b,k]"},
        // §10 (c): keras-team/keras#13300, only axis 0 is batch
        BatchDotCase{"issue 13300",
                     {9, 8, 7, 4, 2},
                     {9, 8, 7, 2, 5},
                     PyValue::none(),
                     {9, 8, 7, 4, 8, 7, 5},
                     "out[b,c,d,e,f,g,h] = sum_k x[b,c,d,e,k] * y[b,f,g,k,h]"},
        BatchDotCase{"B36x8x24 [1,1]",
                     {2, 36, 8, 24},
                     {2, 36, 8, 24},
                     PyValue::ints({1, 1}),
                     {2, 8, 24, 8, 24},
                     "out[b,c,d,e,f] = sum_k x[b,k,c,d] * y[b,k,e,f]"},
        BatchDotCase{"B36x8x24 [2,2]",
                     {2, 36, 8, 24},
                     {2, 36, 8, 24},
                     PyValue::ints({2, 2}),
                     {2, 36, 24, 36, 24},
                     "out[b,c,d,e,f] = sum_k x[b,c,k,d] * y[b,e,k,f]"},
        BatchDotCase{"B36x8x24 [3,3]",
                     {2, 36, 8, 24},
                     {2, 36, 8, 24},
                     PyValue::ints({3, 3}),
                     {2, 36, 8, 36, 8},
                     "out[b,c,d,e,f] = sum_k x[b,c,d,k] * y[b,e,f,k]"},
        // §8.3 / §8.5 examples, negative axes normalised by each operand's own rank
        BatchDotCase{"BTF x BF axes -1",
                     {2, 3, 4},
                     {2, 4},
                     PyValue::fromInt(-1),
                     {2, 3},
                     "out[b,c] = sum_k x[b,c,k] * y[b,k]"},
        BatchDotCase{"BTF x BT axes 1",
                     {2, 3, 4},
                     {2, 3},
                     PyValue::fromInt(1),
                     {2, 4},
                     "out[b,c] = sum_k x[b,k,c] * y[b,k]"},
        // §11.4 batch_dot docstrings
        BatchDotCase{"docstring 1",
                     {32, 20, 1},
                     {32, 30, 20},
                     pair(1, 2),
                     {32, 1, 30},
                     "out[b,c,d] = sum_k x[b,k,c] * y[b,d,k]"},
        BatchDotCase{"docstring 2",
                     {100, 20},
                     {100, 30, 20},
                     pair(1, 2),
                     {100, 30},
                     "out[b,c] = sum_k x[b,k] * y[b,c,k]"},
        // §10 (e): x·W·y with y permuted to (B, 200, 10)
        BatchDotCase{"bilinear",
                     {4, 8, 200},
                     {4, 200, 10},
                     PyValue::ints({2, 1}),
                     {4, 8, 10},
                     "out[b,c,d] = sum_k x[b,c,k] * y[b,k,d]"},
        BatchDotCase{"bool axes are ints",
                     {4, 2},
                     {4, 2, 3},
                     PyValue::fromBool(true),
                     {4, 3},
                     "out[b,c] = sum_k x[b,k] * y[b,k,c]"}),
    [](const ::testing::TestParamInfo<BatchDotCase>& info) {
      std::string name;
      for (const char* p = info.param.source; *p; ++p)
        name += std::isalnum(static_cast<unsigned char>(*p)) ? *p : '_';
      return name;
    });

// ---- K.batch_dot: values --------------------------------------------------------------------

TEST(KerasBatchDot, Keras2DocstringValues) {
  ir::IndexProgram program =
      kerasBatchDot(arg("x", {2, 2}), arg("y", {2, 2}), PyValue::fromInt(1), DType::f32);
  std::vector<double> out = evaluate(program, {test::tensorOf(DType::f32, {2, 2}, {1, 2, 3, 4}),
                                               test::tensorOf(DType::f32, {2, 2}, {5, 6, 7, 8})});
  EXPECT_EQ(program.outputShape(), (Shape{2, 1}));
  EXPECT_EQ(out, (std::vector<double>{17, 53}));
}

TEST(KerasBatchDot, TfKerasCaseValuesMatchPerSampleTensordot) {
  const Shape xShape{2, 3, 4, 5};
  const Shape yShape{2, 5, 6, 7};
  ir::IndexProgram program =
      kerasBatchDot(arg("x", xShape), arg("y", yShape), pair(3, 1), DType::f64);
  std::vector<double> x = test::arangeValues(elementCount(xShape));
  std::vector<double> y = test::arangeValues(elementCount(yShape), -100);
  EXPECT_EQ(evaluate(program, {test::tensorOf(DType::f64, xShape, x),
                               test::tensorOf(DType::f64, yShape, y)}),
            test::batchDotByLoops(xShape, yShape, 3, 1, x, y));
}

TEST(KerasBatchDot, NegativePairValuesMatchPerSampleTensordot) {
  const Shape xShape{3, 4, 2};
  const Shape yShape{3, 5, 4, 2};
  ir::IndexProgram program =
      kerasBatchDot(arg("x", xShape), arg("y", yShape), PyValue::ints({-2, -2}), DType::i64);
  EXPECT_EQ(ir::statementText(program), "out[b,c,d,e] = sum_k x[b,k,c] * y[b,d,k,e]");
  std::vector<double> x = test::arangeValues(elementCount(xShape));
  std::vector<double> y = test::arangeValues(elementCount(yShape), 3);
  EXPECT_EQ(evaluate(program, {test::tensorOf(DType::i64, xShape, x),
                               test::tensorOf(DType::i64, yShape, y)}),
            test::batchDotByLoops(xShape, yShape, 1, 2, x, y));
}

TEST(KerasBatchDot, Rank2ResultIsBatchByOneWithLiteralZero) {
  ir::IndexProgram program =
      kerasBatchDot(arg("x", {3, 4}), arg("y", {3, 4}), PyValue::none(), DType::f64);
  ASSERT_EQ(program.output.size(), 2u);
  EXPECT_TRUE(program.output[1].isZero());
  std::vector<double> x = test::arangeValues(12);
  std::vector<double> y = test::arangeValues(12, 1);
  EXPECT_EQ(evaluate(program, {test::tensorOf(DType::f64, {3, 4}, x),
                               test::tensorOf(DType::f64, {3, 4}, y)}),
            test::batchDotByLoops({3, 4}, {3, 4}, 1, 1, x, y));
}

// ---- K.batch_dot: errors (§8.4, in the library's order) --------------------------------------

TEST(KerasBatchDotErrors, RankBelowTwo) {
  Error error = expectError(
      [] {
        kerasBatchDot(arg("x", {3}), arg("y", {3, 4}), PyValue::none(), DType::f32);
      },
      ErrorKind::Shape,
      {"K.batch_dot: Cannot do batch_dot on inputs with rank < 2. Received inputs with shapes "
       "(3,) and (3, 4).",
       "x has rank 1"});
  EXPECT_EQ(error.message().rfind("K.batch_dot: ", 0), 0u);
}

TEST(KerasBatchDotErrors, RankCheckComesBeforeAxesCheck) {
  expectError(
      [] {
        kerasBatchDot(arg("x", {3, 4}), arg("y", {3}),
                      PyValue::list({PyValue::ints({1, 2}), PyValue::ints({1, 2})}), DType::f32);
      },
      ErrorKind::Shape, {"rank < 2", "y has rank 1"});
}

TEST(KerasBatchDotErrors, DifferentBatchSizes) {
  expectError(
      [] {
        kerasBatchDot(arg("x", {2, 3}), arg("y", {3, 3}), PyValue::fromInt(1), DType::f32);
      },
      ErrorKind::Shape,
      {"K.batch_dot: Cannot do batch_dot on inputs with different batch sizes. Received inputs "
       "with shapes (2, 3) and (3, 3).",
       "x.shape[0] != y.shape[0] (2 != 3)"});
}

TEST(KerasBatchDotErrors, NestedAxes) {
  expectError(
      [] {
        kerasBatchDot(arg("x", {2, 3, 4}), arg("y", {2, 3, 4}),
                      PyValue::list({PyValue::ints({1, 2}), PyValue::ints({1, 2})}), DType::f32);
      },
      ErrorKind::Argument,
      {"K.batch_dot: Multiple target dimensions are not supported. Expected: None, int, (int, "
       "int), Provided: [[1, 2], [1, 2]]"});
}

TEST(KerasBatchDotErrors, AxisZero) {
  expectError(
      [] {
        kerasBatchDot(arg("x", {2, 3}), arg("y", {2, 3}), PyValue::fromInt(0), DType::f32);
      },
      ErrorKind::Axis,
      {"K.batch_dot: Cannot perform batch_dot over axis 0. If your inputs are not batched, add a "
       "dummy batch dimension to your inputs using K.expand_dims(x, 0)",
       "axis 0 of x"});
}

TEST(KerasBatchDotErrors, NegativeAxisNormalisingToZero) {
  expectError(
      [] {
        kerasBatchDot(arg("x", {2, 3, 4}), arg("y", {2, 4}), PyValue::ints({2, -2}), DType::f32);
      },
      ErrorKind::Axis, {"Cannot perform batch_dot over axis 0", "axes=[2, 0]", "axis 0 of y"});
}

TEST(KerasBatchDotErrors, ContractedExtentsDifferExactText) {
  Error error = expectError(
      [] {
        kerasBatchDot(arg("x", {2, 3, 4}), arg("y", {2, 5, 3}), PyValue::ints({2, 1}), DType::f32);
      },
      ErrorKind::Shape, {});
  EXPECT_EQ(error.message(),
            "K.batch_dot: Cannot do batch_dot on inputs with shapes (2, 3, 4) and (2, 5, 3) with "
            "axes=[2, 1]. x.shape[2] != y.shape[1] (4 != 5).");
}

TEST(KerasBatchDotErrors, MismatchPrintsNormalisedAxesAndArgNames) {
  expectError(
      [] {
        kerasBatchDot(arg("q", {2, 3, 4}), arg("v", {2, 5, 3}), pair(-1, -2), DType::f32);
      },
      ErrorKind::Shape, {"with axes=[2, 1]. q.shape[2] != v.shape[1] (4 != 5)."});
}

TEST(KerasBatchDotErrors, AxisOutOfRange) {
  expectError(
      [] {
        kerasBatchDot(arg("x", {2, 3, 4}), arg("y", {2, 3}), pair(5, 1), DType::f32);
      },
      ErrorKind::Axis, {"K.batch_dot: ", "axis 5 is out of range for x of shape (2, 3, 4)"});
  expectError(
      [] {
        kerasBatchDot(arg("x", {2, 3, 4}), arg("y", {2, 3}), pair(1, -7), DType::f32);
      },
      ErrorKind::Axis, {"axis -5 is out of range for y of shape (2, 3)"});
}

TEST(KerasBatchDotErrors, AxesOfWrongTypeOrLength) {
  Arg x = arg("x", {2, 3});
  Arg y = arg("y", {2, 3});
  expectError([&] { kerasBatchDot(x, y, PyValue::fromFloat(1.5), DType::f32); },
              ErrorKind::Argument, {"K.batch_dot: ", "Received: axes=1.5"});
  expectError(
      [&] {
        kerasBatchDot(x, y, PyValue::ints({1, 1, 1}), DType::f32);
      },
      ErrorKind::Argument, {"axes=[1, 1, 1] (3 items)"});
  expectError([&] { kerasBatchDot(x, y, PyValue::ints({1}), DType::f32); }, ErrorKind::Argument,
              {"axes=[1] (1 item)"});
  expectError([&] { kerasBatchDot(x, y, PyValue::fromString("ab"), DType::f32); },
              ErrorKind::Argument, {"axes='ab'"});
  expectError(
      [&] {
        kerasBatchDot(x, y, PyValue::list({PyValue::fromInt(1), PyValue::none()}), DType::f32);
      },
      ErrorKind::Argument, {"axes=[1, None]"});
}

TEST(KerasBatchDotErrors, BatchCheckComesBeforeAxisZeroCheck) {
  expectError(
      [] {
        kerasBatchDot(arg("x", {2, 3}), arg("y", {4, 3}), PyValue::fromInt(0), DType::f32);
      },
      ErrorKind::Shape, {"different batch sizes"});
}

} // namespace
} // namespace einjit::frontend
