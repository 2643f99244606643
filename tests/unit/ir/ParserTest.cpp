// parseIndexProgram: what it reads from hand-written text, the round trip with toString over
// hand-picked and random programs, and syntax errors with their line, column and caret.
#include "ir/IndexProgram.h"

#include "ProgramTestSupport.h"

#include <random>

namespace einjit::ir {
namespace {

using test::indices;
using test::operand;

using test::expectError;

TEST(Parser, ReadsDeclarationsProloguesAndStatement) {
  IndexProgram program = parseIndexProgram("x: f32[2,3,4]\n"
                                           "y: f32[2,5,4]\n"
                                           "x := normalize(x, axis=2, eps=1e-07)\n"
                                           "out[b,i,j] = sum_k x[b,i,k] * conj(y[b,j,k])\n");
  EXPECT_EQ(program.dtype, DType::f32);
  ASSERT_EQ(program.operands.size(), 2u);
  EXPECT_EQ(program.operands[0], operand("x", {2, 3, 4}, {"b", "i", "k"}));
  EXPECT_EQ(program.operands[1], operand("y", {2, 5, 4}, {"b", "j", "k"}, true));
  ASSERT_EQ(program.prologues.size(), 1u);
  EXPECT_EQ(program.prologues[0].kind, PrologueKind::Normalize);
  EXPECT_EQ(program.prologues[0].operand, 0u);
  EXPECT_EQ(program.prologues[0].axis, 2);
  EXPECT_EQ(program.prologues[0].epsilon, 1e-7);
  EXPECT_EQ(program.output, indices({"b", "i", "j"}));
  EXPECT_EQ(program.outputName, "out");
  EXPECT_EQ(program.outputShape(), (Shape{2, 3, 5}));
}

TEST(Parser, HalfPrecisionDTypesRoundTrip) {
  for (const char* text : {"x: bf16[2,3]\ny: bf16[3]\nout[i] = sum_j x[i,j] * y[j]\n",
                           "x: f16[4]\nout[] = sum_i x[i]\n"}) {
    IndexProgram program = parseIndexProgram(text);
    EXPECT_TRUE(isHalfPrecision(program.dtype)) << text;
    EXPECT_EQ(toString(program), text);
  }
  EXPECT_EQ(parseIndexProgram("x: bfloat16[2]\nout[i] = x[i]").dtype, DType::bf16);
}

TEST(Parser, ScalarsLiteralZeroRavelAndNoSum) {
  IndexProgram program = parseIndexProgram("a: c128[2,2]\n"
                                           "s: c128[]\n"
                                           "u: c128[1]\n"
                                           "a := ravel(a)\n"
                                           "r[i,0] = a[i] * s[] * u[0]\n");
  EXPECT_EQ(program.dtype, DType::c128);
  EXPECT_EQ(program.operands[0], operand("a", {2, 2}, {"i"}));
  EXPECT_EQ(program.operands[1], operand("s", {}, {}));
  EXPECT_EQ(program.operands[2], operand("u", {1}, {"0"}));
  ASSERT_EQ(program.prologues.size(), 1u);
  EXPECT_EQ(program.prologues[0].kind, PrologueKind::Ravel);
  EXPECT_EQ(program.outputName, "r");
  EXPECT_EQ(program.output, indices({"i", "0"}));
  EXPECT_EQ(program.outputShape(), (Shape{4, 1}));
}

TEST(Parser, IgnoresCommentsBlankLinesSpacesAndCarriageReturns) {
  IndexProgram spaced = parseIndexProgram("# batched matmul\r\n"
                                          "\n"
                                          "   x :  f64 [ 2 , 3 ]   # operand one\r\n"
                                          "y: float64[3,4]\n"
                                          "\t\n"
                                          "out [ i , j ]=sum_{ k } x[ i , k ]*y[k,j]  \n"
                                          "# trailing comment\n");
  IndexProgram plain = parseIndexProgram("x: f64[2,3]\ny: f64[3,4]\nout[i,j] = sum_k x[i,k] * "
                                         "y[k,j]\n");
  EXPECT_EQ(spaced, plain);
  EXPECT_EQ(toString(plain), "x: f64[2,3]\ny: f64[3,4]\nout[i,j] = sum_k x[i,k] * y[k,j]\n");
}

TEST(Parser, SummedLabelsMayBeWrittenInAnyOrder) {
  IndexProgram program = parseIndexProgram("x: f32[2,3]\nout[] = sum_{j,i} x[i,j]");
  EXPECT_EQ(program.summedLabels(), (std::vector<std::string>{"i", "j"}));
}

TEST(Parser, OperandsNamedLikeKeywords) {
  // "sum_k" and "conj" are operand names here: a '[' follows them.
  IndexProgram program = parseIndexProgram("sum_k: f32[2]\nconj: f32[2]\n"
                                           "out[i] = sum_k[i] * conj(conj[i])");
  EXPECT_EQ(program.operands[0], operand("sum_k", {2}, {"i"}));
  EXPECT_EQ(program.operands[1], operand("conj", {2}, {"i"}, true));
  EXPECT_EQ(parseIndexProgram(toString(program)), program);
}

std::vector<IndexProgram> handPickedPrograms() {
  std::vector<IndexProgram> programs;
  IndexProgram batchDot;
  batchDot.operands = {operand("x", {2, 3}, {"b", "k"}), operand("y", {2, 3}, {"b", "k"})};
  batchDot.output = indices({"b", "0"});
  programs.push_back(batchDot);

  IndexProgram cosine = batchDot;
  cosine.dtype = DType::f64;
  cosine.prologues = {{PrologueKind::Normalize, 0, 1, 1e-7},
                      {PrologueKind::Normalize, 1, 1, 1e-12}};
  programs.push_back(cosine);

  IndexProgram adjoint;
  adjoint.dtype = DType::c64;
  adjoint.operands = {operand("a", {4, 2, 3}, {"b", "k", "n"}, true),
                      operand("b_1", {1, 5, 2}, {"0", "m", "k"}, true)};
  adjoint.output = indices({"b", "n", "m"});
  adjoint.outputName = "result";
  programs.push_back(adjoint);

  IndexProgram outer;
  outer.dtype = DType::i64;
  outer.operands = {operand("a", {2, 3}, {"i"}), operand("b", {4}, {"j"})};
  outer.prologues = {{PrologueKind::Ravel, 0, 0, 1e-7}};
  outer.output = indices({"i", "j"});
  programs.push_back(outer);

  IndexProgram trace;
  trace.dtype = DType::i32;
  trace.operands = {operand("a", {1, 1, 3, 1, 3}, {"b", "b", "c", "d", "c"})};
  trace.output = indices({"d"});
  programs.push_back(trace);

  IndexProgram scalar;
  scalar.operands = {operand("x", {}, {}), operand("y", {}, {})};
  programs.push_back(scalar);

  IndexProgram ravelThenNormalize;
  ravelThenNormalize.operands = {operand("x", {2, 2}, {"i"}), operand("y", {4}, {"i"})};
  ravelThenNormalize.prologues = {{PrologueKind::Ravel, 0, 0, 1e-7},
                                  {PrologueKind::Normalize, 0, 0, 0.125},
                                  {PrologueKind::Normalize, 1, 0, 3.0000000000000004e-4}};
  programs.push_back(ravelThenNormalize);
  return programs;
}

TEST(Parser, RoundTripsHandPickedPrograms) {
  for (const IndexProgram& program : handPickedPrograms()) {
    std::string text = toString(program);
    SCOPED_TRACE(text);
    IndexProgram parsed = parseIndexProgram(text);
    EXPECT_EQ(parsed, program);
    EXPECT_EQ(toString(parsed), text);
  }
}

IndexProgram randomProgram(std::mt19937& random) {
  auto pick = [&](int low, int high) { return std::uniform_int_distribution(low, high)(random); };
  const std::vector<std::string> pool{"a", "b", "i", "j", "k", "l", "x_1", "Z"};
  std::vector<std::int64_t> extents;
  for (std::size_t l = 0; l < pool.size(); ++l)
    extents.push_back(pick(0, 4));
  IndexProgram program;
  program.dtype = static_cast<DType>(pick(0, 5));
  program.outputName = pick(0, 1) ? "out" : "o2";
  std::vector<std::string> used;
  int operandCount = pick(1, 4);
  for (int t = 0; t < operandCount; ++t) {
    Operand op;
    op.name = "t" + std::to_string(t);
    op.conj = pick(0, 3) == 0;
    int rank = pick(0, 4);
    for (int d = 0; d < rank; ++d) {
      if (pick(0, 6) == 0) {
        op.indices.push_back(Index::zero());
        op.shape.push_back(1);
        continue;
      }
      std::size_t l = static_cast<std::size_t>(pick(0, static_cast<int>(pool.size()) - 1));
      op.indices.push_back(Index::of(pool[l]));
      op.shape.push_back(extents[l]);
      if (std::find(used.begin(), used.end(), pool[l]) == used.end())
        used.push_back(pool[l]);
    }
    if (rank > 0 && pick(0, 3) == 0 && !isInteger(program.dtype))
      program.prologues.push_back({PrologueKind::Normalize, static_cast<std::size_t>(t),
                                   pick(0, rank - 1),
                                   std::ldexp(1.0 + pick(0, 1000) / 1000.0, -pick(0, 40))});
    program.operands.push_back(op);
  }
  std::shuffle(used.begin(), used.end(), random);
  for (const std::string& label : used)
    if (pick(0, 1))
      program.output.push_back(Index::of(label));
  if (pick(0, 4) == 0)
    program.output.insert(program.output.begin(), Index::zero());
  verify(program);
  return program;
}

TEST(Parser, RoundTripsRandomPrograms) {
  std::mt19937 random(7);
  for (int round = 0; round < 2000; ++round) {
    IndexProgram program = randomProgram(random);
    std::string text = toString(program);
    SCOPED_TRACE(text);
    IndexProgram parsed = parseIndexProgram(text);
    ASSERT_EQ(parsed, program);
    ASSERT_EQ(toString(parsed), text);
  }
}

Error expectSyntax(const std::string& text, const std::vector<std::string>& needles,
                   std::size_t caretBegin, std::size_t caretEnd) {
  Error error = expectError([&] { parseIndexProgram(text); }, ErrorKind::Syntax, needles);
  if (caretEnd > 0) {
    EXPECT_TRUE(error.span().has_value()) << error.what();
    if (error.span()) {
      EXPECT_EQ(error.span()->begin, caretBegin) << error.what();
      EXPECT_EQ(error.span()->end, caretEnd) << error.what();
    }
  }
  return error;
}

TEST(Parser, SyntaxErrorsInDeclarations) {
  Error unknown =
      expectSyntax("x: f8[2]\nout[i] = x[i]", {"line 1, column 4", "unknown dtype 'f8'"}, 3, 5);
  EXPECT_EQ(unknown.source(), "x: f8[2]");
  EXPECT_NE(std::string(unknown.what()).find("\n  x: f8[2]\n     ^^"), std::string::npos)
      << unknown.what();
  expectSyntax("x: f32[2]\ny: f64[2]\nout[i] = x[i] * y[i]",
               {"line 2, column 4", "dtype f64 differs from f32"}, 3, 6);
  expectSyntax("x: f32[2]\nx: f32[3]\nout[i] = x[i]", {"line 2, column 1", "'x' is declared twice"},
               0, 1);
  expectSyntax("x: f32[2,]\nout[i] = x[i]", {"line 1, column 10", "expected an extent", "']'"}, 9,
               10);
  expectSyntax("x: f32[-2]\nout[i] = x[i]", {"line 1", "extent must not be negative"}, 7, 9);
  expectSyntax("x: f32[2] extra\nout[i] = x[i]", {"line 1, column 11", "unexpected text"}, 10, 15);
  expectSyntax("x: f32[99999999999999999999]\nout[i] = x[i]", {"line 1", "expected an extent"}, 7,
               27);
}

TEST(Parser, AnF32OutputOfHalfOperandsIsDeclaredBeforeTheStatement) {
  const char* text = "x: bf16[2,3]\ny: bf16[3]\nout: f32\nout[i] = sum_j x[i,j] * y[j]\n";
  IndexProgram program = parseIndexProgram(text);
  EXPECT_EQ(program.dtype, DType::bf16);
  EXPECT_EQ(program.outputDtype, std::optional<DType>(DType::f32));
  EXPECT_EQ(program.resultDtype(), DType::f32);
  EXPECT_EQ(toString(program), text);
  // Anywhere before the statement; printed after the operands.
  EXPECT_EQ(toString(parseIndexProgram("r: f32\nx: f16[4]\nr[] = sum_i x[i]")),
            "x: f16[4]\nr: f32\nr[] = sum_i x[i]\n");
  expectSyntax("x: f16[4]\nout: f32\nout: f32\nout[] = sum_i x[i]",
               {"line 3, column 1", "the output's dtype is declared twice"}, 0, 3);
  expectSyntax("x: f16[4]\nout: f32\nr[] = sum_i x[i]",
               {"line 3", "the statement writes 'r' but line 2 declares the dtype of 'out'"}, 0, 1);
  // With a shape it is an operand's declaration, of another dtype.
  expectSyntax("x: f16[4]\nout: f32[4]\nout[] = sum_i x[i]",
               {"line 2, column 6", "dtype f32 differs from f16"}, 5, 8);
  expectError([] { parseIndexProgram("x: f16[4]\nout: f64\nout[] = sum_i x[i]"); },
              ErrorKind::Syntax,
              {"the program is inconsistent: output dtype f64 for f16 operands (another output "
               "dtype is f32 for bf16 or f16 operands, or bf16 or f16 for f32 operands)"});
  expectError([] { parseIndexProgram("x: f32[4]\nout: f32\nout[] = sum_i x[i]"); },
              ErrorKind::Syntax, {"output dtype f32 for f32 operands"});
  expectError([] { parseIndexProgram("x: f64[4]\nout: bf16\nout[] = sum_i x[i]"); },
              ErrorKind::Syntax, {"output dtype bf16 for f64 operands"});
  // f32 sums rounded once into a 16-bit output (how a 16-bit path's result reaches out).
  for (const char* text : {"x: f32[4]\nout: bf16\nout[] = sum_i x[i]\n",
                           "x: f32[4]\nout: f16\nout[] = sum_i x[i]\n"}) {
    IndexProgram rounded = parseIndexProgram(text);
    EXPECT_EQ(rounded.dtype, DType::f32);
    EXPECT_TRUE(isHalfPrecision(rounded.resultDtype()));
    EXPECT_EQ(toString(rounded), text);
  }
}

TEST(Parser, SyntaxErrorsInPrologues) {
  expectSyntax("x: f32[2]\nz := ravel(z)\nout[i] = x[i]",
               {"line 2, column 1", "'z' is not declared"}, 0, 1);
  expectSyntax("x: f32[2]\nx := ravel(y)\nout[i] = x[i]",
               {"line 2, column 12", "expected 'x', found 'y'"}, 11, 12);
  expectSyntax("x: f32[2]\nx := square(x)\nout[i] = x[i]", {"unknown prologue 'square'"}, 5, 11);
  expectSyntax("x: f32[2]\nx := normalize(x, eps=1e-07)\nout[i] = x[i]",
               {"line 2", "normalize needs axis="}, 0, 0);
  expectSyntax("x: f32[2]\nx := normalize(x, axis=0, eps=tiny)\nout[i] = x[i]",
               {"line 2, column 31", "expected a number, found 'tiny'"}, 30, 34);
  expectSyntax("x: f32[2]\nx := normalize(x, axis=0, axis=0)\nout[i] = x[i]",
               {"'axis' is given twice"}, 26, 30);
  expectSyntax("x: f32[2]\nx := normalize(x, order=2)\nout[i] = x[i]", {"unknown keyword 'order'"},
               18, 23);
}

TEST(Parser, SyntaxErrorsInTheStatement) {
  expectSyntax("x: f32[2,3]\nout[i] = x[i,j]", {"line 2, column 10", "sums over none", "{j}"}, 9,
               10);
  expectSyntax("x: f32[2,3]\nout[i] = sum_{j,k} x[i,j]", {"sums over {j,k}", "are {j}"}, 9, 18);
  expectSyntax("x: f32[2,3]\nout[i] = sum_{j,j} x[i,j]", {"sums over {j,j}"}, 9, 18);
  expectSyntax("x: f32[2,3]\nout[i,j] = sum_k x[i,j]", {"sums over {k}", "are no labels"}, 11, 16);
  expectSyntax("x: f32[2]\ny: f32[2]\nout[i] = y[i] * x[i]",
               {"line 3, column 10", "factor 1 must be 'x'"}, 9, 10);
  expectSyntax("x: f32[2]\nout[i] = x[i] * w[i]", {"line 2, column 17", "'w' is not declared"}, 16,
               17);
  expectSyntax("x: f32[2]\ny: f32[2]\nout[i] = x[i]",
               {"line 3", "operand 'y' is declared but missing"}, 0, 0);
  expectSyntax("x: f32[2]\nout[i] = x[i] * x[i]", {"factor 2 must be absent"}, 16, 17);
  expectSyntax("x: f32[2]\nout[i] = x[1]",
               {"line 2, column 12", "an index is a label or the literal 0"}, 11, 12);
  expectSyntax("x: f32[2]\nout[i] = x[i", {"expected ']'", "end of the line"}, 12, 13);
  expectSyntax("x: f32[2]\nout[i] = conj(x[i]", {"expected ')'"}, 0, 0);
  expectSyntax("x: f32[2]\nout[i] = x[i]\ny: f32[2]", {"line 3", "must be the last line"}, 0, 0);
  expectSyntax("x: f32[2]\n3 = x", {"line 2, column 1", "expected a declaration"}, 0, 1);
  expectSyntax("x: f32[2]\nout = x[i]", {"line 2, column 5", "expected ':'"}, 4, 5);
}

TEST(Parser, MutatedTextFailsCleanly) {
  // Random edits of valid text either parse or throw einjit::Error; nothing else escapes.
  const std::string alphabet = "[],:=()*_{}0 1#\nxkconjsum_ravelnormalize-.e";
  std::mt19937 random(3);
  int parsed = 0;
  int failed = 0;
  for (const IndexProgram& program : handPickedPrograms()) {
    std::string text = toString(program);
    for (int round = 0; round < 500; ++round) {
      std::string mutated = text;
      for (int edits = std::uniform_int_distribution(1, 3)(random); edits > 0; --edits) {
        std::size_t at = std::uniform_int_distribution<std::size_t>(0, mutated.size())(random);
        char c =
            alphabet[std::uniform_int_distribution<std::size_t>(0, alphabet.size() - 1)(random)];
        int kind = std::uniform_int_distribution(0, 2)(random);
        if (kind == 0 && at < mutated.size())
          mutated.erase(at, 1);
        else if (kind == 1)
          mutated.insert(at, 1, c);
        else if (at < mutated.size())
          mutated[at] = c;
      }
      try {
        parseIndexProgram(mutated);
        ++parsed;
      } catch (const Error& error) {
        ++failed;
        // Syntax for bad text; verify's Internal or Shape for text that parses into an
        // inconsistent program.
        EXPECT_TRUE(error.kind() == ErrorKind::Syntax || error.kind() == ErrorKind::Internal ||
                    error.kind() == ErrorKind::Shape)
            << error.what();
      }
    }
  }
  EXPECT_GT(parsed, 0);
  EXPECT_GT(failed, 0);
}

TEST(Parser, MissingStatement) {
  expectSyntax("x: f32[2]\n", {"expected the statement", "end of the text"}, 0, 0);
  expectSyntax("", {"expected the statement"}, 0, 0);
}

TEST(Parser, InconsistentProgramsAreTheUsersSyntaxErrors) {
  // Text that parses but is no valid program is the writer's mistake, never "an einjit bug".
  expectError([] { parseIndexProgram("x: f32[2,3]\nout[i] = x[i]"); }, ErrorKind::Syntax,
              {"the program is inconsistent: operand x has 1 indices for rank 2"});
  expectError([] { parseIndexProgram("x: f32[2]\ny: f32[3]\nout[] = sum_i x[i] * y[i]"); },
              ErrorKind::Syntax, {"the program is inconsistent: label i has extents 2 and 3"});
  expectError([] { parseIndexProgram("x: f32[2]\nx[i] = x[i]"); }, ErrorKind::Syntax,
              {"the program is inconsistent: name 'x' is used twice"});
}

} // namespace
} // namespace einjit::ir
