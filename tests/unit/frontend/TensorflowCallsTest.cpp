// tf.tensordot and tf.matmul (SEMANTICS.md §3, §6.2, TensorFlow's tensordot_op_test): shapes,
// printed statements, values through the reference interpreter, conj for adjoints, and
// TensorFlow's errors.
#include "ContractionTestSupport.h"

#include <complex>
#include <gtest/gtest.h>

namespace einjit::frontend {
namespace {

using test::arangeValues;
using test::arg;
using test::evaluate;
using test::expectError;
using test::contraction::matmulByLoops;

ir::IndexProgram tfTensordot(const Shape& a, const Shape& b, const PyValue& axes) {
  return tensordot(Library::Tensorflow, arg("a", a), arg("b", b), axes, DType::f64);
}

PyValue nested(const std::vector<std::vector<std::int64_t>>& lists) {
  std::vector<PyValue> items;
  for (const std::vector<std::int64_t>& list : lists)
    items.push_back(PyValue::ints(list));
  return PyValue::list(std::move(items));
}

// ---- tf.tensordot ------------------------------------------------------------------------------

TEST(TensorflowTensordot, AxesOneValues) {
  ir::IndexProgram program = tfTensordot({2, 3, 4}, {4}, PyValue::fromInt(1));
  EXPECT_EQ(ir::statementText(program), "out[a,c] = sum_k a[a,c,k] * b[k]");
  EXPECT_EQ(evaluate(program, {test::arange(DType::f64, {2, 3, 4}),
                               test::tensorOf(DType::f64, {4}, {1, 2, 3, 4})}),
            (std::vector<double>{20, 60, 100, 140, 180, 220}));
}

TEST(TensorflowTensordot, ValidAxisForms) {
  // tensordot_op_test test_valid_axis: a(3,3), b(1,1,3).
  EXPECT_EQ(tfTensordot({3, 3}, {1, 1, 3}, PyValue::ints({1, 2})).outputShape(), (Shape{3, 1, 1}));
  EXPECT_EQ(tfTensordot({3, 3}, {1, 1, 3}, nested({{1}, {2}})).outputShape(), (Shape{3, 1, 1}));
  EXPECT_EQ(tfTensordot({3, 3}, {1, 1, 3}, nested({{}, {}})).outputShape(), (Shape{3, 3, 1, 1, 3}));
  EXPECT_EQ(tfTensordot({3, 3}, {1, 1, 3}, PyValue::fromInt(0)).outputShape(),
            (Shape{3, 3, 1, 1, 3}));
  EXPECT_EQ(ir::statementText(tfTensordot({3, 3}, {1, 1, 3}, PyValue::ints({1, 2}))),
            "out[a,c,d] = sum_k a[a,k] * b[c,d,k]");
}

TEST(TensorflowTensordot, PairOfListsValues) {
  ir::IndexProgram program = tfTensordot({3, 4, 5}, {4, 3, 2}, nested({{1, 0}, {0, 1}}));
  EXPECT_EQ(program.outputShape(), (Shape{5, 2}));
  std::vector<double> a = arangeValues(60);
  std::vector<double> b = arangeValues(24, 1);
  EXPECT_EQ(evaluate(program, {test::tensorOf(DType::f64, {3, 4, 5}, a),
                               test::tensorOf(DType::f64, {4, 3, 2}, b)}),
            test::contraction::tensordotByLoops({3, 4, 5}, {4, 3, 2}, {{1, 0}, {0, 1}}, a, b));
}

TEST(TensorflowTensordot, NegativeAxesInListsAreNormalised) {
  EXPECT_EQ(ir::statementText(tfTensordot({2, 3}, {3, 4}, nested({{-1}, {-2}}))),
            "out[a,c] = sum_k a[a,k] * b[k,c]");
}

TEST(TensorflowTensordot, InvalidStaticAxes) {
  // tensordot_op_test test_invalid_axes: a and b are 2x2.
  expectError(
      [] {
        tfTensordot({2, 2}, {2, 2}, PyValue::fromInt(-1));
      },
      ErrorKind::Axis, {"tf.tensordot: `axes` must be at least 0. Received: -1."});
  expectError(
      [] {
        tfTensordot({2, 2}, {2, 2}, PyValue::fromInt(3));
      },
      ErrorKind::Axis,
      {"`axes` must not be larger than the number of dimensions of tensor a.  Received "
       "3, vs tensor dimensions 2."});
  expectError(
      [] {
        tfTensordot({2, 2}, {2, 2}, PyValue::ints({1}));
      },
      ErrorKind::Argument, {"`axes` must be an integer or have length 2. Received [1]."});
  expectError(
      [] {
        tfTensordot({2, 2}, {2, 2}, nested({{1}}));
      },
      ErrorKind::Argument, {"`axes` must be an integer or have length 2. Received [[1]]."});
  expectError(
      [] {
        tfTensordot({2, 2}, {2, 2}, nested({{1}, {0, 1}}));
      },
      ErrorKind::Axis, {"Different number of contraction axes `a` and `b`, 1 != 2."});
  expectError(
      [] {
        tfTensordot({2, 2}, {2, 2}, nested({{0}, {7}}));
      },
      ErrorKind::Axis, {"list index out of range", "axis 7 of b (shape (2, 2))"});
}

TEST(TensorflowTensordot, CountBeyondBsRankIsAnIndexError) {
  // Only a's rank is checked for an int count; b's reshape then indexes past its shape.
  expectError(
      [] {
        tfTensordot({2, 3, 4}, {4}, PyValue::fromInt(2));
      },
      ErrorKind::Axis, {"list index out of range", "axis 1 of b"});
}

TEST(TensorflowTensordot, MixedIntAndListIsATypeError) {
  expectError(
      [] {
        tfTensordot({2, 2}, {2, 2}, PyValue::tuple({PyValue::fromInt(1), PyValue::ints({0})}));
      },
      ErrorKind::Argument, {"object of type 'int' has no len()"});
}

TEST(TensorflowTensordot, ExtentMismatchFailsInTheMatmul) {
  // tensordot_op_test test_invalid_shape: a(2,2), b(3,2), axes ([1], [0]).
  expectError(
      [] {
        tfTensordot({2, 2}, {3, 2}, nested({{1}, {0}}));
      },
      ErrorKind::Shape,
      {"tf.tensordot: Matrix size-incompatible: In[0]: [2,2], In[1]: [3,2]",
       "a.shape[1] != b.shape[0] (2 != 3)"});
}

TEST(TensorflowTensordot, EqualProductsOfDifferentExtentsAreRefused) {
  // TensorFlow's reshape-and-matmul would silently pair flattened (2,3) with (3,2).
  expectError(
      [] {
        tfTensordot({2, 3}, {3, 2}, nested({{0, 1}, {0, 1}}));
      },
      ErrorKind::Shape, {"a.shape[0] != b.shape[0] (2 != 3)", "einjit refuses"});
}

TEST(TensorflowTensordot, DuplicateAxesFailInTranspose) {
  expectError(
      [] {
        tfTensordot({3, 3}, {3, 3}, nested({{1, 1}, {0, 0}}));
      },
      ErrorKind::Axis, {"tf.tensordot: axis 1 of a appears twice", "transpose"});
}

// ---- tf.matmul ---------------------------------------------------------------------------------

ir::IndexProgram tfMatmulOf(const Shape& a, const Shape& b, TfMatmulFlags flags = {},
                            DType dtype = DType::f64) {
  return tfMatmul(arg("a", a), arg("b", b), flags, dtype);
}

TEST(TensorflowMatmul, PlainMatrixProduct) {
  ir::IndexProgram program = tfMatmulOf({2, 3}, {3, 4});
  EXPECT_EQ(program.outputShape(), (Shape{2, 4}));
  EXPECT_EQ(ir::statementText(program), "out[n,m] = sum_k a[n,k] * b[k,m]");
}

TEST(TensorflowMatmul, TransposeFlagsSwapTheLastTwoLabels) {
  EXPECT_EQ(ir::statementText(tfMatmulOf({3, 2}, {3, 4}, {.transposeA = true})),
            "out[n,m] = sum_k a[k,n] * b[k,m]");
  EXPECT_EQ(ir::statementText(tfMatmulOf({2, 3}, {4, 3}, {.transposeB = true})),
            "out[n,m] = sum_k a[n,k] * b[m,k]");
  EXPECT_EQ(
      ir::statementText(tfMatmulOf({5, 3, 2}, {5, 4, 3}, {.transposeA = true, .transposeB = true})),
      "out[a,n,m] = sum_k a[a,k,n] * b[a,m,k]");
}

TEST(TensorflowMatmul, TransposedValuesMatchLoops) {
  std::vector<double> a = arangeValues(24);
  std::vector<double> b = arangeValues(40, -5);
  Shape outShape;
  std::vector<double> expected = matmulByLoops({2, 4, 3}, {2, 5, 4}, true, true, a, b, &outShape);
  ir::IndexProgram program =
      tfMatmulOf({2, 4, 3}, {2, 5, 4}, {.transposeA = true, .transposeB = true});
  EXPECT_EQ(program.outputShape(), outShape);
  EXPECT_EQ(evaluate(program, {test::tensorOf(DType::f64, {2, 4, 3}, a),
                               test::tensorOf(DType::f64, {2, 5, 4}, b)}),
            expected);
}

TEST(TensorflowMatmul, AdjointConjugatesAndTransposes) {
  ir::IndexProgram program =
      tfMatmulOf({3, 2}, {4, 3}, {.adjointA = true, .adjointB = true}, DType::c128);
  EXPECT_EQ(ir::statementText(program), "out[n,m] = sum_k conj(a[k,n]) * conj(b[m,k])");
  ir::IndexProgram one = tfMatmulOf({2, 1}, {2, 1}, {.adjointA = true}, DType::c128);
  Tensor a(DType::c128, {2, 1});
  Tensor b(DType::c128, {2, 1});
  a.as<std::complex<double>>()[0] = {1, 2};
  a.as<std::complex<double>>()[1] = {0, -1};
  b.as<std::complex<double>>()[0] = {3, 0};
  b.as<std::complex<double>>()[1] = {0, 1};
  Tensor out = reference::interpret(one, {a.view(), b.view()});
  ASSERT_EQ(out.shape(), (Shape{1, 1}));
  // conj(1+2i)·3 + conj(-i)·i = 3-6i - 1.
  EXPECT_EQ(test::valuesOf(out.view()), (std::vector<std::complex<double>>{{2, -6}}));
}

TEST(TensorflowMatmul, TransposeAndAdjointTogetherAreRefused) {
  expectError(
      [] {
        tfMatmulOf({2, 2}, {2, 2}, {.transposeA = true, .adjointA = true});
      },
      ErrorKind::Argument,
      {"tf.matmul: Only one of `transpose_a` and `adjoint_a` can be True. Received "
       "`transpose_a`=True, `adjoint_a`=True."});
  expectError(
      [] {
        tfMatmulOf({2, 2}, {2, 2}, {.transposeB = true, .adjointB = true});
      },
      ErrorKind::Argument, {"Only one of `transpose_b` and `adjoint_b` can be True."});
}

TEST(TensorflowMatmul, OperandsMustBeAtLeastMatrices) {
  expectError(
      [] {
        tfMatmulOf({3}, {3, 4});
      },
      ErrorKind::Shape,
      {"tf.matmul: In[0] is not a matrix. Instead it has shape [3]", "a (shape (3,))"});
  expectError(
      [] {
        tfMatmulOf({2, 3}, {3});
      },
      ErrorKind::Shape, {"In[1] is not a matrix. Instead it has shape [3]"});
  expectError(
      [] {
        tfMatmulOf({3}, {2, 3, 4});
      },
      ErrorKind::Shape, {"tf.matmul: In[0] ndims must be >= 2: 1"});
  expectError([] { tfMatmulOf({2, 3, 4}, {}); }, ErrorKind::Shape, {"In[1] ndims must be >= 2: 0"});
}

TEST(TensorflowMatmul, InnerExtentMismatch) {
  expectError(
      [] {
        tfMatmulOf({2, 3}, {4, 5});
      },
      ErrorKind::Shape,
      {"tf.matmul: Matrix size-incompatible: In[0]: [2,3], In[1]: [4,5]",
       "a.shape[1] != b.shape[0] (3 != 4)"});
  expectError(
      [] {
        tfMatmulOf({2, 2, 3}, {2, 4, 5});
      },
      ErrorKind::Shape, {"tf.matmul: In[0] mismatch In[1] shape: 3 vs. 4: [2,2,3] [2,4,5] 0 0"});
  expectError(
      [] {
        tfMatmulOf({2, 2, 3}, {2, 5, 4}, {.transposeB = true});
      },
      ErrorKind::Shape, {"3 vs. 4: [2,2,3] [2,5,4] 0 1", "a.shape[2] != b.shape[2] (3 != 4)"});
}

TEST(TensorflowMatmul, IncompatibleBatchDimensions) {
  expectError(
      [] {
        tfMatmulOf({2, 3, 4}, {5, 4, 6});
      },
      ErrorKind::Shape,
      {"tf.matmul: In[0] and In[1] must have compatible batch dimensions: [2,3,4] vs. "
       "[5,4,6]",
       "a.shape[0] != b.shape[0] (2 != 5)"});
}

TEST(TensorflowMatmul, BatchDimsBroadcastLikeNumpy) {
  ir::IndexProgram program = tfMatmulOf({2, 1, 3, 4}, {5, 4, 2});
  EXPECT_EQ(program.outputShape(), (Shape{2, 5, 3, 2}));
  EXPECT_EQ(ir::statementText(program), "out[a,c,n,m] = sum_k a[a,0,n,k] * b[c,k,m]");
  std::vector<double> a = arangeValues(12);
  std::vector<double> b = arangeValues(40, 1);
  Shape outShape;
  std::vector<double> expected = matmulByLoops({1, 3, 4}, {2, 4, 5}, false, false, a, b, &outShape);
  ir::IndexProgram broadcast = tfMatmulOf({1, 3, 4}, {2, 4, 5});
  EXPECT_EQ(broadcast.outputShape(), outShape);
  EXPECT_EQ(evaluate(broadcast, {test::tensorOf(DType::f64, {1, 3, 4}, a),
                                 test::tensorOf(DType::f64, {2, 4, 5}, b)}),
            expected);
}

} // namespace
} // namespace einjit::frontend
