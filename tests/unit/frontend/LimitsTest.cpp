// Hostile sizes in every front end (docs/LIMITS.md): element counts past 64 bits, ranks and
// operand counts past the limits, a 1 MB einsum string, call text nested 100,000 deep. Each is
// one einjit::Error of the documented kind naming the operand, axis or column — quickly, and
// without allocating anything of the declared size (the sanitizer build runs these too).
#include "frontend/CallText.h"
#include "frontend/Frontends.h"
#include "frontend/PythonCallParser.h"
#include "ir/IndexProgram.h"

#include "TestSupport.h"

#include <gtest/gtest.h>

namespace einjit::frontend {
namespace {

using test::expectError;

constexpr std::int64_t kHuge = std::int64_t{1} << 40; // 2^40: two of them overflow nothing,
                                                      // four overflow 64 bits

// ---- element counts past 64 bits --------------------------------------------------------------

TEST(Limits, EinsumOperandWhoseElementCountOverflows) {
  Error error = expectError(
      [] {
        einsum("ijk,k->i", {{"x", {kHuge, kHuge, 8}}, {"y", {8}}}, DType::f32);
      },
      ErrorKind::Shape,
      {"einsum: operand x", "(1099511627776, 1099511627776, 8)", "64-bit", "axis 1"});
  EXPECT_FALSE(error.span().has_value());
}

TEST(Limits, EinsumOutputWhoseElementCountOverflows) {
  // Each operand fits; their outer product does not.
  expectError(
      [] {
        einsum("ij,kl->ijkl", {{"x", {kHuge, 2}}, {"y", {kHuge, 2}}}, DType::f64);
      },
      ErrorKind::Shape,
      {"einsum: the output", "(1099511627776, 2, 1099511627776, 2)", "64-bit count", "axis 2"});
  expectError(
      [] {
        einsum("ij,kl->ijkl", {{"x", {kHuge, 2}}, {"y", {kHuge, 2}}}, DType::f64,
               EinsumDialect::Torch);
      },
      ErrorKind::Shape, {"einsum(): the output"});
}

TEST(Limits, EinsumNegativeExtentNamesOperandAndAxis) {
  expectError(
      [] {
        einsum("ij->i", {{"x", {3, -2}}}, DType::f32);
      },
      ErrorKind::Shape, {"einsum: operand x", "extent -2 of axis 1 is negative"});
}

TEST(Limits, CallFrontEndsRefuseOverflowingOperands) {
  ShapeBinding huge;
  huge.positional = {{kHuge, kHuge, 16}, {16, 4}};
  for (const std::string& text :
       {std::string("np.tensordot(a, b, axes=1)"), std::string("np.matmul(a, b)"),
        std::string("a @ b"), std::string("tf.matmul(a, b)"), std::string("K.dot(a, b)"),
        std::string("np.dot(a, b)"), std::string("torch.einsum('ijk,kl->ijl', a, b)"),
        std::string("K.batch_dot(a, b, axes=[2, 0])")}) {
    SCOPED_TRACE(text);
    expectError([&] { lowerCallText(text, huge); }, ErrorKind::Shape,
                {"operand a", "(1099511627776, 1099511627776, 16)", "64-bit count"});
  }
}

TEST(Limits, CallOutputWhoseElementCountOverflows) {
  ShapeBinding shapes;
  shapes.positional = {{kHuge, 4}, {4, kHuge}};
  expectError([&] { lowerCallText("np.tensordot(a, b, axes=0)", shapes); }, ErrorKind::Shape,
              {"np.tensordot: the output", "(1099511627776, 4, 4, 1099511627776)", "64-bit"});
  shapes.positional = {{kHuge * 4}, {kHuge * 4}};
  expectError([&] { lowerCallText("np.outer(a, b)", shapes); }, ErrorKind::Shape,
              {"np.outer: the output", "64-bit"});
}

TEST(Limits, ShapeTextOverflowAndRank) {
  expectError([] { parseShapes("4x1099511627776x1099511627776"); }, ErrorKind::Shape,
              {"--shapes: operand 1: the number of elements does not fit in 64 bits",
               "  4x1099511627776x1099511627776\n  ^^^^"});
  std::string deep = "2";
  for (std::size_t d = 1; d < limits::maxRank; ++d)
    deep += "x1";
  EXPECT_EQ(parseShapes(deep).positional.at(0).size(), limits::maxRank);
  Error error = expectError([&] { parseShapes(deep + "x1"); }, ErrorKind::Resource,
                            {"--shapes: operand 1: more than 64 axes, the limit"});
  ASSERT_TRUE(error.span().has_value());
  EXPECT_EQ(error.span()->begin, deep.size() + 1); // the 65th extent
}

TEST(Limits, ShapeTextTooManyOperandsOrTooLong) {
  std::string many = "2";
  for (std::size_t t = 1; t <= limits::maxOperands; ++t)
    many += ",2";
  expectError([&] { parseShapes(many); }, ErrorKind::Resource,
              {"--shapes: more than 64 shapes, the operand limit"});
  expectError([] { parseShapes(std::string(limits::maxTextLength + 1, '2')); }, ErrorKind::Resource,
              {"--shapes: the text has 65537 characters", "limit 65536"});
}

TEST(Limits, IndexProgramDeclarationOverflows) {
  Error error = expectError(
      [] {
        ir::parseIndexProgram("x: f32[1099511627776, 1099511627776, 16]\n"
                              "out[] = sum_{i,j,k} x[i,j,k]\n");
      },
      ErrorKind::Shape,
      {"line 1, column 7", "'x' of shape (1099511627776, 1099511627776, 16)", "64-bit count"});
  ASSERT_TRUE(error.span().has_value());
  EXPECT_EQ(error.span()->begin, 6u); // the bracket
}

TEST(Limits, IndexProgramOutputOverflows) {
  expectError(
      [] {
        ir::parseIndexProgram("x: f32[1099511627776, 2]\ny: f32[1099511627776, 2]\n"
                              "out[i,j,k,l] = x[i,j] * y[k,l]\n");
      },
      ErrorKind::Shape, {"line 3, column 4", "out of shape (1099511627776, 2, 1099511627776, 2)"});
}

TEST(Limits, IndexProgramRankAndOperandLimits) {
  std::string dims = "1";
  for (std::size_t d = 1; d <= limits::maxRank; ++d)
    dims += ", 1";
  expectError([&] { ir::parseIndexProgram("x: f32[" + dims + "]\nout[] = x[]\n"); },
              ErrorKind::Resource, {"line 1", "'x' has more than 64 dimensions, the limit"});
  // An index list far past any rank stops at the limit, not after reading it all.
  std::string labels = "a0";
  for (int l = 1; l < 100000; ++l)
    labels += ",a" + std::to_string(l);
  expectError([&] { ir::parseIndexProgram("x: f32[2]\nout[" + labels + "] = x[a0]\n"); },
              ErrorKind::Resource, {"line 2", "more than 64 indices, the rank limit"});
  std::string text;
  for (std::size_t t = 0; t <= limits::maxOperands; ++t)
    text += "x" + std::to_string(t) + ": f32[2]\n";
  expectError([&] { ir::parseIndexProgram(text + "out[] = x0[i]\n"); }, ErrorKind::Resource,
              {"line 65, column 1", "more than 64 operands, the limit"});
}

TEST(Limits, EngineShapesCountPastTheLimit) {
  ShapeBinding shapes;
  shapes.positional.assign(100000, Shape{2});
  expectError([&] { lowerCallText("i,i->i", shapes); }, ErrorKind::Resource,
              {"np.einsum: 100000 shapes, more than the operand limit 64"});
}

TEST(Limits, EngineShapesRankPastTheLimit) {
  // Engine::plan's shapes reach the front end through lowerCallText.
  ShapeBinding shapes;
  shapes.positional = {Shape(limits::maxRank + 1, 1), Shape{1}};
  expectError([&] { lowerCallText("np.tensordot(a, b, axes=1)", shapes); }, ErrorKind::Resource,
              {"np.tensordot: operand a has rank 65, more than the limit 64"});
}

// ---- operand counts, text length, nesting ------------------------------------------------------

TEST(Limits, EinsumOperandCountPastTheLimit) {
  std::vector<Arg> operands;
  std::string subscripts;
  for (std::size_t t = 0; t <= limits::maxOperands; ++t) {
    operands.push_back({"x" + std::to_string(t), {2}});
    subscripts += (t ? ",i" : "i");
  }
  expectError([&] { einsum(subscripts, operands, DType::f32); }, ErrorKind::Resource,
              {"einsum: 65 operands, more than the limit 64"});
  // The bare einsum text the CLI takes is refused before any shape is bound.
  Error error = expectError([&] { parseCall(subscripts); }, ErrorKind::Resource,
                            {"einsum: the subscripts have 65 operand terms", "limit 64"});
  ASSERT_TRUE(error.span().has_value());
  EXPECT_EQ(error.span()->begin, 2 * limits::maxOperands - 1); // the 64th comma
}

TEST(Limits, OneMegabyteEinsumString) {
  std::string subscripts;
  while (subscripts.size() < (1 << 20))
    subscripts += "ij,";
  subscripts += "ij";
  std::vector<Arg> operands{{"x", {2, 3}}};
  std::string length = std::to_string(subscripts.size());
  Error error =
      expectError([&] { einsum(subscripts, operands, DType::f32); }, ErrorKind::Resource,
                  {"einsum: the text has " + length + " characters, more than the limit 65536",
                   "(column 65537 of " + length + ")"});
  // The message shows a window of the text, not a megabyte of it.
  EXPECT_LT(std::string(error.what()).size(), 400u);
  expectError([&] { parseCall(subscripts); }, ErrorKind::Resource, {"call text: the text has"});
  expectError([&] { parseCall("np.einsum('" + subscripts + "', a)"); }, ErrorKind::Resource,
              {"call text: the text has"});
}

TEST(Limits, CallTextNested100000Deep) {
  // 100,000 levels of '['; of '(' and 'f(' 10,000 are as far past the limit and cost less to
  // tokenize under the sanitizers.
  for (std::string open : {"[", "(", "f("}) {
    SCOPED_TRACE(open);
    std::string text = "np.tensordot(a, b, axes=";
    for (int level = 0; level < (open == "[" ? 100000 : 10000); ++level)
      text += open;
    // The parser stops at the 101st level whatever the text's length...
    Error error = expectError([&] { python::parseExpression(text); }, ErrorKind::Resource,
                              {"call text: nested more than 100 levels deep", "the limit"});
    ASSERT_TRUE(error.span().has_value());
    EXPECT_LT(error.span()->begin, 24 + 100 * open.size());
    expectError([&] { parseCall(text); }, ErrorKind::Resource,
                {open == "[" ? "the text has 100024 characters, more than the limit 65536"
                             : "nested more than 100 levels"});
  }
  // Chains build as deep a tree as brackets do.
  std::string matmuls = "a";
  for (int level = 0; level < 30000; ++level)
    matmuls += "@a";
  expectError([&] { parseCall(matmuls); }, ErrorKind::Resource, {"nested more than 100 levels"});
  std::string calls = "f";
  for (int level = 0; level < 30000; ++level)
    calls += "()";
  expectError([&] { parseCall(calls); }, ErrorKind::Resource, {"nested more than 100 levels"});
}

TEST(Limits, NestingWithinTheLimitParses) {
  std::string axes = "1";
  for (int level = 0; level < 90; ++level)
    axes = "(" + axes + ")";
  ShapeBinding shapes;
  shapes.positional = {{2, 3}, {3, 4}};
  LoweredCall lowered = lowerCallText("np.tensordot(a, b, axes=" + axes + ")", shapes);
  EXPECT_EQ(lowered.program.outputShape(), (Shape{2, 4}));
}

TEST(Limits, CallTextOperandCountPastTheLimit) {
  std::string text = "np.einsum('i";
  for (std::size_t t = 1; t <= limits::maxOperands; ++t)
    text += ",i";
  text += "'";
  for (std::size_t t = 0; t <= limits::maxOperands; ++t)
    text += ", a" + std::to_string(t);
  text += ")";
  Error error = expectError([&] { parseCall(text); }, ErrorKind::Resource,
                            {"call text: more than 64 operands, the limit"});
  ASSERT_TRUE(error.span().has_value());
  EXPECT_EQ(text.substr(error.span()->begin, 3), "a64");
}

} // namespace
} // namespace einjit::frontend
