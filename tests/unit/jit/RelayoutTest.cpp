// Relayout paths (passes::relayoutPath): a binary contraction whose batch labels are not
// outermost runs as copies to batch-first GEMM layouts around a batched product. The steps and
// the cost figures that decide, the refusals, and runs against the interpreter: every layout
// of the operands, alpha and beta, real and complex dtypes, and a plan run again (its
// temporaries reused) on new data; the same for the copy that puts the output's innermost
// label innermost in its operand (passes::innermostRelayoutPath), and for a relayout path run in
// chunks of the output's outermost label (passes::PathChunks).
#include "JitTestSupport.h"
#include "TestSupport.h"
#include "engine/EngineImpl.h"
#include "ir/Explain.h"
#include "reference/Interpreter.h"

#include <gtest/gtest.h>

namespace einjit::test {
namespace {

/// An L2 of 16 KiB: small operands already exceed it.
const support::CacheSizes kSmallCaches{4096, 16384, 65536};

/// A contraction a run test plans: subscripts, operand shapes, dtype.
struct Shaped {
  std::string spec;
  std::vector<Shape> shapes;
  DType dtype;
};

/// Plans each case on an engine with `caches`, expects `shows` in its path stage, and runs the
/// one plan on every layout in turn (back to contiguous at the end: views kept for one layout
/// follow the next), with and without alpha and beta on two threads, twice each on new data (the
/// second run reuses the first one's temporaries), against the interpreter.
void expectRunsMatchTheInterpreter(const std::vector<Shaped>& cases,
                                   const support::CacheSizes& caches, const std::string& shows) {
  EngineOptions options;
  options.persistentCache = false;
  options.cacheSizes = CacheSizes{caches.l1d, caches.l2, caches.l3};
  Engine engine(options);
  std::mt19937 rng(20261208);
  for (const Shaped& shaped : cases) {
    ir::IndexProgram program = programOf(shaped.spec, shaped.shapes, shaped.dtype);
    std::string name = shaped.spec + " " + std::string(dtypeName(shaped.dtype));
    Plan plan = EngineAccess::planProgram(engine, program, false);
    EXPECT_NE(plan.explain(ExplainStage::Path).find(shows), std::string::npos)
        << name << "\n"
        << plan.explain(ExplainStage::Path);
    for (Layout layout :
         {Layout::Contiguous, Layout::Permuted, Layout::Reversed, Layout::Contiguous})
      for (RunOptions run : {RunOptions{.alpha = 0.5, .beta = -2, .threads = 2}, RunOptions{}})
        for (int repeat = 0; repeat < 2; ++repeat) {
          std::string context = name + " " + layoutName(layout);
          OwnedViews inputs = randomViews(shaped.dtype, shaped.shapes, layout, rng);
          OwnedView initial =
              randomView(shaped.dtype, program.outputShape(), layout, rng, run.beta == 0.0);
          OwnedView out = copyOf(initial);
          OwnedView expected = copyOf(initial);
          reference::interpret(program, inputs.views, expected.view, {run.alpha, run.beta});
          plan.run(inputs.views, out.view, run);
          expectClose(out.view, expected.view, toleranceOf(shaped.dtype, false), context);
        }
  }
}

TEST(RelayoutPath, CopiesBatchFirstAroundARowMajorGemm) {
  // AlphaFold's triangle multiplication: c is innermost everywhere.
  ir::IndexProgram program =
      programOf("ikc,jkc->ijc", {{256, 256, 128}, {256, 256, 128}}, DType::f32);
  passes::ContractionPath path =
      passes::relayoutPath(program, support::CacheSizes{49152, 1 << 20, 32 << 20});
  EXPECT_EQ(stepTexts(path),
            (std::vector<std::string>{"t0[c,i,k] = x[i,k,c]", "t1[c,k,j] = y[j,k,c]",
                                      "t2[c,i,j] = sum_k t0[c,i,k] * t1[c,k,j]",
                                      "out[i,j,c] = t2[c,i,j]"}));
  ASSERT_EQ(path.steps.size(), 4u);
  EXPECT_EQ(path.steps[0].reads, (std::vector<std::size_t>{0}));
  EXPECT_EQ(path.steps[1].reads, (std::vector<std::size_t>{1}));
  EXPECT_EQ(path.steps[2].reads, (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(path.steps[3].reads, (std::vector<std::size_t>{4}));
  EXPECT_EQ(path.multiplyAdds, std::int64_t{256} * 256 * 256 * 128);
  EXPECT_TRUE(path.runs());
  EXPECT_FALSE(path.beatsFused()) << "the copies add work; a relayout path runs for its layout";
  EXPECT_NE(path.relayout.find("batch labels c are not outermost in x, y and out"),
            std::string::npos)
      << path.relayout;
  EXPECT_NE(
      path.relayout.find("16777216 real multiply-adds per batch point, 21 flop per copied byte"),
      std::string::npos)
      << path.relayout;
  EXPECT_NE(passes::toString(path).find("relayout: batch labels c"), std::string::npos);

  // Only what is out of place moves: here the output alone (Transformer-XL's ijbn).
  ir::IndexProgram attention =
      programOf("nibd,njd->ijbn", {{8, 128, 16, 64}, {8, 256, 64}}, DType::f32);
  EXPECT_EQ(stepTexts(passes::relayoutPath(attention, kSmallCaches)),
            (std::vector<std::string>{"t0[n,i,b,j] = sum_d x[n,i,b,d] * y[n,j,d]",
                                      "out[i,j,b,n] = t0[n,i,b,j]"}));
  // Names of operands are not reused for temporaries.
  ir::IndexProgram named = programOf("ikc,jkc->ijc", {{64, 64, 8}, {64, 64, 8}}, DType::f32);
  named.operands[0].name = "t0";
  named.operands[1].name = "t1";
  std::vector<std::string> texts = stepTexts(passes::relayoutPath(named, kSmallCaches));
  ASSERT_EQ(texts.size(), 4u);
  EXPECT_EQ(texts[0], "t2[c,i,k] = t0[i,k,c]");
}

TEST(RelayoutPath, RefusedWhereItDoesNotPayOrDoesNotApply) {
  support::CacheSizes host{49152, 1 << 20, 32 << 20};
  auto refused = [&](const std::string& spec, const std::vector<Shape>& shapes, DType dtype,
                     const support::CacheSizes& caches) {
    ir::IndexProgram program = programOf(spec, shapes, dtype);
    return passes::relayoutPath(program, caches).steps.empty();
  };
  // Operands within the L2: the direct nest is fast in any layout.
  EXPECT_TRUE(refused("ikc,jkc->ijc", {{64, 64, 16}, {64, 64, 16}}, DType::f32, host));
  EXPECT_FALSE(refused("ikc,jkc->ijc", {{64, 64, 16}, {64, 64, 16}}, DType::f32, kSmallCaches));
  // Few flops per copied byte (K of 8), or too little work per batch point.
  EXPECT_TRUE(refused("ikc,jkc->ijc", {{96, 8, 128}, {96, 8, 128}}, DType::f32, host));
  EXPECT_TRUE(refused("ikc,jkc->ijc", {{16, 16, 512}, {16, 16, 512}}, DType::f32, kSmallCaches));
  // A batch label between others but innermost nowhere: the packed kernel reads it in place
  // (attention's bqhd,bkhd->bhqk ran at 91 GFLOP/s packed, 73 relayout).
  EXPECT_TRUE(refused("bqhd,bkhd->bhqk", {{8, 512, 8, 64}, {8, 512, 8, 64}}, DType::f32, host));
  // Batch labels already outermost (or, of extent 1, anywhere); no batch label; no K; a label
  // summed in one operand.
  EXPECT_TRUE(refused("ikc,jkc->ijc", {{96, 96, 1}, {96, 96, 1}}, DType::f32, kSmallCaches));
  EXPECT_TRUE(refused("ickd,jkd->ijcd", {{96, 4, 96, 1}, {96, 96, 1}}, DType::f32, kSmallCaches));
  EXPECT_TRUE(refused("cik,cjk->cij", {{128, 96, 96}, {128, 96, 96}}, DType::f32, kSmallCaches));
  EXPECT_TRUE(refused("ik,jk->ij", {{512, 512}, {512, 512}}, DType::f32, kSmallCaches));
  EXPECT_TRUE(refused("ic,jc->ijc", {{512, 64}, {512, 64}}, DType::f32, kSmallCaches));
  EXPECT_TRUE(refused("iksc,jkc->ijc", {{64, 64, 2, 8}, {64, 64, 8}}, DType::f32, kSmallCaches));
  // bf16/f16 (a path would widen them) and integers keep their kernels; a repeated label too.
  EXPECT_TRUE(refused("ikc,jkc->ijc", {{96, 96, 128}, {96, 96, 128}}, DType::bf16, host));
  EXPECT_TRUE(refused("ikc,jkc->ijc", {{96, 96, 128}, {96, 96, 128}}, DType::i32, host));
  EXPECT_TRUE(refused("ikcc,jkc->ijc", {{64, 64, 8, 8}, {64, 64, 8}}, DType::f32, kSmallCaches));
  // Three operands choose a pairwise path instead.
  EXPECT_TRUE(
      refused("ikc,jkc,jl->ilc", {{64, 64, 8}, {64, 64, 8}, {64, 4}}, DType::f32, kSmallCaches));
  // Prologues stay with the fused plan.
  ir::IndexProgram normalized = programOf("ikc,jkc->ijc", {{64, 64, 8}, {64, 64, 8}}, DType::f32);
  normalized.prologues.push_back(ir::Prologue{ir::PrologueKind::Normalize, 0, 1, 1e-7});
  EXPECT_TRUE(passes::relayoutPath(normalized, kSmallCaches).steps.empty());
}

TEST(RelayoutRun, EveryLayoutAlphaBetaAndDtypeMatchesTheInterpreter) {
  // Each with enough flops per copied byte to relayout (64-bit values need a longer K).
  const std::vector<Shaped> cases{
      {"ikc,jkc->ijc", {{50, 80, 3}, {47, 80, 3}}, DType::f32},
      {"kjc,kic->ijc", {{80, 50, 3}, {80, 47, 3}}, DType::f32},
      {"ibnd,jbnd->ijbn", {{50, 2, 3, 80}, {47, 2, 3, 80}}, DType::f32},
      {"ijbn,jbnd->ibnd", {{50, 48, 2, 3}, {48, 2, 3, 81}}, DType::f32},
      {"ikc,jkc->ijc", {{100, 100, 2}, {99, 100, 2}}, DType::f64},
      {"ikc,jkc->ijc", {{100, 100, 2}, {99, 100, 2}}, DType::c64},
  };
  expectRunsMatchTheInterpreter(cases, kSmallCaches, "relayout:");
}

TEST(InnermostRelayoutPath, CopiesTheOperandWithTheOutputsInnermostLabelInnermost) {
  support::CacheSizes host{49152, 1 << 20, 32 << 20};
  // Speech dereverberation (nara_wpe): e, the output's innermost label, is strided in fetl.
  ir::IndexProgram wpe =
      programOf("fdtk,fetl->fkdle", {{257, 8, 12, 10}, {257, 8, 12, 10}}, DType::c128);
  EXPECT_TRUE(passes::relayoutPath(wpe, host).steps.empty()) << "no batch label is misplaced";
  passes::ContractionPath path = passes::pathOf(wpe, host);
  EXPECT_EQ(stepTexts(path),
            (std::vector<std::string>{"t0[f,t,l,e] = y[f,e,t,l]",
                                      "out[f,k,d,l,e] = sum_t x[f,d,t,k] * t0[f,t,l,e]"}));
  ASSERT_EQ(path.steps.size(), 2u);
  EXPECT_EQ(path.steps[0].reads, (std::vector<std::size_t>{1}));
  EXPECT_EQ(path.steps[1].reads, (std::vector<std::size_t>{0, 2}));
  EXPECT_TRUE(path.runs());
  EXPECT_EQ(path.multiplyAdds, ir::multiplyAdds(wpe));
  EXPECT_NE(path.relayout.find("the output's innermost label e is strided in y: copied with e "
                               "innermost; 12 sums per output element, 6 output elements per "
                               "copied one, output 25700 KiB > L2 1024 KiB"),
            std::string::npos)
      << path.relayout;
  // The operand that moves may be the first; nothing summed (ESPnet's beamformer) is fine.
  EXPECT_EQ(
      stepTexts(
          passes::pathOf(programOf("eik,kj->jie", {{60, 200, 5}, {5, 300}}, DType::f64), host)),
      (std::vector<std::string>{"t0[i,k,e] = x[e,i,k]", "out[j,i,e] = sum_k t0[i,k,e] * y[k,j]"}));
  EXPECT_EQ(stepTexts(passes::pathOf(programOf("bfct,bfet->bftce",
                                               {{2, 257, 6, 200}, {2, 257, 6, 200}}, DType::c64),
                                     host))
                .front(),
            "t0[b,f,t,e] = y[b,f,e,t]");
}

TEST(InnermostRelayoutPath, RefusedWhereItDoesNotPayOrDoesNotApply) {
  support::CacheSizes host{49152, 1 << 20, 32 << 20};
  auto refused = [&](const std::string& spec, const std::vector<Shape>& shapes, DType dtype) {
    return passes::innermostRelayoutPath(programOf(spec, shapes, dtype), host).steps.empty();
  };
  EXPECT_FALSE(refused("fdtk,fetl->fkdle", {{257, 8, 12, 10}, {257, 8, 12, 10}}, DType::f32));
  // A summed label innermost in both operands: the dot tile reads them as they are (x·Wᵀ).
  EXPECT_TRUE(refused("tk,nk->tn", {{512, 4096}, {4096, 4096}}, DType::f32));
  // Many sums per output element: compute-bound or packed, which reads any layout.
  EXPECT_TRUE(refused("fdtk,fetl->fkdle", {{257, 8, 128, 10}, {257, 8, 128, 10}}, DType::f32));
  // An output within the L2, or not four times the copy, or an innermost label under 4.
  EXPECT_TRUE(refused("fdtk,fetl->fkdle", {{8, 8, 12, 10}, {8, 8, 12, 10}}, DType::f32));
  EXPECT_TRUE(refused("fdtk,fetl->fkdle", {{257, 2, 12, 10}, {257, 8, 12, 10}}, DType::c128));
  EXPECT_TRUE(refused("fdtk,fetl->fkdle", {{257, 8, 12, 10}, {257, 3, 12, 40}}, DType::c128));
  // Already innermost where it is held; a batch label innermost (relayoutPath's); a label
  // summed inside one operand; three operands.
  EXPECT_TRUE(refused("fdtk,ftle->fkdle", {{257, 8, 12, 10}, {257, 12, 10, 8}}, DType::c128));
  EXPECT_TRUE(refused("ikc,jkc->ijc", {{256, 256, 128}, {256, 256, 128}}, DType::f32));
  EXPECT_TRUE(refused("fdtks,fetl->fkdle", {{257, 8, 12, 10, 2}, {257, 8, 12, 10}}, DType::f32));
  EXPECT_TRUE(refused("fdtk,fetl,k->fkdle", {{64, 8, 12, 10}, {64, 8, 12, 10}, {10}}, DType::f32));
  // bf16/f16 (a path would widen them) and integers keep their kernels.
  EXPECT_TRUE(refused("fdtk,fetl->fkdle", {{257, 8, 12, 10}, {257, 8, 12, 10}}, DType::bf16));
  EXPECT_TRUE(refused("fdtk,fetl->fkdle", {{257, 8, 12, 10}, {257, 8, 12, 10}}, DType::i64));
  ir::IndexProgram normalized =
      programOf("fdtk,fetl->fkdle", {{257, 8, 12, 10}, {257, 8, 12, 10}}, DType::f32);
  normalized.prologues.push_back(ir::Prologue{ir::PrologueKind::Normalize, 0, 1, 1e-7});
  EXPECT_TRUE(passes::innermostRelayoutPath(normalized, host).steps.empty());
}

TEST(InnermostRelayoutRun, EveryLayoutAlphaBetaAndDtypeMatchesTheInterpreter) {
  const std::vector<Shaped> cases{
      {"fdtk,fetl->fkdle", {{3, 4, 3, 4}, {3, 5, 3, 6}}, DType::c128},
      {"fdtk,fetl->fkdle", {{6, 8, 3, 6}, {6, 5, 3, 7}}, DType::f32},
      {"bfct,bfet->bftce", {{2, 5, 6, 20}, {2, 5, 6, 20}}, DType::c64},
      {"eik,kj->jie", {{6, 20, 5}, {5, 30}}, DType::f64},
  };
  expectRunsMatchTheInterpreter(cases, kSmallCaches, "copied with");
}

/// Caches under which Transformer-XL's ibnd,jbnd->ijbn at 48 x 47 x 6 x 80 runs in chunks: the
/// product's 54 KiB temporary exceeds half the 32 KiB L2, y's 90 KiB copy fits in a quarter of
/// the L3, and 12 rows of i (1128 bytes each) fill half the L2.
const support::CacheSizes kChunkCaches{4096, 32768, 1 << 20};

TEST(RelayoutChunks, ATemporaryBeyondHalfTheL2RunsInChunksOfTheOutputsOutermostLabel) {
  ir::IndexProgram program =
      programOf("ibnd,jbnd->ijbn", {{48, 2, 3, 80}, {47, 2, 3, 80}}, DType::f32);
  passes::ContractionPath path = passes::relayoutPath(program, kChunkCaches);
  ASSERT_TRUE(path.chunks.has_value()) << passes::toString(path);
  EXPECT_EQ(*path.chunks, (passes::PathChunks{"i", 12, 4, 1}));
  // The copy of y, which every chunk reads whole, runs once and first; the copy of x, the
  // product and the copy back are programs of one chunk.
  EXPECT_EQ(stepTexts(path),
            (std::vector<std::string>{"t0[b,n,d,j] = y[j,b,n,d]", "t1[b,n,i,d] = x[i,b,n,d]",
                                      "t2[b,n,i,j] = sum_d t1[b,n,i,d] * t0[b,n,d,j]",
                                      "out[i,j,b,n] = t2[b,n,i,j]"}));
  EXPECT_EQ(path.steps[1].program.operands[0].shape, (Shape{12, 2, 3, 80}));
  EXPECT_EQ(path.steps[3].program.outputShape(), (Shape{12, 47, 2, 3}));
  EXPECT_EQ(path.steps[2].multiplyAdds, std::int64_t{12} * 47 * 6 * 80);
  EXPECT_EQ(path.multiplyAdds, std::int64_t{48} * 47 * 6 * 80);
  EXPECT_EQ(path.steps[2].reads, (std::vector<std::size_t>{3, 2}));
  EXPECT_NE(path.relayout.find("; in 4 chunks of 12 i, the product's 52 KiB temporary > L2/2"),
            std::string::npos)
      << path.relayout;
  EXPECT_NE(passes::toString(path).find("  per chunk of 12 i (4 chunks):\n    t1[b,n,i,d]"),
            std::string::npos)
      << passes::toString(path);

  // Not chunked: a temporary within half the L2; y beyond a quarter of the L3 (every chunk
  // reads it); an extent with no divisor from 8 up that fits (47 rows of i); no copy back.
  support::CacheSizes roomy{4096, 131072, 1 << 20};
  EXPECT_FALSE(passes::relayoutPath(program, roomy).chunks);
  EXPECT_FALSE(passes::relayoutPath(program, support::CacheSizes{4096, 32768, 262144}).chunks);
  EXPECT_FALSE(
      passes::relayoutPath(
          programOf("ibnd,jbnd->ijbn", {{47, 2, 3, 80}, {47, 2, 3, 80}}, DType::f32), kChunkCaches)
          .chunks);
  EXPECT_FALSE(passes::relayoutPath(
                   programOf("ikc,jkc->cij", {{96, 96, 8}, {96, 96, 8}}, DType::f32), kChunkCaches)
                   .chunks);
}

TEST(RelayoutChunksRun, EveryLayoutAlphaBetaAndThreadCountMatchesTheInterpreter) {
  const std::vector<Shaped> cases{
      {"ibnd,jbnd->ijbn", {{48, 2, 3, 80}, {47, 2, 3, 80}}, DType::f32},
      {"ibnd,jnd->ijbn", {{48, 2, 3, 80}, {47, 3, 80}}, DType::f32},
      {"jbnd,ibnd->ijbn", {{47, 2, 3, 80}, {48, 2, 3, 80}}, DType::f32},
      {"ibnd,jbnd->ijbn", {{24, 2, 3, 80}, {23, 2, 3, 80}}, DType::c64},
  };
  expectRunsMatchTheInterpreter(cases, kChunkCaches, "per chunk of");
}

} // namespace
} // namespace einjit::test
