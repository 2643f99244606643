// ReferenceCall (include/einjit/reference.h), the public face of the interpreter: calls read by
// the front end on hand-computed values, inputs bound by distinct operand name, the call options
// and the misuse errors.
#include "einjit/reference.h"

#include "TestSupport.h"

namespace einjit {
namespace {

using test::arange;
using test::expectError;
using test::realValuesOf;
using test::tensorOf;

TEST(ReferenceCall, MatmulOnHandComputedValues) {
  ReferenceCall call("a @ b", {{2, 3}, {3, 2}}, DType::f64);
  EXPECT_EQ(call.outputShape(), (Shape{2, 2}));
  EXPECT_EQ(call.outputDtype(), DType::f64);
  EXPECT_EQ(call.outputName(), "out");
  Tensor a = arange(DType::f64, {2, 3});    // [[0 1 2] [3 4 5]]
  Tensor b = arange(DType::f64, {3, 2}, 1); // [[1 2] [3 4] [5 6]]
  Tensor out = call.run({a.view(), b.view()});
  EXPECT_EQ(realValuesOf(out.view()), (std::vector<double>{13, 16, 40, 52}));
}

TEST(ReferenceCall, ANameUsedTwiceTakesOneInput) {
  ReferenceCall call("a @ a", {{2, 2}}, DType::i64);
  Tensor a = arange(DType::i64, {2, 2}, 1); // [[1 2] [3 4]]
  Tensor out = call.run({a.view()});
  EXPECT_EQ(realValuesOf(out.view()), (std::vector<double>{7, 10, 15, 22}));
  expectError([&] { call.run({a.view(), a.view()}); }, ErrorKind::Misuse, {"takes 1 input, got 2"});
}

TEST(ReferenceCall, AlphaAndBetaIntoAGivenOutput) {
  ReferenceCall call("K.batch_dot(x, y, axes=[1, 1])", {{2, 3}, {2, 3}}, DType::f32);
  EXPECT_EQ(call.outputShape(), (Shape{2, 1}));
  Tensor x = arange(DType::f32, {2, 3});
  Tensor y = tensorOf(DType::f32, {2, 3}, {1, 1, 1, 2, 2, 2});
  Tensor out = tensorOf(DType::f32, {2, 1}, {100, 200});
  call.run({x.view(), y.view()}, out.view(), RunOptions{2.0, 1.0});
  // Rows: 0+1+2 = 3, (3+4+5)*2 = 24; out = 2 * rows + out.
  EXPECT_EQ(realValuesOf(out.view()), (std::vector<double>{106, 248}));
}

TEST(ReferenceCall, ABareEinsumTakesAsManyOperandsAsShapes) {
  ReferenceCall call("ij,jk,kl->il", {{2, 2}, {2, 2}, {2, 2}}, DType::f64);
  Tensor identity = tensorOf(DType::f64, {2, 2}, {1, 0, 0, 1});
  Tensor m = arange(DType::f64, {2, 2});
  Tensor out = call.run({identity.view(), m.view(), identity.view()});
  EXPECT_EQ(realValuesOf(out.view()), (std::vector<double>{0, 1, 2, 3}));
}

TEST(ReferenceCall, LegacyBatchDotReadsTheLegacyKerasMeaning) {
  // Axis 0 of 2-D inputs: legacy Keras sums along it and keeps the batch as a unit axis.
  ReferenceCall legacy("K.batch_dot(x, y, axes=0)", {{3, 2}, {3, 2}}, DType::f64,
                       CallOptions{.legacyBatchDot = true});
  EXPECT_EQ(legacy.outputShape(), (Shape{2, 1}));
  Tensor x = arange(DType::f64, {3, 2});
  Tensor out = legacy.run({x.view(), x.view()});
  // Columns: 0+4+16 = 20, 1+9+25 = 35.
  EXPECT_EQ(realValuesOf(out.view()), (std::vector<double>{20, 35}));
  expectError(
      [] {
        ReferenceCall("ij,jk->ik", {{2, 2}, {2, 2}}, DType::f32, {.legacyBatchDot = true});
      },
      ErrorKind::Argument, {"legacy batch_dot: np.einsum has one meaning"});
}

TEST(ReferenceCall, OutputDtypeF32OnlyForHalfPrecision) {
  ReferenceCall call("ij,jk->ik", {{2, 2}, {2, 2}}, DType::bf16, {.outputDtype = DType::f32});
  EXPECT_EQ(call.outputDtype(), DType::f32);
  Tensor a = tensorOf(DType::bf16, {2, 2}, {1, 2, 3, 4});
  EXPECT_EQ(realValuesOf(call.run({a.view(), a.view()}).view()),
            (std::vector<double>{7, 10, 15, 22}));
  expectError(
      [] {
        ReferenceCall("ij,jk->ik", {{2, 2}, {2, 2}}, DType::f32, {.outputDtype = DType::f64});
      },
      ErrorKind::Argument, {"output dtype f64 for f32 operands"});
}

TEST(ReferenceCall, FrontEndErrorsAsTheFrontEndReportsThem) {
  expectError(
      [] {
        ReferenceCall("ik,kj->ij", {{3, 4}, {5, 6}}, DType::f32);
      },
      ErrorKind::Shape, {"einsum"});
  expectError([] { ReferenceCall("K.batch_dot(x,", {{2}}, DType::f32); }, ErrorKind::Syntax, {});
}

} // namespace
} // namespace einjit
