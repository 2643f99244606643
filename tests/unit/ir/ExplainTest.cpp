// Explain: label roles, broadcast dims and the equivalent einsum string of hand-built programs.
#include "ir/Explain.h"

#include "ProgramTestSupport.h"

#include <gtest/gtest.h>
#include <limits>

namespace einjit::ir {
namespace {

using test::indices;
using test::operand;

TEST(Explain, RolesOfBatchedMatmulWithRowSum) {
  IndexProgram program;
  program.operands = {operand("x", {2, 3, 4, 5}, {"b", "i", "k", "s"}),
                      operand("y", {2, 4, 6}, {"b", "k", "j"})};
  program.output = indices({"b", "i", "j"});
  std::vector<LabelInfo> infos = classifyLabels(program);
  ASSERT_EQ(infos.size(), 5u);
  EXPECT_EQ(infos[0].label, "b");
  EXPECT_EQ(infos[0].role, LabelRole::Batch);
  EXPECT_EQ(infos[0].outputAxis, 0);
  EXPECT_EQ(infos[1].role, LabelRole::Free);
  EXPECT_EQ(infos[2].label, "j");
  EXPECT_EQ(infos[2].extent, 6);
  EXPECT_EQ(infos[2].outputAxis, 2);
  EXPECT_EQ(infos[3].label, "k");
  EXPECT_EQ(infos[3].role, LabelRole::Contracted);
  ASSERT_EQ(infos[3].sites.size(), 2u);
  EXPECT_EQ(infos[3].sites[1].operand, 1u);
  EXPECT_EQ(infos[3].sites[1].axis, 1u);
  EXPECT_EQ(infos[4].role, LabelRole::Summed);
  EXPECT_EQ(infos[4].outputAxis, -1);
  EXPECT_EQ(labelRoleName(infos[3].role), "contracted");
}

TEST(Explain, EinsumKeepsOneLetterLabels) {
  IndexProgram program;
  program.operands = {operand("x", {2, 3, 4}, {"b", "i", "k"}),
                      operand("y", {2, 3, 4}, {"b", "j", "k"})};
  program.output = indices({"b", "i", "j"});
  EinsumForm form = equivalentEinsum(program);
  EXPECT_EQ(form.subscripts, "bik,bjk->bij");
  EXPECT_TRUE(form.unitOutputAxes.empty());
  EXPECT_EQ(multiplyAdds(program), 2 * 3 * 3 * 4);
}

TEST(Explain, LiteralZerosBecomeSizeOneLettersOrUnitAxes) {
  IndexProgram matmul;
  matmul.operands = {operand("a", {2, 1, 3, 4}, {"p", "0", "n", "k"}),
                     operand("b", {5, 4, 2}, {"q", "k", "m"})};
  matmul.output = indices({"p", "q", "n", "m"});
  EinsumForm form = equivalentEinsum(matmul);
  EXPECT_EQ(form.subscripts, "pznk,qkm->pqnm");
  std::vector<BroadcastDim> dims = broadcastDims(matmul);
  ASSERT_EQ(dims.size(), 1u);
  EXPECT_EQ(dims[0].operand, 0u);
  EXPECT_EQ(dims[0].axis, 1u);

  IndexProgram batchDot;
  batchDot.operands = {operand("x", {32, 20}, {"b", "k"}), operand("y", {32, 20}, {"b", "k"})};
  batchDot.output = indices({"b", "0"});
  EinsumForm unit = equivalentEinsum(batchDot);
  EXPECT_EQ(unit.subscripts, "bk,bk->b");
  EXPECT_EQ(unit.unitOutputAxes, std::vector<std::size_t>{1});
}

TEST(Explain, LongLabelsGetFreshLettersAndProloguesAreNoted) {
  IndexProgram program;
  program.operands = {operand("x", {3, 4}, {"row", "k"}), operand("y", {4}, {"k"})};
  program.operands[1].conj = true;
  program.prologues = {Prologue{PrologueKind::Normalize, 0, 1, 1e-7}};
  program.output = indices({"row"});
  EinsumForm form = equivalentEinsum(program);
  EXPECT_EQ(form.subscripts, "zk,k->z");
  ASSERT_EQ(form.prologueNotes.size(), 2u);
  EXPECT_NE(form.prologueNotes[0].find("x is L2-normalised along its axis 1"), std::string::npos);
  EXPECT_NE(form.prologueNotes[1].find("y enters complex-conjugated"), std::string::npos);
}

TEST(Explain, MultiplyAddsSaturateInsteadOfOverflowing) {
  IndexProgram program;
  program.operands = {operand("x", {1LL << 32, 1LL << 32}, {"i", "j"})};
  program.output = indices({"i", "j"});
  EXPECT_EQ(multiplyAdds(program), std::numeric_limits<std::int64_t>::max());
}

} // namespace
} // namespace einjit::ir
