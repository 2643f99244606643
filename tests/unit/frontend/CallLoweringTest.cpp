// parseShapes and lowerCall: the --shapes syntax and its refusals, binding by name and by
// position, dispatch to each front end with the call's arguments, legacy Keras, and values of
// the worked examples of SEMANTICS.md section 10 through the reference interpreter.
#include "ProgramTestSupport.h"
#include "TestSupport.h"
#include "frontend/CallText.h"
#include "reference/Interpreter.h"

#include <gtest/gtest.h>

namespace einjit::frontend {
namespace {

using test::expectError;

ShapeBinding named(std::map<std::string, Shape> shapes) {
  ShapeBinding binding;
  binding.named = std::move(shapes);
  return binding;
}

ShapeBinding positional(std::vector<Shape> shapes) {
  ShapeBinding binding;
  binding.positional = std::move(shapes);
  return binding;
}

std::string statementOf(const std::string& text, const ShapeBinding& shapes,
                        const LowerOptions& options = {}) {
  return ir::statementText(lowerCallText(text, shapes, options).program);
}

// ---- parseShapes -----------------------------------------------------------------------------

TEST(ParseShapes, Positional) {
  ShapeBinding binding = parseShapes("2x3x4,2x4x5");
  EXPECT_TRUE(binding.named.empty());
  EXPECT_EQ(binding.positional, (std::vector<Shape>{{2, 3, 4}, {2, 4, 5}}));
}

TEST(ParseShapes, Named) {
  ShapeBinding binding = parseShapes("x=2x3x4, y = 7");
  EXPECT_TRUE(binding.positional.empty());
  EXPECT_EQ(binding.named, (std::map<std::string, Shape>{{"x", {2, 3, 4}}, {"y", {7}}}));
}

TEST(ParseShapes, ScalarAndEmptyItemsAreZeroDimensional) {
  EXPECT_EQ(parseShapes("scalar,3").positional, (std::vector<Shape>{{}, {3}}));
  EXPECT_EQ(parseShapes(",3,").positional, (std::vector<Shape>{{}, {3}, {}}));
  EXPECT_EQ(parseShapes("a=scalar,b=").named, (std::map<std::string, Shape>{{"a", {}}, {"b", {}}}));
}

TEST(ParseShapes, LargestExtentThatFits) {
  EXPECT_EQ(parseShapes("9223372036854775807").positional,
            (std::vector<Shape>{{9223372036854775807}}));
}

TEST(ParseShapesErrors, ZeroExtentNamesOperandAndAxis) {
  Error zero = expectError([] { parseShapes("x=2x3,y=4x0"); }, ErrorKind::Shape,
                           {"--shapes: y, axis 1: extent 0", "at least 1"});
  EXPECT_EQ(zero.span()->begin, 10u);
  expectError([] { parseShapes("2x3,0"); }, ErrorKind::Shape, {"operand 2, axis 0: extent 0"});
}

TEST(ParseShapesErrors, NegativeNonNumericAndMissingExtents) {
  expectError([] { parseShapes("2x-3"); }, ErrorKind::Shape,
              {"operand 1, axis 1: extent -3 is negative"});
  expectError([] { parseShapes("x=2xax3"); }, ErrorKind::Shape,
              {"x, axis 1: extent 'a' is not a number"});
  expectError([] { parseShapes("2x3.5"); }, ErrorKind::Shape, {"'3.5' is not a number"});
  expectError([] { parseShapes("2xx3"); }, ErrorKind::Shape, {"axis 1: missing extent"});
  expectError([] { parseShapes("(2, 3)"); }, ErrorKind::Shape, {"is not a number"});
}

TEST(ParseShapesErrors, OverflowingExtentsAndElementCounts) {
  expectError([] { parseShapes("x=9223372036854775808"); }, ErrorKind::Shape,
              {"x, axis 0: extent 9223372036854775808 does not fit in 64 bits"});
  expectError([] { parseShapes("4294967296x4294967296"); }, ErrorKind::Shape,
              {"operand 1: the number of elements does not fit in 64 bits"});
}

TEST(ParseShapesErrors, NamesMustBeIdentifiersAndUnique) {
  expectError([] { parseShapes("x=2,x=3"); }, ErrorKind::Syntax, {"'x' is given twice"});
  expectError([] { parseShapes("2x=3"); }, ErrorKind::Syntax, {"'2x' is not an operand name"});
  expectError([] { parseShapes("x=2,3"); }, ErrorKind::Syntax, {"not a mix"});
  expectError([] { parseShapes("2x3,y=4x5"); }, ErrorKind::Syntax, {"not a mix"});
}

// ---- binding ---------------------------------------------------------------------------------

TEST(LowerCall, BindsByName) {
  LoweredCall lowered = lowerCallText("np.dot(b, a)", named({{"a", {3, 4}}, {"b", {2, 3}}}));
  EXPECT_EQ(lowered.program.outputShape(), (Shape{2, 4}));
  EXPECT_EQ(lowered.program.operands[0].name, "b");
  EXPECT_EQ(lowered.program.operands[0].shape, (Shape{2, 3}));
}

TEST(LowerCall, BindsByPosition) {
  LoweredCall lowered = lowerCallText("np.dot(b, a)", positional({{2, 3}, {3, 4}}));
  EXPECT_EQ(lowered.program.operands[1].name, "a");
  EXPECT_EQ(lowered.program.operands[1].shape, (Shape{3, 4}));
}

TEST(LowerCallErrors, MissingAndUnknownNamesListTheOperands) {
  expectError(
      [] {
        lowerCallText("np.dot(a, b)", named({{"a", {2}}, {"c", {2}}}));
      },
      ErrorKind::Arity,
      {"np.dot(a, b): the shapes must name the operands a, b", "missing: b", "not an operand: c"});
}

TEST(LowerCallErrors, PositionalCountMustMatch) {
  expectError(
      [] {
        lowerCallText("np.dot(a, b)", positional({{2}, {2}, {2}}));
      },
      ErrorKind::Arity, {"takes 2 operands (a, b) but 3 shapes were given"});
}

TEST(LowerCallErrors, BareEinsumTakesItsOperandsFromTheShapes) {
  Error error = expectError(
      [] {
        lowerCallText("ij,jk", positional({{2, 3}}));
      },
      ErrorKind::Arity, {"einsum: more operands provided"});
  EXPECT_EQ(error.source(), "ij,jk");
}

TEST(LowerCallErrors, EinsumErrorsPointIntoTheWholeCall) {
  const std::string text = "np.einsum('ij,jk->iz', a, b)";
  Error error = expectError(
      [&] {
        lowerCallText(text, positional({{2, 3}, {3, 4}}));
      },
      ErrorKind::Syntax, {"output subscript 'z'"});
  EXPECT_EQ(error.source(), text);
  EXPECT_EQ(error.span()->begin, 19u);
}

TEST(LowerCallErrors, FlagsMustBeBooleans) {
  expectError(
      [] {
        lowerCallText("tf.matmul(a, b, transpose_b='yes')", positional({{2, 3}, {4, 3}}));
      },
      ErrorKind::Argument, {"tf.matmul: transpose_b must be True or False, got 'yes'"});
}

// ---- dispatch --------------------------------------------------------------------------------

TEST(LowerCall, EachCallReachesItsFrontEnd) {
  ShapeBinding matrices = positional({{2, 3}, {3, 4}});
  EXPECT_EQ(statementOf("a @ b", matrices), "out[n,m] = sum_k a[n,k] * b[k,m]");
  EXPECT_EQ(statementOf("np.tensordot(a, b, axes=[[1], [0]])", matrices),
            "out[a,c] = sum_k a[a,k] * b[k,c]");
  EXPECT_EQ(statementOf("torch.tensordot(a, b, dims=([1], [0]))", matrices),
            "out[a,c] = sum_k a[a,k] * b[k,c]");
  EXPECT_EQ(statementOf("np.einsum(a, [0, 1], b, [1, 2], [0, 2])", matrices),
            "out[A,C] = sum_B a[A,B] * b[B,C]");
  EXPECT_EQ(statementOf("torch.bmm(a, b)", positional({{2, 3, 4}, {2, 4, 5}})),
            "out[b,n,m] = sum_k a[b,n,k] * b[b,k,m]");
  EXPECT_EQ(statementOf("np.outer(a, b)", positional({{2, 3}, {4}})), "out[a,c] = a[a] * b[c]");
}

TEST(LowerCall, TensordotDefaultsToTwoAxes) {
  LoweredCall lowered = lowerCallText("np.tensordot(a, b)", positional({{2, 3, 4}, {3, 4, 5}}));
  EXPECT_EQ(lowered.program.outputShape(), (Shape{2, 5}));
}

TEST(LowerCall, TorchTensordotRefusesAPairOfInts) {
  expectError(
      [] {
        lowerCallText("torch.tensordot(a, b, dims=(1, 0))", positional({{2, 3}, {3, 4}}));
      },
      ErrorKind::Argument, {"must be tuple of ints, not int"});
}

TEST(LowerCall, TorchEinsumSumsEllipsisDimsNumpyRefuses) {
  ShapeBinding shapes = positional({{5, 2, 3}, {5, 3, 4}});
  EXPECT_EQ(lowerCallText("torch.einsum('...ij,...jk->ik', a, b)", shapes).program.outputShape(),
            (Shape{2, 4}));
  expectError([&] { lowerCallText("np.einsum('...ij,...jk->ik', a, b)", shapes); },
              ErrorKind::Shape, {"output has more dimensions than subscripts"});
}

TEST(LowerCall, TfMatmulAdjointConjugates) {
  LowerOptions complex;
  complex.dtype = DType::c64;
  LoweredCall lowered =
      lowerCallText("tf.matmul(a, b, adjoint_b=True)", positional({{2, 3}, {4, 3}}), complex);
  EXPECT_EQ(ir::statementText(lowered.program), "out[n,m] = sum_k a[n,k] * conj(b[m,k])");
  EXPECT_EQ(lowered.program.dtype, DType::c64);
}

TEST(LowerCall, DotLayerNormalizeEpsilonFollowsTheLibrary) {
  ShapeBinding shapes = positional({{2, 3, 4}, {2, 3, 4}});
  LoweredCall tfKeras =
      lowerCallText("tf.keras.layers.Dot(axes=2, normalize=True)([a, b])", shapes);
  ASSERT_EQ(tfKeras.program.prologues.size(), 2u);
  EXPECT_EQ(tfKeras.program.prologues[0].epsilon, 1e-6);
  LoweredCall keras3 = lowerCallText("keras.layers.Dot(axes=2, normalize=True)([a, b])", shapes);
  EXPECT_EQ(keras3.program.prologues[0].epsilon, 1e-7);
  LowerOptions options;
  options.normalizeEpsilon = 1e-3;
  LoweredCall configured =
      lowerCallText("keras.layers.dot([a, b], axes=2, normalize=True)", shapes, options);
  EXPECT_EQ(configured.program.prologues[1].epsilon, 1e-3);
  EXPECT_TRUE(lowerCallText("keras.layers.Dot(axes=2)([a, b])", shapes).program.prologues.empty());
}

TEST(LowerCall, KerasLayersDotDefaultsToLastAxis) {
  LoweredCall lowered = lowerCallText("keras.layers.dot([y, u])", positional({{2, 3, 4}, {2, 4}}));
  EXPECT_EQ(ir::statementText(lowered.program), "out[b,c] = sum_k y[b,c,k] * u[b,k]");
}

TEST(LowerCall, DotLayerChecksItsInputCount) {
  expectError(
      [] {
        lowerCallText("keras.layers.Dot(axes=1)([a, b, c])", positional({{2, 3}, {2, 3}, {2, 3}}));
      },
      ErrorKind::Arity, {"2 inputs"});
}

// ---- legacy Keras ----------------------------------------------------------------------------

TEST(LowerCall, BatchDotCarriesTheLegacyProgram) {
  LoweredCall lowered =
      lowerCallText("K.batch_dot(x, y)", named({{"x", {9, 8, 7, 4, 2}}, {"y", {9, 8, 7, 2, 5}}}));
  EXPECT_EQ(lowered.program.outputShape(), (Shape{9, 8, 7, 4, 8, 7, 5}));
  ASSERT_TRUE(lowered.legacy);
  EXPECT_EQ(lowered.legacy->outputShape(), (Shape{9, 8, 7, 4, 5}));
  EXPECT_FALSE(lowered.legacyError);
}

TEST(LowerCall, LegacyRefusalIsKeptAsText) {
  LoweredCall lowered = lowerCallText("K.batch_dot(x, y, axes=[3, 2])",
                                      named({{"x", {2, 3, 4, 5}}, {"y", {2, 6, 5, 7}}}));
  EXPECT_EQ(lowered.program.outputShape(), (Shape{2, 3, 4, 6, 7}));
  EXPECT_FALSE(lowered.legacy);
  ASSERT_TRUE(lowered.legacyError);
  EXPECT_NE(lowered.legacyError->find("3 != 6"), std::string::npos) << *lowered.legacyError;
}

TEST(LowerCall, OnlyKerasBatchDotsHaveALegacyForm) {
  LoweredCall lowered = lowerCallText("np.matmul(a, b)", positional({{2, 3}, {3, 4}}));
  EXPECT_FALSE(lowered.legacy);
  EXPECT_FALSE(lowered.legacyError);
  EXPECT_TRUE(lowerCallText("keras.layers.Dot(axes=1)([a, b])", positional({{4, 5}, {4, 5}}))
                  .legacy.has_value());
}

// ---- values (SEMANTICS.md section 10) --------------------------------------------------------

std::vector<double> compute(const LoweredCall& lowered,
                            const std::vector<test::TensorInput>& inputs) {
  std::vector<TensorView> views;
  for (const test::TensorInput& input : inputs)
    views.push_back(input.view);
  return test::realValuesOf(reference::interpret(lowered.program, views).view());
}

TEST(LowerCallValues, DotLayerAxes2) {
  LowerOptions f64;
  f64.dtype = DType::f64;
  LoweredCall lowered =
      lowerCallText("keras.layers.Dot(axes=2)([a, b])", positional({{2, 3, 4}, {2, 3, 4}}), f64);
  std::vector<double> out = compute(
      lowered, {test::arange(DType::f64, {2, 3, 4}), test::arange(DType::f64, {2, 3, 4}, 24)});
  std::vector<double> first(out.begin(), out.begin() + 9);
  EXPECT_EQ(first, (std::vector<double>{158, 182, 206, 566, 654, 742, 974, 1126, 1278}));
}

TEST(LowerCallValues, LayersDotAxes21) {
  LoweredCall lowered = lowerCallText("keras.layers.dot([x1, x2], axes=(2, 1))",
                                      named({{"x1", {2, 2, 4}}, {"x2", {2, 4}}}));
  std::vector<double> out =
      compute(lowered, {test::arange(DType::f32, {2, 2, 4}),
                        test::tensorOf(DType::f32, {2, 4}, {1, 2, 3, 4, 1, 2, 3, 4})});
  EXPECT_EQ(out, (std::vector<double>{20, 60, 100, 140}));
}

TEST(LowerCallValues, TfTensordotAxes1) {
  LoweredCall lowered =
      lowerCallText("tf.tensordot(v, u, axes=1)", named({{"v", {2, 3, 4}}, {"u", {4}}}));
  std::vector<double> out = compute(lowered, {test::arange(DType::f32, {2, 3, 4}),
                                              test::tensorOf(DType::f32, {4}, {1, 2, 3, 4})});
  EXPECT_EQ(out, (std::vector<double>{20, 60, 100, 140, 180, 220}));
}

TEST(LowerCallValues, NormalizedDotLayerIsCosine) {
  LowerOptions f64;
  f64.dtype = DType::f64;
  LoweredCall lowered = lowerCallText("tf_keras.layers.Dot(axes=1, normalize=True)([x, y])",
                                      positional({{2, 3}, {2, 3}}), f64);
  std::vector<double> out =
      compute(lowered, {test::tensorOf(DType::f64, {2, 3}, {1, 2, 2, 0, 3, 4}),
                        test::tensorOf(DType::f64, {2, 3}, {2, 0, 0, 0, 0, 5})});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_NEAR(out[0], 1.0 / 3.0, 1e-12);
  EXPECT_NEAR(out[1], 0.8, 1e-12);
}

} // namespace
} // namespace einjit::frontend
