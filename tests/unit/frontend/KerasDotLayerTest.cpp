// keras.layers.Dot / keras.layers.dot (SEMANTICS.md §9, §10 a/d/e, §11.4): axes resolution per
// input rank, normalize prologues, values from the spec and the libraries' tests, and the
// constructor, build and batch_dot errors.
#include "KerasTestSupport.h"

#include <gtest/gtest.h>

#include <cmath>

namespace einjit::frontend {
namespace {

using test::arg;
using test::evaluate;
using test::expectError;

ir::IndexProgram dot(const Shape& x1, const Shape& x2, const PyValue& axes,
                     DotLayerOptions options = {}, DType dtype = DType::f32) {
  return kerasDotLayer({arg("x1", x1), arg("x2", x2)}, axes, options, dtype);
}

PyValue pair(std::int64_t a, std::int64_t b) {
  return PyValue::tuple(PyValue::ints({a, b}).items);
}

DotLayerOptions normalized(double epsilon = 1e-7) {
  DotLayerOptions options;
  options.normalize = true;
  options.epsilon = epsilon;
  return options;
}

void expectNear(const std::vector<double>& actual, const std::vector<double>& expected,
                double tolerance) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], tolerance) << "element " << i;
}

// ---- §10: worked examples --------------------------------------------------------------------

TEST(KerasDotLayer, AxesTwoOnRank3IsBikBjk) {
  ir::IndexProgram program = dot({2, 3, 4}, {2, 3, 4}, PyValue::fromInt(2), {}, DType::f64);
  EXPECT_EQ(program.outputShape(), (Shape{2, 3, 3}));
  EXPECT_EQ(ir::statementText(program), "out[b,c,d] = sum_k x1[b,c,k] * x2[b,d,k]");
  std::vector<double> out = evaluate(
      program, {test::arange(DType::f64, {2, 3, 4}), test::arange(DType::f64, {2, 3, 4}, 24)});
  std::vector<double> first(out.begin(), out.begin() + 9);
  EXPECT_EQ(first, (std::vector<double>{158, 182, 206, 566, 654, 742, 974, 1126, 1278}));
  EXPECT_EQ(out, test::batchDotByLoops({2, 3, 4}, {2, 3, 4}, 2, 2, test::arangeValues(24),
                                       test::arangeValues(24, 24)));
}

TEST(KerasDotLayer, NormalizedAxesTwoGivesCosines) {
  ir::IndexProgram program = dot({2, 3, 4}, {2, 3, 4}, PyValue::fromInt(2), normalized(1e-6));
  std::vector<double> out = evaluate(
      program, {test::arange(DType::f32, {2, 3, 4}), test::arange(DType::f32, {2, 3, 4}, 24)});
  std::vector<double> first(out.begin(), out.begin() + 9);
  expectNear(
      first,
      {0.827191, 0.823842, 0.821271, 0.987743, 0.986799, 0.986057, 0.997312, 0.99686, 0.996492},
      1e-5);
}

TEST(KerasDotLayer, AxesTwoOneValues) {
  ir::IndexProgram program = dot({2, 2, 4}, {2, 4}, pair(2, 1), {}, DType::f64);
  EXPECT_EQ(program.outputShape(), (Shape{2, 2}));
  EXPECT_EQ(ir::statementText(program), "out[b,c] = sum_k x1[b,c,k] * x2[b,k]");
  std::vector<double> out =
      evaluate(program, {test::arange(DType::f64, {2, 2, 4}),
                         test::tensorOf(DType::f64, {2, 4}, {1, 2, 3, 4, 1, 2, 3, 4})});
  EXPECT_EQ(out, (std::vector<double>{20, 60, 100, 140}));
}

TEST(KerasDotLayer, AttentionScoresNegativeAxisPerInputRank) {
  ir::IndexProgram program =
      kerasDotLayer({arg("y", {2, 5, 3}), arg("u", {2, 3})}, PyValue::fromInt(-1), {}, DType::f32);
  EXPECT_EQ(program.outputShape(), (Shape{2, 5}));
  EXPECT_EQ(ir::statementText(program), "out[b,c] = sum_k y[b,c,k] * u[b,k]");
}

TEST(KerasDotLayer, AttentionWeightedSum) {
  ir::IndexProgram program = kerasDotLayer({arg("y", {2, 5, 3}), arg("alpha", {2, 5})},
                                           PyValue::fromInt(1), {}, DType::f32);
  EXPECT_EQ(program.outputShape(), (Shape{2, 3}));
  EXPECT_EQ(ir::statementText(program), "out[b,c] = sum_k y[b,k,c] * alpha[b,k]");
}

// ---- §9.4: normalize ------------------------------------------------------------------------

TEST(KerasDotLayer, NormalizeSpecExample) {
  ir::IndexProgram program = dot({2, 3}, {2, 3}, PyValue::fromInt(1), normalized());
  ASSERT_EQ(program.prologues.size(), 2u);
  EXPECT_EQ(program.prologues[0], (ir::Prologue{ir::PrologueKind::Normalize, 0, 1, 1e-7}));
  EXPECT_EQ(program.prologues[1], (ir::Prologue{ir::PrologueKind::Normalize, 1, 1, 1e-7}));
  EXPECT_NE(ir::toString(program).find("x1 := normalize(x1, axis=1, eps=1e-07)"), std::string::npos)
      << ir::toString(program);
  std::vector<double> out =
      evaluate(program, {test::tensorOf(DType::f32, {2, 3}, {1, 2, 2, 0, 3, 4}),
                         test::tensorOf(DType::f32, {2, 3}, {2, 0, 0, 0, 0, 5})});
  EXPECT_EQ(program.outputShape(), (Shape{2, 1}));
  expectNear(out, {1.0 / 3.0, 0.8}, 1e-6);
}

TEST(KerasDotLayer, NormalizeAlongEachContractedAxis) {
  ir::IndexProgram program = dot({2, 3, 4}, {2, 4}, PyValue::fromInt(-1), normalized(1e-6));
  ASSERT_EQ(program.prologues.size(), 2u);
  EXPECT_EQ(program.prologues[0].axis, 2);
  EXPECT_EQ(program.prologues[1].axis, 1);
  EXPECT_EQ(program.prologues[1].epsilon, 1e-6);
}

TEST(KerasDotLayer, NormalizedZeroVectorGivesZeroNotNan) {
  ir::IndexProgram program = dot({1, 3}, {1, 3}, PyValue::fromInt(1), normalized());
  std::vector<double> out = evaluate(program, {test::tensorOf(DType::f32, {1, 3}, {0, 0, 0}),
                                               test::tensorOf(DType::f32, {1, 3}, {1, 2, 3})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(std::isnan(out[0]));
  EXPECT_EQ(out[0], 0.0);
}

// ---- §11.4: the libraries' Dot tests ---------------------------------------------------------

TEST(KerasDotLayer, TfKerasInputs4AxesOne) {
  for (const PyValue& axes : {PyValue::fromInt(1), pair(-1, -1)}) {
    ir::IndexProgram program = dot({3, 4}, {3, 4}, axes, {}, DType::f64);
    EXPECT_EQ(program.outputShape(), (Shape{3, 1}));
    EXPECT_EQ(ir::statementText(program), "out[b,0] = sum_k x1[b,k] * x2[b,k]");
    std::vector<double> x1 = test::arangeValues(12);
    std::vector<double> x2 = test::arangeValues(12, 5);
    std::vector<double> expected;
    for (int i = 0; i < 3; ++i) {
      double sum = 0;
      for (int k = 0; k < 4; ++k)
        sum += x1[i * 4 + k] * x2[i * 4 + k];
      expected.push_back(sum);
    }
    EXPECT_EQ(evaluate(program, {test::tensorOf(DType::f64, {3, 4}, x1),
                                 test::tensorOf(DType::f64, {3, 4}, x2)}),
              expected);
  }
}

TEST(KerasDotLayer, ComputeOutputShapeRank2) {
  EXPECT_EQ(dot({4, 5}, {4, 5}, PyValue::fromInt(-1)).outputShape(), (Shape{4, 1}));
  EXPECT_EQ(dot({2, 4}, {2, 4}, PyValue::fromInt(-1)).outputShape(), (Shape{2, 1}));
  EXPECT_EQ(dot({5, 8}, {5, 8}, PyValue::fromInt(1)).outputShape(), (Shape{5, 1}));
}

TEST(KerasDotLayer, Keras3Dot3d) {
  ir::IndexProgram program = dot({2, 4, 5}, {2, 4, 5}, PyValue::fromInt(-1));
  EXPECT_EQ(program.outputShape(), (Shape{2, 4, 4}));
  EXPECT_EQ(ir::statementText(program), "out[b,c,d] = sum_k x1[b,c,k] * x2[b,d,k]");
}

TEST(KerasDotLayer, Keras3HigherDimNegativePair) {
  ir::IndexProgram program = dot({1, 3, 2}, {1, 1, 2, 3}, pair(-2, -1));
  EXPECT_EQ(program.outputShape(), (Shape{1, 2, 1, 2}));
  EXPECT_EQ(ir::statementText(program), "out[b,c,d,e] = sum_k x1[b,k,c] * x2[b,d,e,k]");
}

TEST(KerasDotLayer, DocstringValues) {
  ir::IndexProgram program = dot({1, 5, 2}, {1, 2, 5}, pair(1, 2), {}, DType::i32);
  EXPECT_EQ(ir::statementText(program), "out[b,c,d] = sum_k x1[b,k,c] * x2[b,d,k]");
  std::vector<double> out = evaluate(
      program, {test::arange(DType::i32, {1, 5, 2}), test::arange(DType::i32, {1, 2, 5}, 10)});
  EXPECT_EQ(program.outputShape(), (Shape{1, 2, 2}));
  EXPECT_EQ(out, (std::vector<double>{260, 360, 320, 445}));
}

TEST(KerasDotLayer, BoolAxesCountAsInts) {
  EXPECT_EQ(ir::statementText(dot({2, 3}, {2, 3}, PyValue::fromBool(true))),
            "out[b,0] = sum_k x1[b,k] * x2[b,k]");
}

TEST(KerasDotLayer, LegacySemanticsRunsTheOldBatchDot) {
  DotLayerOptions options;
  options.semantics = BatchDotSemantics::Legacy;
  ir::IndexProgram program = dot({2, 36, 8, 24}, {2, 36, 8, 24}, PyValue::fromInt(1), options);
  EXPECT_EQ(program.outputShape(), (Shape{2, 36, 24, 24}));
  options.normalize = true;
  ir::IndexProgram normalizedLegacy = dot({2, 3, 4}, {2, 3, 4}, PyValue::fromInt(-1), options);
  ASSERT_EQ(normalizedLegacy.prologues.size(), 2u);
  EXPECT_EQ(normalizedLegacy.prologues[0].axis, 2);
}

// ---- errors ---------------------------------------------------------------------------------

TEST(KerasDotLayerErrors, IncompatibleAxisValues) {
  Error error = expectError(
      [] {
        dot({2, 4, 5}, {2, 4, 6}, PyValue::fromInt(-1));
      },
      ErrorKind::Shape, {"x1.shape[2] != x2.shape[2]"});
  EXPECT_EQ(error.message().rfind("keras.layers.Dot: Incompatible input shapes: axis values 5 "
                                  "(at axis 2) != 6 (at axis 2). Full input shapes: (2, 4, 5), "
                                  "(2, 4, 6)",
                                  0),
            0u)
      << error.message();
}

TEST(KerasDotLayerErrors, PairAxesAreReportedAsGiven) {
  expectError(
      [] {
        dot({2, 4, 5}, {2, 6, 4}, pair(-1, 1));
      },
      ErrorKind::Shape, {"axis values 5 (at axis -1) != 6 (at axis 1)"});
}

TEST(KerasDotLayerErrors, LegacyWording) {
  DotLayerOptions options;
  options.semantics = BatchDotSemantics::Legacy;
  expectError(
      [&] {
        dot({2, 4, 5}, {2, 4, 6}, PyValue::fromInt(2), options);
      },
      ErrorKind::Shape,
      {"keras.layers.Dot: Dimension incompatibility 5 != 6. Layer shapes: (2, 4, 5), "
       "(2, 4, 6)"});
}

TEST(KerasDotLayerErrors, NotTwoInputs) {
  PyValue axes = PyValue::fromInt(1);
  expectError(
      [&] {
        kerasDotLayer({arg("x1", {2, 3})}, axes, {}, DType::f32);
      },
      ErrorKind::Arity,
      {"keras.layers.Dot: A `Dot` layer should be called on a list of 2 inputs. Received: "
       "input_shape=[(2, 3)]"});
  expectError(
      [&] {
        kerasDotLayer({arg("x1", {2, 3}), arg("x2", {2, 3}), arg("x3", {2, 3})}, axes, {},
                      DType::f32);
      },
      ErrorKind::Arity, {"input_shape=[(2, 3), (2, 3), (2, 3)]"});
  expectError([&] { kerasDotLayer({}, axes, {}, DType::f32); }, ErrorKind::Arity,
              {"input_shape=[]"});
}

TEST(KerasDotLayerErrors, AxesOfInvalidType) {
  expectError(
      [] {
        dot({2, 3}, {2, 3}, PyValue::none());
      },
      ErrorKind::Argument,
      {"keras.layers.Dot: Invalid type for argument `axes`: it should be a list or an "
       "int. Received: axes=None"});
  expectError(
      [] {
        dot({2, 3}, {2, 3}, PyValue::fromString("ab"));
      },
      ErrorKind::Argument, {"Received: axes=ab"});
  expectError(
      [] {
        dot({2, 3}, {2, 3}, PyValue::fromFloat(1.0));
      },
      ErrorKind::Argument, {"Received: axes=1.0"});
}

TEST(KerasDotLayerErrors, AxesOfInvalidFormat) {
  expectError(
      [] {
        dot({2, 3}, {2, 3}, PyValue::ints({1}));
      },
      ErrorKind::Argument,
      {"keras.layers.Dot: Invalid format for argument `axes`: it should contain two "
       "elements. Received: axes=[1]"});
  expectError(
      [] {
        dot({2, 3}, {2, 3}, PyValue::tuple(PyValue::ints({1, 1, 1}).items));
      },
      ErrorKind::Argument, {"Received: axes=(1, 1, 1)"});
  expectError(
      [] {
        dot({2, 3}, {2, 3}, PyValue::list({PyValue::fromInt(1), PyValue::fromFloat(1.5)}));
      },
      ErrorKind::Argument,
      {"keras.layers.Dot: Invalid format for argument `axes`: list elements should be integers. "
       "Received: axes=[1, 1.5]"});
  expectError(
      [] {
        dot({2, 3}, {2, 3}, PyValue::list({PyValue::ints({1}), PyValue::ints({1})}));
      },
      ErrorKind::Argument, {"list elements should be integers. Received: axes=[[1], [1]]"});
}

TEST(KerasDotLayerErrors, ConstructorCheckComesBeforeInputCount) {
  expectError(
      [] {
        kerasDotLayer({arg("x1", {2, 3})}, PyValue::none(), {}, DType::f32);
      },
      ErrorKind::Argument, {"Invalid type for argument `axes`"});
}

TEST(KerasDotLayerErrors, AxisOutOfRange) {
  expectError(
      [] {
        dot({2, 3, 4}, {2, 3}, pair(5, 1));
      },
      ErrorKind::Axis, {"keras.layers.Dot: ", "axis 5 is out of range for x1 of shape (2, 3, 4)"});
  expectError(
      [] {
        dot({2, 3, 4}, {2, 3}, PyValue::fromInt(2));
      },
      ErrorKind::Axis, {"axis 2 is out of range for x2 of shape (2, 3)"});
}

TEST(KerasDotLayerErrors, ScalarInputWithNegativeAxis) {
  expectError(
      [] {
        dot({}, {2, 3}, PyValue::fromInt(-1));
      },
      ErrorKind::Axis, {"keras.layers.Dot: ", "x1 has rank 0"});
}

TEST(KerasDotLayerErrors, BatchDotChecksUnderTheLayerName) {
  expectError(
      [] {
        dot({2, 3}, {2, 3}, PyValue::fromInt(0));
      },
      ErrorKind::Axis, {"keras.layers.Dot: Cannot perform batch_dot over axis 0"});
  expectError([] { dot({4}, {4}, PyValue::fromInt(-1)); }, ErrorKind::Shape,
              {"keras.layers.Dot: Cannot do batch_dot on inputs with rank < 2. Received inputs "
               "with shapes (4,) and (4,)."});
  expectError(
      [] {
        dot({2, 3}, {3, 3}, PyValue::fromInt(1));
      },
      ErrorKind::Shape,
      {"keras.layers.Dot: Cannot do batch_dot on inputs with different batch sizes",
       "x1.shape[0] != x2.shape[0] (2 != 3)"});
}

} // namespace
} // namespace einjit::frontend
