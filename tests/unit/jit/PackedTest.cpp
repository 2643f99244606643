// The packed strategy: which contractions it applies to and how it groups, orders and blocks
// them; its printed schedule; and its kernels' values against the interpreter for edge tiles,
// several blocks of every BLIS loop (tiny cache sizes), batches, multi-label groups, transposed
// and strided operands, alpha/beta and thread counts.
#include "JitTestSupport.h"
#include "TestSupport.h"
#include "codegen/Codegen.h"
#include "engine/EngineImpl.h"
#include "jit/Jit.h"
#include "jit/ObjectBundle.h"
#include "reference/Interpreter.h"

#include <gtest/gtest.h>

#include <cstring>

namespace einjit::test {
namespace {

/// AVX-512-like options: 16 f32 lanes, 32 registers, this test's own cache sizes.
passes::LoopOptions optionsWith(support::CacheSizes caches = {}) {
  passes::LoopOptions options;
  options.vectorBits = 512;
  options.vectorRegisters = 32;
  options.caches = caches;
  return options;
}

passes::PackedChoice choiceFor(const std::string& spec, const std::vector<Shape>& shapes,
                               DType dtype = DType::f32,
                               const passes::LoopOptions& options = optionsWith()) {
  ir::LoopNest nest = contiguousNest(programOf(spec, shapes, dtype), options);
  return passes::schedulePacked(nest, options);
}

std::vector<std::string> names(const ir::LoopNest& nest, const std::vector<std::size_t>& labels) {
  std::vector<std::string> result;
  for (std::size_t label : labels)
    result.push_back(nest.labels[label].name);
  return result;
}

TEST(PackedSchedule, GemmGroupsTileAndBlocksFollowRegistersAndCaches) {
  passes::LoopOptions options = optionsWith({32 << 10, 1 << 20, 32 << 20});
  ir::LoopNest nest =
      contiguousNest(programOf("ik,kj->ij", {{1024, 1024}, {1024, 1024}}, DType::f32), options);
  passes::PackedChoice choice = passes::schedulePacked(nest, options);
  ASSERT_TRUE(choice.gemm) << choice.reason;
  const ir::PackedGemm& gemm = *choice.gemm;
  EXPECT_EQ(gemm.a, 0u);
  EXPECT_EQ(gemm.b, 1u);
  EXPECT_TRUE(gemm.batch.empty());
  EXPECT_EQ(gemm.m.size(), 1u);
  EXPECT_EQ(gemm.n.size(), 1u);
  EXPECT_EQ(gemm.k.size(), 1u);
  EXPECT_EQ(gemm.lanes, 16);
  EXPECT_EQ(gemm.vectors, 2);
  // 12 rows fit the registers, but 8 pad M = 1024 with no zero rows.
  EXPECT_EQ(gemm.mr, 8);
  // KC: a 32-wide f32 B micro-panel in an eighth of the 1 MiB L2; MC: half the L2 over KC,
  // in equal blocks of whole micro-tiles; NC: the whole N (a quarter of the L3 holds it).
  EXPECT_EQ(gemm.kc, 1024);
  EXPECT_EQ(gemm.mc % gemm.mr, 0);
  // At most 128 rows (half the L2 over KC, whole micro-tiles): eight blocks of 128.
  EXPECT_EQ(gemm.mc, 128);
  EXPECT_EQ(gemm.nc, 1024);
  EXPECT_TRUE(gemm.parallel);
}

TEST(PackedSchedule, TileRowsPadMWithTheFewestZeroRows) {
  passes::LoopOptions options = optionsWith({32 << 10, 1 << 20, 32 << 20});
  auto rows = [&](std::int64_t m, DType dtype) {
    ir::LoopNest nest =
        contiguousNest(programOf("ik,kj->ij", {{m, 256}, {256, 256}}, dtype), options);
    passes::PackedChoice choice = passes::schedulePacked(nest, options);
    return choice.gemm ? choice.gemm->mr : 0;
  };
  EXPECT_EQ(rows(64, DType::f64), 8);  // not 6 tiles of 12 with 8 zero rows
  EXPECT_EQ(rows(40, DType::f32), 10); // 10 and 8 both divide 40: the larger
  EXPECT_EQ(rows(36, DType::f32), 12);
  EXPECT_EQ(rows(33, DType::f32), 11);
  EXPECT_EQ(rows(13, DType::f32), 8); // 3 zero rows, the fewest from 8 to 12
  EXPECT_EQ(rows(5, DType::f32), 5);
}

TEST(PackedSchedule, NTakesTheOutputsUnitStrideLabel) {
  // out[j,i]: i is the output's unit-stride label, so x (which holds i) packs as B.
  ir::LoopNest nest =
      contiguousNest(programOf("ik,kj->ji", {{64, 96}, {96, 80}}, DType::f32), optionsWith());
  passes::PackedChoice choice = passes::schedulePacked(nest, optionsWith());
  ASSERT_TRUE(choice.gemm) << choice.reason;
  EXPECT_EQ(choice.gemm->a, 1u);
  EXPECT_EQ(choice.gemm->b, 0u);
  EXPECT_EQ(names(nest, choice.gemm->n), names(nest, {nest.output.indices.back()}));
}

TEST(PackedSchedule, GroupsHoldSeveralLabelsOrderedByStride) {
  // S5's shape: acef = abcd · dbef; e f fold into one label (adjacent and contiguous in B and
  // the output), so K = {b, d}, M = {a, c}, N = {ef}.
  ir::LoopNest nest = contiguousNest(
      programOf("abcd,dbef->acef", {{4, 3, 5, 6}, {6, 3, 7, 8}}, DType::f32), optionsWith());
  passes::PackedChoice choice = passes::schedulePacked(nest, optionsWith());
  ASSERT_TRUE(choice.gemm) << choice.reason;
  EXPECT_EQ(choice.gemm->m.size(), 2u);
  EXPECT_EQ(choice.gemm->n.size(), 1u);
  EXPECT_EQ(choice.gemm->k.size(), 2u);
  // Largest output stride outermost: a before c.
  EXPECT_EQ(choice.gemm->m.front(), nest.output.indices.front());
  // Largest output stride outermost: the output's last label is N's innermost.
  EXPECT_EQ(choice.gemm->n.back(), nest.output.indices.back());
  // K by the strides of the operand packing copies more of: B here (N = 56 values per K index
  // against A's 20), so B's innermost K label (b, of stride 56; d's is 168) is K's innermost.
  const ir::TensorAccess& b = nest.inputs[choice.gemm->b];
  EXPECT_EQ(choice.gemm->k.back(), b.indices[1]);
  // With M the larger (72 against 6), A's: its last label innermost.
  ir::LoopNest wide = contiguousNest(
      programOf("abcd,dbef->acef", {{8, 3, 9, 6}, {6, 3, 2, 3}}, DType::f32), optionsWith());
  passes::PackedChoice wideChoice = passes::schedulePacked(wide, optionsWith());
  ASSERT_TRUE(wideChoice.gemm) << wideChoice.reason;
  const ir::TensorAccess& a = wide.inputs[wideChoice.gemm->a];
  EXPECT_EQ(wideChoice.gemm->k.back(), a.indices.back());
}

TEST(PackedSchedule, SaysWhyItDoesNotApply) {
  EXPECT_EQ(choiceFor("ik,kj->ij", {{8, 8}, {8, 8}}, DType::c64).reason,
            "dtype c64 (packing is for f32, f64, bf16 and f16)");
  EXPECT_EQ(choiceFor("ik,kj->ij", {{8, 8}, {8, 8}}, DType::i32).reason,
            "dtype i32 (packing is for f32, f64, bf16 and f16)");
  EXPECT_EQ(choiceFor("ij,j->i", {{8, 8}, {8}}).reason,
            "one operand has no free label (a matrix-vector shape)");
  EXPECT_EQ(choiceFor("i,j->ij", {{8}, {8}}).reason, "nothing is summed across the operands");
  EXPECT_NE(choiceFor("ijs,jk->ik", {{8, 8, 3}, {8, 8}}).reason.find("is summed in one operand"),
            std::string::npos);
  ir::LoopNest runtimeExtents =
      contiguousNest(programOf("ik,kj->ij", {{8, 8}, {8, 8}}, DType::f32), optionsWith(), false);
  EXPECT_EQ(passes::schedulePacked(runtimeExtents, optionsWith()).reason,
            "extents known only at run time");
}

TEST(PackedSchedule, PaysOnlyWhenTheDirectNestIsSlowAndTheWorkIsLarge) {
  passes::LoopOptions options = optionsWith({32 << 10, 1 << 20, 32 << 20});
  options.strategy = ir::Strategy::Direct;
  auto benefit = [&](const std::string& spec, const std::vector<Shape>& shapes, DType dtype) {
    ir::LoopNest direct = contiguousNest(programOf(spec, shapes, dtype), options);
    passes::PackedChoice choice = passes::schedulePacked(direct, options);
    return choice.gemm ? passes::packedBenefit(direct, *choice.gemm, options) : std::nullopt;
  };
  // 2048² B walked down its columns: 16 MiB per output tile.
  std::optional<std::string> big = benefit("ik,kj->ij", {{2048, 2048}, {2048, 2048}}, DType::f32);
  ASSERT_TRUE(big);
  EXPECT_NE(big->find("MiB of y"), std::string::npos) << *big;
  // Attention scores (B transposed): the direct nest sums along f in vectors.
  std::optional<std::string> scores =
      benefit("btf,bsf->bts", {{4, 128, 64}, {4, 128, 64}}, DType::f32);
  ASSERT_TRUE(scores);
  EXPECT_NE(scores->find("summed label"), std::string::npos) << *scores;
  // S5: two summed labels that cannot fold, 2.3 MiB of y per output tile (> 2 x L2).
  std::optional<std::string> transposed =
      benefit("abcd,dbef->acef", {{32, 24, 32, 24}, {24, 24, 32, 32}}, DType::f32);
  ASSERT_TRUE(transposed);
  EXPECT_NE(transposed->find("2.3 MiB of y"), std::string::npos) << *transposed;
  // S1: 4 MiB of y per output tile.
  std::optional<std::string> s1 = benefit("ik,kj->ij", {{1024, 1024}, {1024, 1024}}, DType::f32);
  ASSERT_TRUE(s1);
  EXPECT_NE(s1->find("4.0 MiB of y per output tile (> 2 x L2 1024 KiB)"), std::string::npos) << *s1;
  // S6: each output loop step reads all of x (4 MiB) again, 16 times in all.
  std::optional<std::string> s6 =
      benefit("abk,ckd->abcd", {{64, 64, 256}, {16, 256, 64}}, DType::f32);
  ASSERT_TRUE(s6);
  EXPECT_NE(s6->find("reads 4.0 MiB of x (> L2 1024 KiB) 16 times"), std::string::npos) << *s6;
  // G512 f64: 2 MiB read 32 times (direct and packed run alike on Zen 4).
  EXPECT_TRUE(benefit("ik,kj->ij", {{512, 512}, {512, 512}}, DType::f64));
  // Small or cache-friendly contractions stay direct, and so does an operand beyond the L2 read
  // a few times only (64x64x4096 f64: y's 2 MiB, 8 times).
  EXPECT_FALSE(benefit("ik,kj->ij", {{64, 4096}, {4096, 64}}, DType::f64));
  EXPECT_FALSE(benefit("bik,bkj->bij", {{256, 64, 64}, {256, 64, 64}}, DType::f32));
  EXPECT_FALSE(benefit("ik,kj->ij", {{512, 512}, {512, 512}}, DType::f32));
}

TEST(PackedSchedule, NestsThatSumVectorsPackFromSixteenCubed) {
  // B transposed: the direct (or small) nest sums k in vectors, far from the peak at any size.
  passes::LoopOptions options = optionsWith({32 << 10, 1 << 20, 32 << 20});
  auto strategyOf = [&](const std::string& spec, const std::vector<Shape>& shapes) {
    return contiguousNest(programOf(spec, shapes, DType::f32), options);
  };
  ir::LoopNest sixteen = strategyOf("bik,bjk->bij", {{1000, 16, 16}, {1000, 16, 16}});
  EXPECT_EQ(sixteen.strategy, ir::Strategy::Packed) << sixteen;
  EXPECT_NE(toString(sixteen).find("vectorizes the summed label"), std::string::npos) << sixteen;
  ir::LoopNest uneven = strategyOf("bik,bjk->bij", {{100, 50, 17}, {100, 30, 17}});
  EXPECT_EQ(uneven.strategy, ir::Strategy::Packed) << uneven;
  // Below 4096 multiply-adds per batch point, or N short of one micro-tile: no packing.
  EXPECT_EQ(strategyOf("bik,bjk->bij", {{1000, 12, 12}, {1000, 12, 12}}).strategy,
            ir::Strategy::Small);
  EXPECT_NE(strategyOf("bik,bjk->bij", {{1000, 64, 8}, {1000, 8, 8}}).strategy,
            ir::Strategy::Packed);
  // The same sizes with B not transposed vectorize an output label: they stay small.
  EXPECT_EQ(strategyOf("bik,bkj->bij", {{1000, 16, 16}, {1000, 16, 16}}).strategy,
            ir::Strategy::Small);
}

TEST(PackedSchedule, PrintsTheBlisLoopsAndKeysDifferFromTheDirectNest) {
  passes::LoopOptions options = optionsWith();
  options.strategy = ir::Strategy::Packed;
  ir::IndexProgram program = programOf("bik,bkj->bij", {{3, 40, 50}, {3, 50, 60}}, DType::f32);
  ir::LoopNest packed = contiguousNest(program, options);
  ASSERT_TRUE(packed.packed);
  std::string text = ir::toString(packed);
  for (const char* expected :
       {"packed: A = x, B = y; batch [a]", "micro-kernel 10x32 (2 vectors", "for jc in 0..60 step",
        "pack y[K pc.., N jc..] into 32-wide", "pack x[M ic.., K pc..] into 10-wide", "one thread"})
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\n" << text;
  options.strategy = ir::Strategy::Direct;
  ir::LoopNest direct = contiguousNest(program, options);
  EXPECT_FALSE(direct.packed);
  EXPECT_NE(ir::keyText(packed), ir::keyText(direct));
}

TEST(PackedSchedule, VerifyRejectsBrokenSchedules) {
  passes::LoopOptions options = optionsWith();
  options.strategy = ir::Strategy::Packed;
  ir::LoopNest nest =
      contiguousNest(programOf("ik,kj->ij", {{40, 50}, {50, 60}}, DType::f32), options);
  ASSERT_TRUE(nest.packed);
  ir::LoopNest notMultiple = nest;
  notMultiple.packed->mc = notMultiple.packed->mr + 1;
  expectError([&] { ir::verify(notMultiple); }, ErrorKind::Internal, {"does not divide"});
  ir::LoopNest wrongGroup = nest;
  std::swap(wrongGroup.packed->m, wrongGroup.packed->n);
  expectError([&] { ir::verify(wrongGroup); }, ErrorKind::Internal, {"does not belong in group"});
}

struct ValueCase {
  std::string spec;
  std::vector<Shape> shapes;
  DType dtype = DType::f32;
};

/// Runs each case through an engine forced to the packed strategy (with `caches` so that
/// small shapes take several blocks of every loop) and the interpreter, the first operand and
/// the output in two of the test layouts.
void expectPackedMatchesReference(const std::vector<ValueCase>& cases, support::CacheSizes caches) {
  EngineOptions engineOptions;
  engineOptions.strategy = Strategy::Packed;
  Engine engine(engineOptions);
  EngineAccess::loopOptions(engine).caches = caches;
  std::mt19937 rng(7);
  const std::vector<Layout> layouts = {Layout::Contiguous, Layout::Permuted, Layout::Padded,
                                       Layout::Reversed, Layout::Broadcast};
  int caseNumber = 0;
  // Two layouts per case, rotating, so that every layout meets several shapes.
  for (std::size_t index = 0; index < cases.size(); ++index)
    for (Layout layout : {layouts[index % layouts.size()], layouts[(index + 2) % layouts.size()]}) {
      const ValueCase& c = cases[index];
      ir::IndexProgram program = programOf(c.spec, c.shapes, c.dtype);
      std::vector<OwnedView> inputs;
      std::vector<TensorView> views;
      for (std::size_t t = 0; t < program.operands.size(); ++t) {
        inputs.push_back(randomView(c.dtype, program.operands[t].shape,
                                    t == 0 ? layout : Layout::Contiguous, rng));
        views.push_back(inputs.back().view);
      }
      Layout outputLayout = layout == Layout::Broadcast ? Layout::Padded : layout;
      RunOptions run;
      run.alpha = (caseNumber % 3 == 0) ? 1.0 : -2.0;
      run.beta = (caseNumber % 2 == 0) ? 0.0 : 0.5;
      run.threads = 1 + caseNumber % 2;
      bool readsOutput = run.beta != std::complex<double>(0, 0);
      OwnedView out = randomView(c.dtype, program.outputShape(), outputLayout, rng, !readsOutput);
      OwnedView expected = copyOf(out);
      Plan plan = EngineAccess::planProgram(engine, program, false);
      plan.run(views, out.view, run);
      reference::interpret(program, views, expected.view, {run.alpha, run.beta});
      expectClose(out.view, expected.view, toleranceOf(c.dtype, false),
                  c.spec + " " + layoutName(layout) + "\n" + plan.explain(ExplainStage::Loops));
      ++caseNumber;
    }
}

TEST(PackedKernel, EdgeTilesAndEveryBlockLoopMatchTheInterpreter) {
  // Tiny caches: KC 16, MC one or two micro-tiles, NC one or two: every loop takes several
  // blocks and most tiles are edge tiles.
  expectPackedMatchesReference({{"ik,kj->ij", {{37, 41}, {41, 43}}},
                                {"ik,kj->ij", {{25, 70}, {70, 97}}, DType::f64},
                                {"ik,jk->ij", {{30, 33}, {65, 33}}},
                                {"ki,kj->ji", {{19, 29}, {19, 70}}},
                                {"bik,bkj->bij", {{3, 13, 17}, {3, 17, 35}}},
                                {"btf,bsf->bts", {{2, 26, 20}, {2, 34, 20}}},
                                {"abcd,dbef->acef", {{4, 3, 5, 6}, {6, 3, 7, 9}}},
                                {"abk,ckd->abcd", {{5, 3, 20}, {4, 20, 9}}, DType::f64},
                                // N = [b,c] gathered in the first operand, one dense run of
                                // 360 in a contiguous out: whole tiles span several runs of c.
                                {"dcb,da->abc", {{16, 9, 40}, {16, 30}}}},
                               {256, 4096, 8192});
}

TEST(PackedKernel, HostCacheBlocksMatchTheInterpreter) {
  // K blocks of 150 and 70: A (and, in the second case, B) are K-contiguous, so whole panels
  // pack through the in-register transpose, K remainders row by row. M = 64 makes 8-row A
  // panels, fewer rows than f32 lanes (with 512-bit vectors). In the last three, K is two
  // labels whose innermost runs 20 (13) long: each run transposes 16 (8) and copies the rest.
  expectPackedMatchesReference({{"ik,kj->ij", {{130, 300}, {300, 70}}},
                                {"btf,bsf->bts", {{2, 40, 70}, {2, 50, 70}}},
                                {"bik,bkj->bij", {{2, 64, 64}, {2, 64, 64}}, DType::f64},
                                {"ik,kj->ij", {{64, 300}, {300, 70}}},
                                {"btf,bsf->bts", {{2, 64, 70}, {2, 50, 70}}},
                                {"abcd,dbef->acef", {{4, 3, 6, 20}, {20, 3, 5, 9}}},
                                {"abcd,dbef->acef", {{4, 3, 8, 20}, {20, 3, 5, 9}}},
                                {"abcd,dbef->acef", {{3, 2, 9, 13}, {13, 2, 4, 10}}, DType::f64}},
                               support::hostCacheSizes());
}

TEST(PackedKernel, CompilesAsTwoObjectsThatLinkToEachOther) {
  // The packing routines in one object, the rest in the other, compiled on two threads; the
  // JIT links both under the one entry point (the other tests run what it links).
  codegen::TargetDesc host = codegen::hostTarget();
  passes::LoopOptions options = optionsWith();
  options.strategy = ir::Strategy::Packed;
  ir::LoopNest packed =
      contiguousNest(programOf("ik,kj->ij", {{40, 50}, {50, 60}}, DType::f32), options);
  ASSERT_TRUE(packed.packed);
  std::vector<std::string> objects = codegen::compileObjects(packed, host, "k");
  ASSERT_EQ(objects.size(), 2u);
  jit::Jit jit;
  EXPECT_NE(jit.load(jit::bundleObjects(objects), "k", 0)->entry(), nullptr);
  // Either object alone leaves a symbol undefined.
  for (const std::string& object : objects)
    expectError([&] { jit.load(jit::bundleObjects({object}), "k", 0); }, ErrorKind::Internal,
                {"jit (link)"});
  options.strategy = ir::Strategy::Direct;
  ir::LoopNest direct =
      contiguousNest(programOf("ik,kj->ij", {{40, 50}, {50, 60}}, DType::f32), options);
  EXPECT_EQ(codegen::compileObjects(direct, host, "d").size(), 1u);
}

TEST(PackedKernel, ResultsDoNotDependOnTheThreadCount) {
  EngineOptions engineOptions;
  engineOptions.strategy = Strategy::Packed;
  Engine engine(engineOptions);
  std::mt19937 rng(3);
  ir::IndexProgram program = programOf("bik,bkj->bij", {{4, 64, 96}, {4, 96, 80}}, DType::f32);
  OwnedView x = randomView(DType::f32, {4, 64, 96}, Layout::Contiguous, rng);
  OwnedView y = randomView(DType::f32, {4, 96, 80}, Layout::Contiguous, rng);
  Plan plan = EngineAccess::planProgram(engine, program, false);
  ASSERT_NE(plan.explain(ExplainStage::Loops).find("parallel: batch x N"), std::string::npos);
  std::vector<Tensor> results;
  for (int threads : {1, 2, 3}) {
    results.emplace_back(DType::f32, Shape{4, 64, 80});
    RunOptions run;
    run.threads = threads;
    plan.run({x.view, y.view}, results.back().view(), run);
  }
  for (std::size_t r = 1; r < results.size(); ++r)
    EXPECT_EQ(std::memcmp(results[0].data(), results[r].data(), results[0].byteSize()), 0);
}

} // namespace
} // namespace einjit::test
