// IndexProgram: derived shapes and labels, the printer, and the verifier's invariants.
#include "ir/IndexProgram.h"

#include "ProgramTestSupport.h"

#include <gtest/gtest.h>

namespace einjit::ir {
namespace {

using test::indices;
using test::operand;

// The Keras Dot(axes=2) program of SEMANTICS.md §10(a).
IndexProgram dotAxes2() {
  IndexProgram program;
  program.operands = {operand("x", {2, 3, 4}, {"b", "i", "k"}),
                      operand("y", {2, 3, 4}, {"b", "j", "k"})};
  program.output = indices({"b", "i", "j"});
  return program;
}

TEST(IndexProgram, StatementOfBatchedContraction) {
  EXPECT_EQ(statementText(dotAxes2()), "out[b,i,j] = sum_k x[b,i,k] * y[b,j,k]");
}

TEST(IndexProgram, FullTextHasDeclarationsThenStatement) {
  EXPECT_EQ(toString(dotAxes2()), "x: f32[2,3,4]\ny: f32[2,3,4]\nout[b,i,j] = sum_k x[b,i,k] * "
                                  "y[b,j,k]\n");
}

TEST(IndexProgram, OutputShapeAndLabels) {
  IndexProgram program = dotAxes2();
  EXPECT_EQ(program.outputShape(), (Shape{2, 3, 3}));
  EXPECT_EQ(program.labels(), (std::vector<std::string>{"b", "i", "j", "k"}));
  EXPECT_EQ(program.summedLabels(), (std::vector<std::string>{"k"}));
  EXPECT_EQ(program.labelExtents().at("k"), 4);
}

TEST(IndexProgram, LiteralZeroInOutputIsAUnitAxis) {
  IndexProgram program;
  program.operands = {operand("x", {32, 20}, {"b", "k"}), operand("y", {32, 20}, {"b", "k"})};
  program.output = indices({"b", "0"});
  EXPECT_EQ(program.outputShape(), (Shape{32, 1}));
  EXPECT_EQ(statementText(program), "out[b,0] = sum_k x[b,k] * y[b,k]");
  EXPECT_NO_THROW(verify(program));
}

TEST(IndexProgram, SeveralSummedLabelsAndConjAndScalar) {
  IndexProgram program;
  program.dtype = DType::c128;
  program.operands = {operand("a", {3, 4}, {"k", "l"}), operand("b", {3, 4}, {"k", "l"})};
  program.operands[1].conj = true;
  EXPECT_EQ(statementText(program), "out[] = sum_{k,l} a[k,l] * conj(b[k,l])");
  EXPECT_EQ(program.outputShape(), Shape{});
}

TEST(IndexProgram, ProloguesPrintAndRavelChangesTheReadShape) {
  IndexProgram program;
  program.operands = {operand("a", {2, 3}, {"i"}), operand("b", {4}, {"j"})};
  program.prologues = {Prologue{PrologueKind::Ravel, 0, 0, 0}};
  program.output = indices({"i", "j"});
  EXPECT_EQ(program.operandShape(0), Shape{6});
  EXPECT_EQ(program.outputShape(), (Shape{6, 4}));
  EXPECT_EQ(toString(program), "a: f32[2,3]\nb: f32[4]\na := ravel(a)\nout[i,j] = a[i] * b[j]\n");
  EXPECT_NO_THROW(verify(program));

  IndexProgram normalized = dotAxes2();
  normalized.prologues = {Prologue{PrologueKind::Normalize, 1, 2, 1e-7}};
  EXPECT_NE(toString(normalized).find("y := normalize(y, axis=2, eps=1e-07)\n"), std::string::npos);
}

TEST(Verify, AcceptsWellFormedPrograms) {
  EXPECT_NO_THROW(verify(dotAxes2()));
}

TEST(Verify, RejectsIndexCountThatIsNotTheRank) {
  IndexProgram program = dotAxes2();
  program.operands[0].indices.pop_back();
  test::expectError([&] { verify(program); }, ErrorKind::Internal, {"x", "2 indices", "rank 3"});
}

TEST(Verify, RejectsLabelWithTwoExtents) {
  IndexProgram program = dotAxes2();
  program.operands[1].shape = {2, 3, 5};
  test::expectError([&] { verify(program); }, ErrorKind::Internal, {"label k", "4", "5"});
}

TEST(Verify, RejectsLiteralZeroOnALongAxis) {
  IndexProgram program = dotAxes2();
  program.operands[0].indices[1] = Index::zero();
  test::expectError([&] { verify(program); }, ErrorKind::Internal, {"literal 0", "extent 3"});
}

TEST(Verify, RejectsRepeatedOrUnknownOutputLabels) {
  IndexProgram repeated = dotAxes2();
  repeated.output = indices({"b", "i", "i"});
  test::expectError([&] { verify(repeated); }, ErrorKind::Internal, {"output label i", "twice"});
  IndexProgram unknown = dotAxes2();
  unknown.output = indices({"b", "q"});
  test::expectError([&] { verify(unknown); }, ErrorKind::Internal, {"q", "no operand"});
}

TEST(Verify, RejectsBadNamesAndPrologues) {
  IndexProgram clash = dotAxes2();
  clash.operands[1].name = "x";
  test::expectError([&] { verify(clash); }, ErrorKind::Internal, {"'x' is used twice"});
  IndexProgram axis = dotAxes2();
  axis.prologues = {Prologue{PrologueKind::Normalize, 0, 3, 1e-7}};
  test::expectError([&] { verify(axis); }, ErrorKind::Internal, {"normalize axis 3"});
  IndexProgram operandIndex = dotAxes2();
  operandIndex.prologues = {Prologue{PrologueKind::Ravel, 5, 0, 0}};
  test::expectError([&] { verify(operandIndex); }, ErrorKind::Internal, {"operand 5"});
}

} // namespace
} // namespace einjit::ir
