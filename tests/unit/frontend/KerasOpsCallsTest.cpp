// keras.ops.tensordot, keras.ops.matmul and keras.ops.dot (SEMANTICS.md §3.1, §4.3, §6.1, §11.6
// with `None` extents made concrete): shapes, statements, values and Keras's messages.
#include "ContractionTestSupport.h"

#include <gtest/gtest.h>

namespace einjit::frontend {
namespace {

using test::arangeValues;
using test::arg;
using test::evaluate;
using test::expectError;

ir::IndexProgram opsTensordot(const Shape& a, const Shape& b, const PyValue& axes) {
  return tensordot(Library::KerasOps, arg("x1", a), arg("x2", b), axes, DType::f64);
}

PyValue nested(const std::vector<std::vector<std::int64_t>>& lists) {
  std::vector<PyValue> items;
  for (const std::vector<std::int64_t>& list : lists)
    items.push_back(PyValue::ints(list));
  return PyValue::list(std::move(items));
}

ir::IndexProgram opsMatmul(const Shape& a, const Shape& b) {
  return matmul(Library::KerasOps, arg("x1", a), arg("x2", b), DType::f64);
}

TEST(KerasOpsTensordot, AxisListsFromTheNumpyTest) {
  // numpy_test: (None,3,4)·(3,4), axes [[0,1],[1,0]] -> (4,); None made 4 so that the pairs fit.
  ir::IndexProgram program = opsTensordot({4, 3, 4}, {3, 4}, nested({{0, 1}, {1, 0}}));
  EXPECT_EQ(program.outputShape(), Shape{4});
  EXPECT_EQ(ir::statementText(program), "out[a] = sum_{k,l} x1[k,l,a] * x2[l,k]");
  std::vector<double> x1 = arangeValues(48);
  std::vector<double> x2 = arangeValues(12, 1);
  EXPECT_EQ(evaluate(program, {test::tensorOf(DType::f64, {4, 3, 4}, x1),
                               test::tensorOf(DType::f64, {3, 4}, x2)}),
            test::contraction::tensordotByLoops({4, 3, 4}, {3, 4}, {{0, 1}, {1, 0}}, x1, x2));
}

TEST(KerasOpsTensordot, IntAxesWithConcreteShapesAreChecked) {
  // numpy_test: (None,3,4)·(3,4), axes=1 gives (None,3,4) symbolically, unchecked; with concrete
  // shapes the contracted extents 4 and 3 differ and the backend refuses.
  expectError(
      [] {
        opsTensordot({2, 3, 4}, {3, 4}, PyValue::fromInt(1));
      },
      ErrorKind::Shape,
      {"keras.ops.tensordot: Shape mismatch on `x1[axes[0]]` and `x2[axes[1]]`, received "
       "[4] and [3].",
       "x1.shape[2] != x2.shape[0] (4 != 3)"});
  EXPECT_EQ(opsTensordot({2, 3, 4}, {4, 5}, PyValue::fromInt(1)).outputShape(), (Shape{2, 3, 5}));
}

TEST(KerasOpsTensordot, NonPositiveCountIsAnOuterProduct) {
  for (std::int64_t count : {0, -2})
    EXPECT_EQ(ir::statementText(opsTensordot({2}, {3}, PyValue::fromInt(count))),
              "out[a,c] = x1[a] * x2[c]");
}

TEST(KerasOpsTensordot, PairOfIntsContractsOnePairAsTfTensordotDoes) {
  // Recorded from Keras 3.15.1: axes=[2, 1] on (2,3,4)·(3,4,5) gives (2,3,3,5) eagerly.
  PyValue pair = PyValue::list({PyValue::fromInt(2), PyValue::fromInt(1)});
  ir::IndexProgram program = opsTensordot({2, 3, 4}, {3, 4, 5}, pair);
  EXPECT_EQ(program.outputShape(), (Shape{2, 3, 3, 5}));
  EXPECT_EQ(ir::statementText(program), "out[a,c,d,e] = sum_k x1[a,c,k] * x2[d,k,e]");
  std::vector<double> x1 = arangeValues(24);
  std::vector<double> x2 = arangeValues(60, 1);
  EXPECT_EQ(evaluate(program, {test::tensorOf(DType::f64, {2, 3, 4}, x1),
                               test::tensorOf(DType::f64, {3, 4, 5}, x2)}),
            test::contraction::tensordotByLoops({2, 3, 4}, {3, 4, 5}, {{2, 1}}, x1, x2));
  // TF's test_valid_axis: [1, 2] on (3,3)·(1,1,3) -> (3,1,1); a tuple works the same.
  PyValue tuple = PyValue::tuple({PyValue::fromInt(1), PyValue::fromInt(-1)});
  EXPECT_EQ(opsTensordot({3, 3}, {1, 1, 3}, tuple).outputShape(), (Shape{3, 1, 1}));
}

TEST(KerasOpsTensordot, PairOfIntsIsCheckedLikeAxisLists) {
  expectError(
      [] {
        opsTensordot({2, 3}, {3, 2}, PyValue::list({PyValue::fromInt(1), PyValue::fromInt(1)}));
      },
      ErrorKind::Shape,
      {"Shape mismatch on `x1[axes[0]]` and `x2[axes[1]]`, received [3] and [2].",
       "x1.shape[1] != x2.shape[1] (3 != 2)"});
  expectError(
      [] {
        opsTensordot({2, 3}, {3, 2}, PyValue::list({PyValue::fromInt(0), PyValue::fromInt(4)}));
      },
      ErrorKind::Axis, {"list index out of range: axis 4 of x2"});
  // One int beside a list is neither form.
  expectError(
      [] {
        opsTensordot({2, 3}, {3, 2}, PyValue::tuple({PyValue::fromInt(1), PyValue::ints({0})}));
      },
      ErrorKind::Argument, {"'int' object is not iterable", "[1, 0] or [[1], [0]]"});
}

TEST(KerasOpsTensordot, AxisErrors) {
  expectError(
      [] {
        opsTensordot({2, 3}, {3, 2}, nested({{0}, {0, 1}}));
      },
      ErrorKind::Axis,
      {"Shape mismatch on `x1[axes[0]]` and `x2[axes[1]]`, received [2] and [3, 2]."});
  expectError(
      [] {
        opsTensordot({2, 3}, {3, 2}, nested({{0}, {5}}));
      },
      ErrorKind::Axis, {"list index out of range", "axis 5 of x2"});
  expectError(
      [] {
        opsTensordot({2, 3}, {3, 2}, PyValue::fromInt(3));
      },
      ErrorKind::Axis, {"axes=3 is larger than the rank of x1"});
  expectError(
      [] {
        opsTensordot({3, 3}, {3, 3}, nested({{1, 1}, {0, 1}}));
      },
      ErrorKind::Axis, {"axis 1 of x1 is contracted twice"});
  expectError([] { opsTensordot({3}, {3}, nested({{0}})); }, ErrorKind::Argument,
              {"`axes` must be an integer or have length 2. Received [[0]]."});
}

TEST(KerasOpsMatmul, NumpyTestShapes) {
  EXPECT_EQ(opsMatmul({2, 3}, {3, 2}).outputShape(), (Shape{2, 2}));
  EXPECT_EQ(opsMatmul({4}, {4}).outputShape(), Shape{});
  EXPECT_EQ(opsMatmul({4}, {4, 5}).outputShape(), Shape{5});
  EXPECT_EQ(opsMatmul({3, 4}, {4}).outputShape(), Shape{3});
  EXPECT_EQ(opsMatmul({4}, {2, 4, 5}).outputShape(), (Shape{2, 5}));
  EXPECT_EQ(opsMatmul({2, 3, 4}, {4}).outputShape(), (Shape{2, 3}));
  // (None,3,4)·(3,None,4,5) -> (3,None,3,5), with the first None 1 and the second 2.
  ir::IndexProgram program = opsMatmul({1, 3, 4}, {3, 2, 4, 5});
  EXPECT_EQ(program.outputShape(), (Shape{3, 2, 3, 5}));
  EXPECT_EQ(ir::statementText(program), "out[a,c,n,m] = sum_k x1[0,n,k] * x2[a,c,k,m]");
}

TEST(KerasOpsMatmul, Values) {
  ir::IndexProgram program = opsMatmul({2, 2}, {2});
  EXPECT_EQ(evaluate(program, {test::tensorOf(DType::f64, {2, 2}, {1, 2, 3, 4}),
                               test::tensorOf(DType::f64, {2}, {1, 2})}),
            (std::vector<double>{5, 11}));
}

TEST(KerasOpsMatmul, InnerDimensionsMessageShowsPromotedShapes) {
  expectError(
      [] {
        opsMatmul({3, 4}, {2, 3, 4});
      },
      ErrorKind::Shape,
      {"keras.ops.matmul: Inner dimensions (`x1.shape[-1]` and `x2.shape[-2]`) must be "
       "equal, but received `x1.shape=(3, 4)` and `x2.shape=(2, 3, 4)`.",
       "x1.shape[1] != x2.shape[1] (4 != 3)"});
  expectError([] { opsMatmul({3}, {4}); }, ErrorKind::Shape,
              {"`x1.shape=(1, 3)` and `x2.shape=(4, 1)`"});
}

TEST(KerasOpsMatmul, BatchBroadcastAndScalarErrors) {
  expectError(
      [] {
        opsMatmul({2, 3, 4}, {3, 4, 5});
      },
      ErrorKind::Shape,
      {"Cannot broadcast shape, the failure dim has value 2, which cannot be broadcasted "
       "to 3. Input shapes are: [2] and [3]."});
  expectError([] { opsMatmul({}, {3}); }, ErrorKind::Shape, {"keras.ops.matmul: x1 is 0-d"});
}

TEST(KerasOpsDot, IsNumpyDot) {
  // keras.ops.dot follows np.dot including 0-d and 1-D operands (§4.3).
  ir::IndexProgram program = npDot(arg("x1", {2, 3}), arg("x2", {4, 3, 5}), DType::f32);
  EXPECT_EQ(program.outputShape(), (Shape{2, 4, 5}));
  EXPECT_EQ(ir::statementText(program), "out[a,c,d] = sum_k x1[a,k] * x2[c,k,d]");
}

} // namespace
} // namespace einjit::frontend
