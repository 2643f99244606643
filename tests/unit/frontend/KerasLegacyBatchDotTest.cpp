// The Keras <= 2.2.4 TF-backend batch_dot (SEMANTICS.md §8.6, §10 c, §11.3): the rank-2
// reduce_sum forms, tf.matmul with adjoint flags, rank padding and squeeze, and the errors TF
// raised for the shapes it could not handle.
#include "KerasTestSupport.h"

#include <gtest/gtest.h>

namespace einjit::frontend {
namespace {

using test::arg;
using test::evaluate;
using test::expectError;

ir::IndexProgram legacy(const Shape& x, const Shape& y, const PyValue& axes,
                        DType dtype = DType::f32) {
  return kerasBatchDot(arg("x", x), arg("y", y), axes, dtype, BatchDotSemantics::Legacy);
}

std::vector<double> onesProduct(const ir::IndexProgram& program) {
  std::vector<Tensor> inputs;
  for (const ir::Operand& operand : program.operands)
    inputs.push_back(test::tensorOf(DType::f32, operand.shape,
                                    std::vector<double>(elementCount(operand.shape), 1.0)));
  return evaluate(program, std::vector<test::TensorInput>(inputs.begin(), inputs.end()));
}

// ---- §11.3: Keras 2.2.4 test_batch_dot_shape, rank-2 reduce_sum forms -----------------------

TEST(KerasLegacyBatchDot, Rank2EqualAxesOneSumsRows) {
  ir::IndexProgram program = legacy({32, 20}, {32, 20}, PyValue::fromInt(1));
  EXPECT_EQ(program.outputShape(), (Shape{32, 1}));
  EXPECT_EQ(ir::statementText(program), "out[b,0] = sum_k x[b,k] * y[b,k]");
  EXPECT_EQ(onesProduct(program), std::vector<double>(32, 20.0));
}

TEST(KerasLegacyBatchDot, Rank2AxisZeroIsAllowedAndSumsColumns) {
  ir::IndexProgram program = legacy({32, 20}, {32, 20}, PyValue::fromInt(0));
  EXPECT_EQ(program.outputShape(), (Shape{20, 1}));
  EXPECT_EQ(ir::statementText(program), "out[c,0] = sum_k x[k,c] * y[k,c]");
  EXPECT_EQ(onesProduct(program), std::vector<double>(20, 32.0));
}

TEST(KerasLegacyBatchDot, Rank2DifferentAxesTransposeX) {
  ir::IndexProgram zeroOne = legacy({32, 20}, {20, 32}, PyValue::ints({0, 1}));
  EXPECT_EQ(zeroOne.outputShape(), (Shape{20, 1}));
  EXPECT_EQ(ir::statementText(zeroOne), "out[b,0] = sum_k x[k,b] * y[b,k]");
  EXPECT_EQ(onesProduct(zeroOne), std::vector<double>(20, 32.0));

  ir::IndexProgram oneZero = legacy({32, 20}, {20, 32}, PyValue::ints({1, 0}));
  EXPECT_EQ(oneZero.outputShape(), (Shape{32, 1}));
  EXPECT_EQ(ir::statementText(oneZero), "out[c,0] = sum_k x[c,k] * y[k,c]");
  EXPECT_EQ(onesProduct(oneZero), std::vector<double>(32, 20.0));
}

TEST(KerasLegacyBatchDot, Rank2TransposedValues) {
  // reduce_sum(transpose(x) * y, axis=0): out[c] = Σ_k x[c,k] * y[k,c].
  ir::IndexProgram program = legacy({2, 3}, {3, 2}, PyValue::ints({1, 0}), DType::f64);
  std::vector<double> out =
      evaluate(program, {test::arange(DType::f64, {2, 3}), test::arange(DType::f64, {3, 2}, 1)});
  // x = [[0,1,2],[3,4,5]], y = [[1,2],[3,4],[5,6]]: x.T * y = [[0,6],[3,16],[10,30]].
  EXPECT_EQ(out, (std::vector<double>{13, 52}));
}

TEST(KerasLegacyBatchDot, Rank2DefaultAxesAreOneZero) {
  // axes=None is [x.ndim-1, y.ndim-2] = [1, 0]: the transposed form, not the row dot product.
  ir::IndexProgram program = legacy({3, 3}, {3, 3}, PyValue::none());
  EXPECT_EQ(ir::statementText(program), "out[c,0] = sum_k x[c,k] * y[k,c]");
}

TEST(KerasLegacyBatchDot, Rank2ProductBroadcasts) {
  ir::IndexProgram program = legacy({1, 3}, {4, 3}, PyValue::fromInt(1), DType::f64);
  EXPECT_EQ(program.outputShape(), (Shape{4, 1}));
  EXPECT_EQ(ir::statementText(program), "out[b,0] = sum_k x[0,k] * y[b,k]");
  std::vector<double> out = evaluate(
      program, {test::tensorOf(DType::f64, {1, 3}, {1, 2, 3}), test::arange(DType::f64, {4, 3})});
  EXPECT_EQ(out, (std::vector<double>{8, 26, 44, 62}));
}

// ---- rank >= 3: tf.matmul, all leading axes batch --------------------------------------------

TEST(KerasLegacyBatchDot, Issue13300IsMatmul) {
  ir::IndexProgram program = legacy({9, 8, 7, 4, 2}, {9, 8, 7, 2, 5}, PyValue::none());
  EXPECT_EQ(program.outputShape(), (Shape{9, 8, 7, 4, 5}));
  EXPECT_EQ(ir::statementText(program), "out[b,c,d,e,f] = sum_k x[b,c,d,e,k] * y[b,c,d,k,f]");
}

TEST(KerasLegacyBatchDot, AxesOneOneAndTwoTwoAreIndistinguishable) {
  for (std::int64_t axis : {1, 2}) {
    ir::IndexProgram program = legacy({2, 36, 8, 24}, {2, 36, 8, 24}, PyValue::ints({axis, axis}));
    EXPECT_EQ(program.outputShape(), (Shape{2, 36, 24, 24}));
    EXPECT_EQ(ir::statementText(program), "out[b,c,d,e] = sum_k x[b,c,k,d] * y[b,c,k,e]");
  }
}

TEST(KerasLegacyBatchDot, LastAxesUseAdjointY) {
  ir::IndexProgram program = legacy({2, 36, 8, 24}, {2, 36, 8, 24}, PyValue::ints({3, 3}));
  EXPECT_EQ(program.outputShape(), (Shape{2, 36, 8, 8}));
  EXPECT_EQ(ir::statementText(program), "out[b,c,d,e] = sum_k x[b,c,d,k] * y[b,c,e,k]");
}

TEST(KerasLegacyBatchDot, TheanoVersusTfIssue2742AndCapsNet) {
  EXPECT_EQ(legacy({3, 4, 5, 6}, {3, 4, 6, 7}, PyValue::none()).outputShape(), (Shape{3, 4, 5, 7}));
  EXPECT_EQ(legacy({2, 3, 4, 5}, {2, 3, 5, 6}, PyValue::ints({3, 2})).outputShape(),
            (Shape{2, 3, 4, 6}));
}

TEST(KerasLegacyBatchDot, AdjointXOnRank3EqualsCurrentValues) {
  const Shape xShape{2, 3, 4};
  const Shape yShape{2, 3, 5};
  ir::IndexProgram program = legacy(xShape, yShape, PyValue::ints({1, 1}), DType::f64);
  EXPECT_EQ(ir::statementText(program), "out[b,c,d] = sum_k x[b,k,c] * y[b,k,d]");
  std::vector<double> x = test::arangeValues(24);
  std::vector<double> y = test::arangeValues(30, 2);
  EXPECT_EQ(evaluate(program, {test::tensorOf(DType::f64, xShape, x),
                               test::tensorOf(DType::f64, yShape, y)}),
            test::batchDotByLoops(xShape, yShape, 1, 1, x, y));
}

TEST(KerasLegacyBatchDot, AdjointConjugatesComplexOperands) {
  ir::IndexProgram program = legacy({2, 3, 4}, {2, 3, 4}, PyValue::ints({1, 1}), DType::c64);
  EXPECT_EQ(ir::statementText(program), "out[b,c,d] = sum_k conj(x[b,k,c]) * y[b,k,d]");
  ir::IndexProgram both = legacy({2, 3, 4}, {2, 5, 3}, PyValue::ints({1, 2}), DType::c128);
  EXPECT_EQ(ir::statementText(both), "out[b,c,d] = sum_k conj(x[b,k,c]) * conj(y[b,d,k])");
}

TEST(KerasLegacyBatchDot, BatchAxesBroadcastWithLiteralZero) {
  ir::IndexProgram program = legacy({2, 1, 4, 5}, {2, 3, 5, 6}, PyValue::none());
  EXPECT_EQ(program.outputShape(), (Shape{2, 3, 4, 6}));
  EXPECT_EQ(ir::statementText(program), "out[b,c,d,e] = sum_k x[b,0,d,k] * y[b,c,k,e]");
}

// ---- rank padding and squeeze ---------------------------------------------------------------

TEST(KerasLegacyBatchDot, Rank3TimesRank2PadsYAndSqueezes) {
  const Shape xShape{2, 3, 4};
  const Shape yShape{2, 4};
  ir::IndexProgram program = legacy(xShape, yShape, PyValue::none(), DType::f64);
  EXPECT_EQ(program.outputShape(), (Shape{2, 3}));
  EXPECT_EQ(ir::statementText(program), "out[b,c] = sum_k x[b,c,k] * y[b,k]");
  std::vector<double> x = test::arangeValues(24);
  std::vector<double> y = test::arangeValues(8, 1);
  EXPECT_EQ(evaluate(program, {test::tensorOf(DType::f64, xShape, x),
                               test::tensorOf(DType::f64, yShape, y)}),
            test::batchDotByLoops(xShape, yShape, 2, 1, x, y));
}

TEST(KerasLegacyBatchDot, Rank2TimesRank3PadsXAndSqueezes) {
  ir::IndexProgram program = legacy({2, 4}, {2, 4, 5}, PyValue::none());
  EXPECT_EQ(program.outputShape(), (Shape{2, 5}));
  EXPECT_EQ(ir::statementText(program), "out[b,d] = sum_k x[b,k] * y[b,k,d]");
}

TEST(KerasLegacyBatchDot, PaddedRowOfXIsSqueezedAway) {
  // x padded to (2, 3, 1); adjoint_a makes the padded axis the row of the matmul, (2, 1, 5),
  // and tf.squeeze(axis 1) drops it again.
  const Shape xShape{2, 3};
  const Shape yShape{2, 3, 5};
  ir::IndexProgram program = legacy(xShape, yShape, PyValue::ints({1, 1}), DType::f64);
  EXPECT_EQ(ir::statementText(program), "out[b,d] = sum_k x[b,k] * y[b,k,d]");
  std::vector<double> x = test::arangeValues(6, 1);
  std::vector<double> y = test::arangeValues(30);
  EXPECT_EQ(evaluate(program, {test::tensorOf(DType::f64, xShape, x),
                               test::tensorOf(DType::f64, yShape, y)}),
            test::batchDotByLoops(xShape, yShape, 1, 1, x, y));
}

// ---- errors TF raised ------------------------------------------------------------------------

TEST(KerasLegacyBatchDotErrors, Rank4TimesRank2SqueezesPastTheEnd) {
  // y padded to (2, 5, 1, 1); the matmul gives rank 4 and tf.squeeze is asked for axes 3 and 4.
  expectError(
      [] {
        legacy({2, 5, 4, 1}, {2, 5}, PyValue::none());
      },
      ErrorKind::Shape,
      {"K.batch_dot: (Keras <= 2.2.4 TF backend)", "padded to (2, 5, 4, 1) and (2, 5, 1, 1)",
       "Tried to squeeze dim index 4 for tensor with 4 dimensions"});
}

TEST(KerasLegacyBatchDotErrors, SqueezeOfNonUnitAxis) {
  expectError(
      [] {
        legacy({2, 4, 1}, {2, 3}, PyValue::ints({2, 2}));
      },
      ErrorKind::Shape, {"Can not squeeze dim[2], expected a dimension of 1, got 3"});
}

TEST(KerasLegacyBatchDotErrors, MatmulContractionMismatch) {
  expectError(
      [] {
        legacy({2, 3, 4}, {2, 5, 4}, PyValue::none());
      },
      ErrorKind::Shape,
      {"tf.matmul(x, y, adjoint_a=False, adjoint_b=False)",
       "contracts x.shape[2] with y.shape[1], and 4 != 5", "Matrix size-incompatible"});
}

TEST(KerasLegacyBatchDotErrors, BatchAxesDoNotBroadcast) {
  expectError(
      [] {
        legacy({2, 3, 4, 5}, {2, 4, 5, 6}, PyValue::none());
      },
      ErrorKind::Shape,
      {"x.shape[1] != y.shape[1] (3 != 4)", "compatible batch dimensions",
       "[2,3,4,5] vs. [2,4,5,6]"});
}

TEST(KerasLegacyBatchDotErrors, Rank2ProductDoesNotBroadcast) {
  expectError(
      [] {
        legacy({32, 20}, {20, 32}, PyValue::fromInt(1));
      },
      ErrorKind::Shape,
      {"x.shape[0] != y.shape[0] (32 != 20)",
       "x * y does not broadcast: Incompatible shapes: [32,20] vs. [20,32]"});
  expectError(
      [] {
        legacy({32, 20}, {32, 20}, PyValue::ints({0, 1}));
      },
      ErrorKind::Shape,
      {"transpose(x) * y does not broadcast: Incompatible shapes: [20,32] vs. [32,20]"});
}

TEST(KerasLegacyBatchDotErrors, ReductionAxisOutOfRange) {
  expectError(
      [] {
        legacy({4, 2}, {4, 2}, PyValue::fromInt(2));
      },
      ErrorKind::Shape, {"Invalid reduction dimension (2 for input with 2 dimension(s))"});
}

TEST(KerasLegacyBatchDotErrors, VectorsAreNotMatrices) {
  expectError([] { legacy({3}, {3}, PyValue::none()); }, ErrorKind::Shape,
              {"tf.matmul needs inputs of rank >= 2", "x (3,) and y (3,)"});
}

TEST(KerasLegacyBatchDotErrors, AxesArgument) {
  expectError(
      [] {
        legacy({2, 3}, {2, 3}, PyValue::list({PyValue::ints({1}), PyValue::ints({1})}));
      },
      ErrorKind::Argument, {"Multiple target dimensions are not supported"});
  expectError(
      [] {
        legacy({2, 3}, {2, 3}, PyValue::fromFloat(1.0));
      },
      ErrorKind::Argument, {"axes=1.0"});
}

} // namespace
} // namespace einjit::frontend
