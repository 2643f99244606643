// parseCall: every call form and module alias, Python literals, and every refusal with the
// column its caret points at.
#include "frontend/CallText.h"
#include "TestSupport.h"

#include <gtest/gtest.h>

namespace einjit::frontend {
namespace {

using test::expectError;

std::optional<PyValue> keywordOf(const ParsedCall& call, const std::string& name) {
  for (const auto& [given, value] : call.keywords)
    if (given == name)
      return value;
  return std::nullopt;
}

std::vector<std::string> names(std::initializer_list<const char*> list) {
  return std::vector<std::string>(list.begin(), list.end());
}

// ---- forms -----------------------------------------------------------------------------------

TEST(ParseCall, BareEinsumUnquoted) {
  ParsedCall call = parseCall("  bij,bjk->bik ");
  EXPECT_EQ(call.function, "np.einsum");
  EXPECT_EQ(call.subscripts, "bij,bjk->bik");
  EXPECT_EQ(call.subscriptsColumn, 2u);
  EXPECT_EQ(call.operandNames, names({"x", "y"}));
  EXPECT_EQ(call.text, "  bij,bjk->bik ");
}

TEST(ParseCall, BareEinsumQuoted) {
  ParsedCall single = parseCall("'ij,jk'");
  EXPECT_EQ(single.subscripts, "ij,jk");
  EXPECT_EQ(single.subscriptsColumn, 1u);
  ParsedCall doubleQuoted = parseCall("\"i,j,k->ijk\"");
  EXPECT_EQ(doubleQuoted.subscripts, "i,j,k->ijk");
  EXPECT_EQ(doubleQuoted.operandNames, names({"x", "y", "z"}));
}

TEST(ParseCall, BareEinsumCountsTermsBeforeArrowOnly) {
  EXPECT_EQ(parseCall("ij->i").operandNames, names({"x"}));
  EXPECT_EQ(parseCall(",->").operandNames, names({"x", "y"}));
}

TEST(ParseCall, NumpyEinsumWithSingleAndDoubleQuotes) {
  for (const char* text : {"np.einsum('ij,jk', a, b)", "numpy.einsum(\"ij,jk\", a, b)"}) {
    ParsedCall call = parseCall(text);
    EXPECT_EQ(call.function, "np.einsum") << text;
    EXPECT_EQ(call.subscripts, "ij,jk") << text;
    EXPECT_EQ(call.operandNames, names({"a", "b"})) << text;
  }
  EXPECT_EQ(parseCall("np.einsum('ij,jk', a, b)").subscriptsColumn, 11u);
  EXPECT_EQ(parseCall("numpy.einsum(\"ij,jk\", a, b)").subscriptsColumn, 14u);
}

TEST(ParseCall, EinsumSublistForm) {
  ParsedCall call = parseCall("np.einsum(a, [0, 1], b, [1, 2], [0, 2])");
  EXPECT_EQ(call.operandNames, names({"a", "b"}));
  EXPECT_FALSE(call.subscripts);
  EXPECT_EQ(keywordOf(call, "sublists"),
            PyValue::list({PyValue::ints({0, 1}), PyValue::ints({1, 2})}));
  EXPECT_EQ(keywordOf(call, "output"), PyValue::ints({0, 2}));
}

TEST(ParseCall, EinsumSublistWithEllipsisAndImplicitOutput) {
  ParsedCall call = parseCall("np.einsum(a, [Ellipsis, 0], b, [..., 0])");
  PyValue expected = PyValue::list({PyValue::list({PyValue::ellipsis(), PyValue::fromInt(0)}),
                                    PyValue::list({PyValue::ellipsis(), PyValue::fromInt(0)})});
  EXPECT_EQ(keywordOf(call, "sublists"), expected);
  EXPECT_FALSE(keywordOf(call, "output"));
}

TEST(ParseCall, TorchEinsumListOfOperands) {
  ParsedCall call = parseCall("torch.einsum('ij,jk', [a, b])");
  EXPECT_EQ(call.function, "torch.einsum");
  EXPECT_EQ(call.operandNames, names({"a", "b"}));
  EXPECT_EQ(parseCall("torch.einsum('ij,jk', a, b)").operandNames, names({"a", "b"}));
}

TEST(ParseCall, EveryModuleAliasResolves) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"np.dot(a, b)", "np.dot"},
      {"numpy.inner(a, b)", "np.inner"},
      {"np.outer(a, b)", "np.outer"},
      {"np.matmul(a, b)", "np.matmul"},
      {"np.tensordot(a, b)", "np.tensordot"},
      {"tf.tensordot(a, b, 1)", "tf.tensordot"},
      {"tensorflow.tensordot(a, b, axes=1)", "tf.tensordot"},
      {"tf.matmul(a, b)", "tf.matmul"},
      {"tf.linalg.matmul(a, b)", "tf.matmul"},
      {"tf.einsum('ij,jk', a, b)", "tf.einsum"},
      {"torch.bmm(a, b)", "torch.bmm"},
      {"torch.matmul(a, b)", "torch.matmul"},
      {"torch.tensordot(a, b, dims=1)", "torch.tensordot"},
      {"torch.inner(a, b)", "torch.inner"},
      {"torch.outer(a, b)", "torch.outer"},
      {"K.dot(x, y)", "K.dot"},
      {"keras.backend.dot(x, y)", "K.dot"},
      {"tf.keras.backend.batch_dot(x, y)", "K.batch_dot"},
      {"tf_keras.backend.batch_dot(x, y)", "K.batch_dot"},
      {"keras.layers.dot([a, b], axes=1)", "keras.layers.dot"},
      {"tf.keras.layers.dot([a, b], axes=1)", "tf_keras.layers.dot"},
      {"tf_keras.layers.dot([a, b], 1)", "tf_keras.layers.dot"},
      {"keras.ops.dot(a, b)", "keras.ops.dot"},
      {"keras.ops.matmul(a, b)", "keras.ops.matmul"},
      {"keras.ops.tensordot(a, b, axes=1)", "keras.ops.tensordot"},
      {"keras.ops.einsum('ij,jk', a, b)", "keras.ops.einsum"},
  };
  for (const auto& [text, function] : cases) {
    ParsedCall call = parseCall(text);
    EXPECT_EQ(call.function, function) << text;
    EXPECT_EQ(call.operandNames.size(), 2u) << text;
  }
}

TEST(ParseCall, MatmulOperator) {
  ParsedCall call = parseCall("q @ k");
  EXPECT_EQ(call.function, "@");
  EXPECT_EQ(call.operandNames, names({"q", "k"}));
  EXPECT_TRUE(call.keywords.empty());
}

TEST(ParseCall, PositionalArgumentsTakeTheirParameterNames) {
  ParsedCall tensordot = parseCall("np.tensordot(a, b, [[1], [0]])");
  EXPECT_EQ(keywordOf(tensordot, "axes"), PyValue::list({PyValue::ints({1}), PyValue::ints({0})}));
  ParsedCall matmul = parseCall("tf.matmul(a, b, False, True)");
  EXPECT_EQ(keywordOf(matmul, "transpose_a"), PyValue::fromBool(false));
  EXPECT_EQ(keywordOf(matmul, "transpose_b"), PyValue::fromBool(true));
  ParsedCall batchDot = parseCall("K.batch_dot(x, y, [1, 1])");
  EXPECT_EQ(keywordOf(batchDot, "axes"), PyValue::ints({1, 1}));
}

TEST(ParseCall, KerasDotLayerConstructorThenCall) {
  ParsedCall call = parseCall("keras.layers.Dot(axes=2, normalize=True)([a, b])");
  EXPECT_EQ(call.function, "keras.layers.Dot");
  EXPECT_EQ(call.operandNames, names({"a", "b"}));
  EXPECT_EQ(keywordOf(call, "axes"), PyValue::fromInt(2));
  EXPECT_EQ(keywordOf(call, "normalize"), PyValue::fromBool(true));
  ParsedCall tfKeras = parseCall("tf.keras.layers.Dot((1, 2))((x1, x2))");
  EXPECT_EQ(tfKeras.function, "tf_keras.layers.Dot");
  EXPECT_EQ(keywordOf(tfKeras, "axes"), PyValue::tuple({PyValue::fromInt(1), PyValue::fromInt(2)}));
  EXPECT_EQ(tfKeras.operandNames, names({"x1", "x2"}));
}

TEST(ParseCall, KerasDotFunctionWithListOfInputs) {
  ParsedCall call = parseCall("keras.layers.dot([x1, x2], axes=(2, 1), normalize=False)");
  EXPECT_EQ(call.operandNames, names({"x1", "x2"}));
  EXPECT_EQ(keywordOf(call, "axes"), PyValue::tuple({PyValue::fromInt(2), PyValue::fromInt(1)}));
  EXPECT_EQ(keywordOf(call, "normalize"), PyValue::fromBool(false));
}

TEST(ParseCall, PythonLiterals) {
  ParsedCall call =
      parseCall("K.batch_dot(x, y, axes=[-1, +2, 3.5, -1e-06, .5, True, False, None, 'ab', \"cd\", "
                "(), (7,), (1, [2]), ..., Ellipsis])");
  PyValue axes = keywordOf(call, "axes").value();
  ASSERT_EQ(axes.items.size(), 15u);
  EXPECT_EQ(axes.items[0], PyValue::fromInt(-1));
  EXPECT_EQ(axes.items[1], PyValue::fromInt(2));
  EXPECT_EQ(axes.items[2], PyValue::fromFloat(3.5));
  EXPECT_EQ(axes.items[3], PyValue::fromFloat(-1e-6));
  EXPECT_EQ(axes.items[4], PyValue::fromFloat(0.5));
  EXPECT_EQ(axes.items[5], PyValue::fromBool(true));
  EXPECT_EQ(axes.items[6], PyValue::fromBool(false));
  EXPECT_EQ(axes.items[7], PyValue::none());
  EXPECT_EQ(axes.items[8], PyValue::fromString("ab"));
  EXPECT_EQ(axes.items[9], PyValue::fromString("cd"));
  EXPECT_EQ(axes.items[10], PyValue::tuple({}));
  EXPECT_EQ(axes.items[11], PyValue::tuple({PyValue::fromInt(7)}));
  EXPECT_EQ(axes.items[12], PyValue::tuple({PyValue::fromInt(1), PyValue::ints({2})}));
  EXPECT_EQ(axes.items[13], PyValue::ellipsis());
  EXPECT_EQ(axes.items[14], PyValue::ellipsis());
  EXPECT_EQ(keywordOf(parseCall("np.tensordot(a, b, axes=(2))"), "axes"), PyValue::fromInt(2));
}

TEST(ParseCall, TrailingCommasAndSpacesAreAccepted) {
  ParsedCall call = parseCall("  np.tensordot( a ,b , axes = [ [1] , [0] , ] , )  ");
  EXPECT_EQ(call.operandNames, names({"a", "b"}));
  EXPECT_EQ(keywordOf(call, "axes"), PyValue::list({PyValue::ints({1}), PyValue::ints({0})}));
}

TEST(ParseCall, KeywordsThatDoNotChangeTheResultAreAccepted) {
  EXPECT_NO_THROW(parseCall("np.einsum('ij,jk', a, b, optimize='greedy')"));
  EXPECT_NO_THROW(parseCall("tf.matmul(a, b, a_is_sparse=True, name='mm')"));
  EXPECT_NO_THROW(parseCall("np.dot(a, b, out=None)"));
  EXPECT_NO_THROW(parseCall("keras.layers.Dot(axes=1, name='dot')([a, b])"));
}

// ---- errors ----------------------------------------------------------------------------------

std::size_t caretColumn(const Error& error) {
  return error.span().value_or(SourceSpan{}).begin;
}

TEST(ParseCallErrors, UnknownFunctionListsTheModule) {
  Error error = expectError([] { parseCall("np.einsun('ij', a)"); }, ErrorKind::Argument,
                            {"unknown function 'np.einsun'", "einsum, tensordot", "^^^^^^^^^"});
  EXPECT_EQ(caretColumn(error), 0u);
}

TEST(ParseCallErrors, UnknownModuleListsTheAliases) {
  expectError([] { parseCall("x = jax.numpy.dot(a, b)"); }, ErrorKind::Syntax, {"call text"});
  expectError([] { parseCall("jax.dot(a, b)"); }, ErrorKind::Argument,
              {"unknown function 'jax.dot'", "known modules: np., numpy., tf."});
  expectError([] { parseCall("dot(a, b)"); }, ErrorKind::Argument, {"unknown function 'dot'"});
}

TEST(ParseCallErrors, UnknownKeywordPointsAtIt) {
  Error error = expectError([] { parseCall("np.tensordot(a, b, axis=1)"); }, ErrorKind::Argument,
                            {"np.tensordot: unknown keyword 'axis' (accepted: axes)"});
  EXPECT_EQ(caretColumn(error), 19u);
  expectError([] { parseCall("np.inner(a, b, axes=1)"); }, ErrorKind::Argument,
              {"it takes no keywords"});
}

TEST(ParseCallErrors, WrongOperandCount) {
  expectError([] { parseCall("np.dot(a)"); }, ErrorKind::Arity,
              {"np.dot: takes 2 operands, got 1"});
  Error error = expectError([] { parseCall("np.inner(a, b, c)"); }, ErrorKind::Arity,
                            {"np.inner: takes 2 operands and no other positional argument"});
  EXPECT_EQ(caretColumn(error), 15u);
  expectError([] { parseCall("np.einsum('ij')"); }, ErrorKind::Arity, {"no operands"});
  expectError([] { parseCall("np.einsum()"); }, ErrorKind::Arity, {"no subscripts"});
  expectError([] { parseCall("keras.layers.Dot(axes=1)(a, b)"); }, ErrorKind::Arity,
              {"one list of inputs"});
  expectError([] { parseCall("keras.layers.Dot(axes=1)"); }, ErrorKind::Arity, {"is a layer"});
  expectError([] { parseCall("keras.layers.dot(axes=1)"); }, ErrorKind::Arity,
              {"missing the list of inputs"});
  expectError([] { parseCall("np.einsum(a, [0, 1], b)"); }, ErrorKind::Arity,
              {"operand 'b' has no sublist"});
}

TEST(ParseCallErrors, KeywordGivenTwice) {
  Error positional = expectError([] { parseCall("np.tensordot(a, b, 1, axes=2)"); },
                                 ErrorKind::Argument, {"argument 'axes' is given twice"});
  EXPECT_EQ(caretColumn(positional), 22u);
  expectError([] { parseCall("tf.matmul(a, b, transpose_b=True, transpose_b=False)"); },
              ErrorKind::Argument, {"argument 'transpose_b' is given twice"});
}

TEST(ParseCallErrors, MissingRequiredArgument) {
  expectError([] { parseCall("tf.tensordot(a, b)"); }, ErrorKind::Argument,
              {"tf.tensordot: missing required argument 'axes'"});
  expectError([] { parseCall("tf_keras.layers.Dot(normalize=True)([a, b])"); }, ErrorKind::Argument,
              {"missing required argument 'axes'"});
}

TEST(ParseCallErrors, RefusedKeywords) {
  Error error = expectError([] { parseCall("np.dot(a, b, out=c)"); }, ErrorKind::Unsupported,
                            {"np.dot: einjit does not support 'out'"});
  EXPECT_EQ(caretColumn(error), 13u);
  expectError([] { parseCall("np.einsum('ij', a, dtype='float64')"); }, ErrorKind::Unsupported,
              {"'dtype'"});
}

TEST(ParseCallErrors, OperandsMustBePlainNames) {
  Error error = expectError([] { parseCall("np.dot(a, 3)"); }, ErrorKind::Argument,
                            {"operand 2 must be a plain name", "got 3"});
  EXPECT_EQ(caretColumn(error), 10u);
  expectError([] { parseCall("np.dot(self.w, x)"); }, ErrorKind::Argument,
              {"the dotted name 'self.w'"});
  expectError([] { parseCall("np.tensordot(a, b, axes=k)"); }, ErrorKind::Argument,
              {"the value of 'axes' must be a Python literal"});
}

TEST(ParseCallErrors, BadSyntaxPointsAtTheColumn) {
  struct Case {
    const char* text;
    const char* message;
    std::size_t column;
  };
  const Case cases[] = {
      {"np.dot(a, b", "expected ')' to close the argument list", 11},
      {"np.dot(a b)", "expected ')' to close the argument list, found 'b'", 9},
      {"np.dot(a, b))", "unexpected ')' after the end of the expression", 12},
      {"np.dot(a, $)", "unexpected character '$'", 10},
      {"np.einsum('ij, a)", "unterminated string", 10},
      {"np.tensordot(a, b, axes=[1, 0)", "expected ']' to close the list", 29},
      {"np.tensordot(a, b, axes=1, b)", "positional argument follows keyword argument", 27},
      {"np.tensordot(a, b, axes=-x)", "expected a number after '-'", 25},
      {"np.tensordot(a, b, axes=12abc)", "malformed number", 24},
      {"np.tensordot(a, b, axes=99999999999999999999)", "does not fit in 64 bits", 24},
      {"np.tensordot(a, b, axes=007)", "leading zeros", 24},
      {"np.einsum('i\\j', a)", "escape sequences", 12},
      {"np.(a, b)", "expected a name after '.'", 3},
      {"(a, b)", "expected an einsum string or a call", 0},
      {"'ij' 'jk'", "unexpected", 5},
  };
  for (const Case& c : cases) {
    Error error = expectError([&] { parseCall(c.text); }, ErrorKind::Syntax, {c.message});
    EXPECT_EQ(caretColumn(error), c.column) << c.text;
    EXPECT_EQ(error.source(), c.text);
  }
}

TEST(ParseCall, AnOperandUsedTwiceBindsOneShapeAndReadsItTwice) {
  ParsedCall call = parseCall("a @ a");
  EXPECT_EQ(call.operandNames, (std::vector<std::string>{"a", "a"}));
  EXPECT_EQ(distinctOperandNames(call), std::vector<std::string>{"a"});
  ShapeBinding shapes;
  shapes.positional = {{3, 3}};
  LoweredCall lowered = lowerCall(call, shapes);
  EXPECT_EQ(ir::statementText(lowered.program), "out[n,m] = sum_k a[n,k] * a_2[k,m]");
  EXPECT_EQ(lowered.operandSources, (std::vector<std::size_t>{0, 0}));

  ShapeBinding named;
  named.named = {{"m", {2, 2}}, {"v", {2}}};
  LoweredCall einsum = lowerCall(parseCall("np.einsum('ij,jk,k', m, m, v)"), named);
  EXPECT_EQ(einsum.operandSources, (std::vector<std::size_t>{0, 0, 1}));
  EXPECT_EQ(einsum.program.operands[1].name, "m_2");
  expectError(
      [&] {
        lowerCall(call, ShapeBinding{{{3, 3}, {3, 3}}, {}});
      },
      ErrorKind::Arity, {"takes 1 operand (a) but 2 shapes were given"});
}

TEST(ParseCallErrors, ChainedMatmulIsRefused) {
  expectError([] { parseCall("a @ b @ c"); }, ErrorKind::Unsupported, {"a chain of '@'"});
}

TEST(ParseCallErrors, CallingAFunctionResultIsRefused) {
  expectError([] { parseCall("np.dot(a, b)(c)"); }, ErrorKind::Argument,
              {"is a function, not a layer"});
}

} // namespace
} // namespace einjit::frontend
