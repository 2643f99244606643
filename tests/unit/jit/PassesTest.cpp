// The lowering passes as IR in, IR out: canonicalize, dropUnitDims, foldLabels, classifyLabels
// and the logged pipeline.
#include "passes/Passes.h"
#include "JitTestSupport.h"
#include "TestSupport.h"

#include <gtest/gtest.h>

#include <sstream>

namespace einjit::test {
namespace {

using passes::Contraction;
using passes::StrideClass;

TEST(StrideClass, ContiguousViewsKnowEveryStride) {
  EXPECT_EQ(passes::toString(passes::strideClassOf({2, 3, 4}, {12, 4, 1}, true)), "[12,4,1]");
  EXPECT_EQ(passes::toString(passes::strideClassOf({2, 3, 4}, {12, 4, 1}, false)), "[?,?,1]");
  // A transposed view knows only its unit stride; extent-1 dimensions read as 0.
  EXPECT_EQ(passes::toString(passes::strideClassOf({3, 4}, {1, 3}, true)), "[1,?]");
  EXPECT_EQ(passes::toString(passes::strideClassOf({3, 1, 4}, {4, 99, 1}, true)), "[4,0,1]");
  EXPECT_EQ(passes::toString(passes::strideClassOf({3, 4}, {0, 1}, true)), "[0,1]");
}

TEST(Canonicalize, RenamesLabelsInOrderOfAppearance) {
  Contraction renamed = passes::canonicalize(
      contiguousContraction(programOf("pr,rq->pq", {{2, 3}, {3, 4}}, DType::f32)));
  EXPECT_EQ(statementText(renamed.program), "out[a,b] = sum_c x[a,c] * y[c,b]");
  Contraction original = passes::canonicalize(
      contiguousContraction(programOf("ik,kj->ij", {{2, 3}, {3, 4}}, DType::f32)));
  EXPECT_EQ(renamed, original);
  EXPECT_EQ(passes::canonicalize(original), original);
}

TEST(Canonicalize, PicksOneOrderOfTwoOperands) {
  Contraction forward = passes::canonicalize(
      contiguousContraction(programOf("ik,kj->ij", {{2, 3}, {3, 4}}, DType::f32)));
  Contraction swapped = passes::canonicalize(
      contiguousContraction(programOf("kj,ik->ij", {{3, 4}, {2, 3}}, DType::f32)));
  EXPECT_EQ(swapped.sources, (std::vector<std::size_t>{1, 0}));
  EXPECT_EQ(forward.sources, (std::vector<std::size_t>{0, 1}));
  ASSERT_EQ(swapped.program.operands.size(), 2u);
  for (std::size_t t = 0; t < 2; ++t) {
    EXPECT_EQ(swapped.program.operands[t].indices, forward.program.operands[t].indices);
    EXPECT_EQ(swapped.program.operands[t].shape, forward.program.operands[t].shape);
  }
  EXPECT_EQ(swapped.program.output, forward.program.output);
  passes::LoopOptions options;
  EXPECT_EQ(ir::keyText(passes::lowerToLoops(swapped, options)),
            ir::keyText(passes::lowerToLoops(forward, options)));
}

TEST(Canonicalize, KeepsConjWithItsOperand) {
  Contraction c = passes::canonicalize(
      contiguousContraction(programOf("kj,ik->ij", {{3, 4}, {2, 3}}, DType::c64, {0})));
  EXPECT_EQ(statementText(c.program), "out[a,b] = sum_c conj(x[c,b]) * y[a,c]");
}

TEST(DropUnitDims, RemovesExtentOneLabelsAndLiteralZeros) {
  Contraction dropped = passes::dropUnitDims(
      contiguousContraction(programOf("bik,0kj->b0ij", {{2, 1, 3}, {1, 3, 4}}, DType::f64)));
  EXPECT_EQ(passes::toString(dropped), "out[b,j] = sum_k x[b,k] * y[k,j]\n"
                                       "  x(2, 3): b<-0 k<-2 strides [3,1]\n"
                                       "  y(3, 4): k<-1 j<-2 strides [4,1]\n"
                                       "  out(2, 4): b<-0 j<-3 strides [4,1]\n");
}

TEST(FoldLabels, FoldsAdjacentContiguousLabels) {
  // S7: tensordot(axes=2): ij and kl each walk memory as one label.
  Contraction folded = passes::foldLabels(
      contiguousContraction(programOf("ijkl,klm->ijm", {{2, 3, 4, 5}, {4, 5, 6}}, DType::f32)));
  EXPECT_EQ(passes::toString(folded), "out[i,m] = sum_k x[i,k] * y[k,m]\n"
                                      "  x(6, 20): i<-1 k<-3 strides [20,1]\n"
                                      "  y(20, 6): k<-1 m<-2 strides [6,1]\n"
                                      "  out(6, 6): i<-1 m<-2 strides [6,1]\n");
}

TEST(FoldLabels, LeavesUnknownStridesAndDiagonalsAlone) {
  ir::IndexProgram program = programOf("ijkl,klm->ijm", {{2, 3, 4, 5}, {4, 5, 6}}, DType::f32);
  // x transposed: only its last stride is known.
  Contraction transposed =
      passes::makeContraction(program,
                              {StrideClass{std::nullopt, std::nullopt, std::nullopt, 1},
                               passes::contiguousStrideClass({4, 5, 6}, true)},
                              passes::contiguousStrideClass({2, 3, 6}, true), true);
  EXPECT_EQ(passes::foldLabels(transposed), transposed);
  Contraction diagonal = contiguousContraction(programOf("iij->j", {{3, 3, 4}}, DType::f32));
  EXPECT_EQ(passes::foldLabels(diagonal), diagonal);
  Contraction generic = contiguousContraction(program, false);
  EXPECT_EQ(passes::foldLabels(generic), generic);
}

TEST(FoldLabels, NeedsTheSameAdjacencyInEveryTensor) {
  // k and l are adjacent in x but in the opposite order in y.
  Contraction c = contiguousContraction(programOf("ikl,lk->i", {{2, 3, 4}, {4, 3}}, DType::f32));
  EXPECT_EQ(passes::foldLabels(c), c);
}

TEST(ClassifyLabels, GroupsBinaryContractions) {
  ir::IndexProgram program = programOf("bik,bkjs->bij", {{2, 3, 4}, {2, 4, 5, 6}}, DType::f32);
  passes::LabelGroups groups = passes::classifyLabels(program);
  EXPECT_EQ(groups.batch, (std::vector<std::string>{"b"}));
  EXPECT_EQ(groups.m, (std::vector<std::string>{"i"}));
  EXPECT_EQ(groups.n, (std::vector<std::string>{"j"}));
  EXPECT_EQ(groups.k, (std::vector<std::string>{"k"}));
  EXPECT_EQ(groups.summedInOne, (std::vector<std::vector<std::string>>{{}, {"s"}}));
  EXPECT_EQ(passes::toString(groups, program), "batch [b] M [i] N [j] K [k] summed in y [s]");
}

TEST(ClassifyLabels, GroupsOtherOperandCounts) {
  ir::IndexProgram chain = programOf("ij,jk,kl->il", {{2, 3}, {3, 4}, {4, 5}}, DType::f32);
  passes::LabelGroups groups = passes::classifyLabels(chain);
  EXPECT_EQ(groups.m, (std::vector<std::string>{"i", "l"}));
  EXPECT_TRUE(groups.n.empty());
  EXPECT_EQ(groups.k, (std::vector<std::string>{"j", "k"}));
  ir::IndexProgram trace = programOf("ii->", {{3, 3}}, DType::f32);
  EXPECT_EQ(passes::classifyLabels(trace).summedInOne,
            (std::vector<std::vector<std::string>>{{"i"}}));
}

/// The strategy chooseStrategy picks for contiguous operands of `spec`, with the default caches
/// (L1d 32 KiB, L2 1 MiB, L3 8 MiB) so that the choice does not depend on the machine.
ir::Strategy chosen(const std::string& spec, const std::vector<Shape>& shapes,
                    DType dtype = DType::f32, bool constantExtents = true) {
  Contraction c =
      passes::foldLabels(contiguousContraction(programOf(spec, shapes, dtype), constantExtents));
  return passes::chooseStrategy(passes::canonicalize(c), passes::LoopOptions{}).strategy;
}

TEST(ChooseStrategy, TinyBatchedProductsAreSmall) {
  EXPECT_EQ(chosen("bik,bkj->bij", {{10000, 8, 8}, {10000, 8, 8}}), ir::Strategy::Small);
  EXPECT_EQ(chosen("bik,bkj->bij", {{10000, 16, 16}, {10000, 16, 16}}), ir::Strategy::Small);
  EXPECT_EQ(chosen("bik,bkj->bij", {{10000, 32, 32}, {10000, 32, 32}}), ir::Strategy::Small);
  EXPECT_EQ(chosen("ik,kj->ij", {{8, 9}, {9, 17}}), ir::Strategy::Small);
  // B64: 48 KiB per batch element outgrows half the L1.
  EXPECT_EQ(chosen("bik,bkj->bij", {{64, 64, 64}, {64, 64, 64}}), ir::Strategy::Direct);
  // f64 doubles the working set: 16 KiB of 32² doubles is over L1d/2.
  EXPECT_EQ(chosen("bik,bkj->bij", {{100, 32, 32}, {100, 32, 32}}, DType::f64),
            ir::Strategy::Direct);
  // A long extent is never unrolled, whatever the working set.
  EXPECT_EQ(chosen("ik,kj->ij", {{2, 100}, {100, 2}}), ir::Strategy::Direct);
}

TEST(ChooseStrategy, LowIntensityOverLargeDataStreams) {
  EXPECT_EQ(chosen("bi,bi->b", {{1000000, 16}, {1000000, 16}}), ir::Strategy::Streaming);
  EXPECT_EQ(chosen("i,j->ij", {{4096}, {4096}}), ir::Strategy::Streaming);
  EXPECT_EQ(chosen("ij,j->i", {{2048, 2048}, {2048}}), ir::Strategy::Streaming);
  EXPECT_EQ(chosen("ij->ji", {{1024, 1024}}), ir::Strategy::Streaming);
  // The same contractions on data that stays in the L2 are not memory-bound.
  EXPECT_EQ(chosen("bi,bi->b", {{100, 16}, {100, 16}}), ir::Strategy::Direct);
  EXPECT_EQ(chosen("i,j->ij", {{64}, {64}}), ir::Strategy::Direct);
  // A big GEMM has hundreds of flops per byte.
  EXPECT_EQ(chosen("ik,kj->ij", {{1024, 1024}, {1024, 1024}}), ir::Strategy::Direct);
}

TEST(ChooseStrategy, RuntimeExtentsAndForcedChoices) {
  EXPECT_EQ(chosen("i,j->ij", {{4096}, {4096}}, DType::f32, false), ir::Strategy::Direct);
  Contraction tiny = contiguousContraction(programOf("ik,kj->ij", {{8, 9}, {9, 17}}, DType::f32));
  for (ir::Strategy strategy :
       {ir::Strategy::Direct, ir::Strategy::Small, ir::Strategy::Streaming}) {
    passes::LoopOptions options;
    options.strategy = strategy;
    passes::StrategyChoice choice = passes::chooseStrategy(tiny, options);
    EXPECT_EQ(choice.strategy, strategy);
    EXPECT_EQ(choice.rationale,
              std::vector<std::string>{"forced: " + std::string(ir::strategyName(strategy))});
    EXPECT_EQ(passes::lowerToLoops(tiny, options).strategy, strategy);
  }
}

TEST(ChooseStrategy, RationaleNamesTheDecidingFigures) {
  passes::StrategyChoice choice = passes::chooseStrategy(
      contiguousContraction(programOf("i,j->ij", {{4096}, {4096}}, DType::f32)),
      passes::LoopOptions{});
  EXPECT_EQ(choice.rationale,
            (std::vector<std::string>{
                "16777216 multiply-adds, 67141632 B moved: intensity 0.5 flop/B",
                "intensity < 1 flop/B and 67141632 B > L2 1048576 B: memory-bound: streaming",
                "output 67108864 B > L3/2 4194304 B: non-temporal stores where aligned"}));
}

TEST(Pipeline, LogsEveryPass) {
  std::ostringstream log;
  passes::lowerContraction(
      contiguousContraction(programOf("ik,kj->ij", {{2, 3}, {3, 4}}, DType::f32)),
      passes::LoopOptions{}, &log);
  std::string text = log.str();
  EXPECT_NE(text.find("-- canonicalize\nout[a,b] = sum_c x[a,c] * y[c,b]"), std::string::npos)
      << text;
  EXPECT_NE(text.find("-- dropUnitDims (unchanged)"), std::string::npos) << text;
  EXPECT_NE(text.find("-- lowerToLoops\nloop nest f32"), std::string::npos) << text;
}

} // namespace
} // namespace einjit::test
