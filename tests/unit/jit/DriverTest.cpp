// The compile driver's shared half: planContraction, the one plan the Engine and `einjit compile`
// take (the same path, steps and explanation stages whichever asks, where both can run it), and
// loadOrCompile, the one sequence through the persistent kernel cache.
#include "driver/Driver.h"
#include "DiskCacheTestSupport.h"
#include "JitTestSupport.h"
#include "TestSupport.h"
#include "driver/AotCompile.h"
#include "ir/Explain.h"

#include <gtest/gtest.h>

namespace einjit::test {
namespace {

/// An L2 of 16 KiB: small operands already exceed it, so that they take a relayout path.
const support::CacheSizes kSmallCaches{4096, 16384, 65536};

driver::PlanOptions engineLike(const support::CacheSizes& caches) {
  driver::PlanOptions options;
  options.caches = caches;
  return options;
}

driver::AotOptions aotOptions(const support::CacheSizes& caches) {
  driver::AotOptions options;
  options.target = codegen::hostTarget();
  options.caches = caches;
  return options;
}

/// The stages of `expression` as an Engine explains it and as lowerAot plans it, both for the
/// host and `caches`, without the persistent cache (no measured choice).
void expectSameStages(const std::string& expression, const std::vector<Shape>& shapes,
                      const std::string& namedShapes, const support::CacheSizes& caches,
                      const std::vector<std::string>& keys, DType dtype = DType::f32) {
  EngineOptions options;
  options.target = "host";
  options.persistentCache = false;
  options.cacheSizes = CacheSizes{caches.l1d, caches.l2, caches.l3};
  Engine engine(options);
  Explanation explained = engine.plan(expression, shapes, dtype).explanation(ExplainStage::Loops);
  driver::AotKernel kernel =
      driver::lowerAot({"kernel", expression, namedShapes, dtype, ""}, aotOptions(caches));
  ASSERT_EQ(kernel.stages.size(), keys.size());
  ASSERT_EQ(explained.stages.size(), keys.size());
  for (std::size_t s = 0; s < keys.size(); ++s) {
    SCOPED_TRACE(keys[s]);
    EXPECT_EQ(kernel.stages[s].key, keys[s]);
    EXPECT_EQ(explained.stages[s].key, keys[s]);
    EXPECT_EQ(kernel.stages[s].heading, explained.stages[s].heading);
    EXPECT_EQ(kernel.stages[s].text, explained.stages[s].text);
  }
}

TEST(DriverPlan, ChainIsTheSameForTheEngineAndAheadOfTime) {
  ir::IndexProgram program = programOf("ij,jk,kl->il", {{64, 16}, {16, 64}, {64, 16}}, DType::f32);
  driver::ContractionPlan jit = driver::planContraction(program, engineLike(kSmallCaches));
  driver::ContractionPlan aot =
      driver::planContraction(program, driver::aotPlanOptions(aotOptions(kSmallCaches)));
  ASSERT_TRUE(jit.runsPath());
  EXPECT_EQ(passes::toString(jit.path), passes::toString(passes::choosePath(program)));
  EXPECT_EQ(passes::toString(aot.path), passes::toString(jit.path));
  ASSERT_EQ(aot.steps, jit.steps);
  ASSERT_EQ(jit.steps.size(), 2u);
  EXPECT_EQ(jit.steps[1], jit.path.steps[1].program);
  EXPECT_EQ(jit.multiplyAdds, jit.path.multiplyAdds);
  EXPECT_LT(jit.multiplyAdds, ir::multiplyAdds(program));
  EXPECT_TRUE(jit.fusedBecause.empty());
  // The explanation's stages, kernels included, are the same text from either caller.
  expectSameStages("np.einsum('ij,jk,kl->il', a, b, c)", {{64, 16}, {16, 64}, {64, 16}},
                   "a=64x16,b=16x64,c=64x16", kSmallCaches, {"program", "path", "loops"});
}

TEST(DriverPlan, RelayoutIsTheSameForTheEngineAndAheadOfTime) {
  ir::IndexProgram program = programOf("ikc,jkc->ijc", {{50, 80, 3}, {47, 80, 3}}, DType::f32);
  driver::ContractionPlan jit = driver::planContraction(program, engineLike(kSmallCaches));
  driver::ContractionPlan aot =
      driver::planContraction(program, driver::aotPlanOptions(aotOptions(kSmallCaches)));
  ASSERT_TRUE(jit.runsPath());
  EXPECT_FALSE(jit.path.relayout.empty());
  EXPECT_EQ(passes::toString(aot.path), passes::toString(jit.path));
  EXPECT_EQ(aot.steps, jit.steps);
  EXPECT_EQ(jit.steps.size(), 4u);
  std::optional<ExplainedStage> stage = driver::pathStage(program, jit);
  ASSERT_TRUE(stage);
  EXPECT_EQ(stage->heading, "path (relayout)");
  expectSameStages("np.einsum('ikc,jkc->ijc', x, y)", {{50, 80, 3}, {47, 80, 3}},
                   "x=50x80x3,y=47x80x3", kSmallCaches, {"program", "path", "loops"});
  // With the caches holding the operands, both run the fused nest and show no path.
  driver::ContractionPlan fused = driver::planContraction(program, engineLike({}));
  EXPECT_FALSE(fused.runsPath());
  EXPECT_FALSE(driver::pathStage(program, fused));
  expectSameStages("np.einsum('ikc,jkc->ijc', x, y)", {{50, 80, 3}, {47, 80, 3}},
                   "x=50x80x3,y=47x80x3", {}, {"program", "loops"});
}

TEST(DriverPlan, HalfPrecisionPathsRunInF32ForTheEngineAndAheadOfTime) {
  ir::IndexProgram program = programOf("ij,jk,kl->il", {{64, 16}, {16, 64}, {64, 16}}, DType::bf16);
  driver::ContractionPlan jit = driver::planContraction(program, engineLike({}));
  driver::ContractionPlan aot =
      driver::planContraction(program, driver::aotPlanOptions(aotOptions({})));
  ASSERT_TRUE(aot.runsPath());
  EXPECT_EQ(aot.steps, jit.steps);
  EXPECT_EQ(aot.widen, jit.widen);
  EXPECT_EQ(aot.round, jit.round);
  ASSERT_EQ(jit.steps.size(), 2u);
  for (const ir::IndexProgram& step : jit.steps)
    EXPECT_EQ(step.dtype, DType::f32);
  // A copy per operand widens it, exactly, to f32 ...
  ASSERT_EQ(jit.widen.size(), 3u);
  for (std::size_t t = 0; t < 3; ++t) {
    EXPECT_EQ(jit.widen[t].dtype, DType::bf16);
    EXPECT_EQ(jit.widen[t].resultDtype(), DType::f32);
    EXPECT_EQ(jit.widen[t].outputShape(), program.operandShape(t));
  }
  // ... and one rounds the last step's f32 temporary, under a name of its own, into out.
  ASSERT_TRUE(jit.round);
  EXPECT_EQ(jit.round->dtype, DType::f32);
  EXPECT_EQ(jit.round->resultDtype(), DType::bf16);
  EXPECT_EQ(jit.round->outputName, program.outputName);
  EXPECT_EQ(jit.round->operands[0].name, jit.steps.back().outputName);
  EXPECT_NE(jit.steps.back().outputName, program.outputName);
  EXPECT_EQ(driver::kernelPrograms(program, jit).size(), 3u + 2u + 1u);
  std::optional<ExplainedStage> widened = driver::pathStage(program, jit);
  ASSERT_TRUE(widened);
  EXPECT_NE(widened->text.find("bf16: the operands widen to f32"), std::string::npos);
  EXPECT_EQ(widened->text.find("but the fused nest runs here"), std::string::npos);
  // The explanation, the copies' kernels included, is the same text from either caller.
  expectSameStages("np.einsum('ij,jk,kl->il', a, b, c)", {{64, 16}, {16, 64}, {64, 16}},
                   "a=64x16,b=16x64,c=64x16", {}, {"program", "path", "loops"}, DType::bf16);
  expectSameStages("np.einsum('ij,jk,kl->il', a, b, c)", {{64, 16}, {16, 64}, {64, 16}},
                   "a=64x16,b=16x64,c=64x16", {}, {"program", "path", "loops"}, DType::f16);

  // An f32 output of bf16 operands: the last step writes it, nothing rounds.
  program.outputDtype = DType::f32;
  driver::ContractionPlan wide = driver::planContraction(program, engineLike({}));
  EXPECT_EQ(wide.widen.size(), 3u);
  EXPECT_FALSE(wide.round);
  EXPECT_EQ(wide.steps.back().outputName, program.outputName);
}

TEST(DriverPlan, KernelStageTextNamesTheWideningAndRoundingCopies) {
  ir::IndexProgram program = programOf("ij,jk,kl->il", {{4, 2}, {2, 4}, {4, 2}}, DType::f16);
  driver::ContractionPlan plan = driver::planContraction(program, engineLike({}));
  ASSERT_EQ(plan.steps.size(), 2u);
  std::vector<std::string> texts(6, "nest\n");
  std::string text = driver::kernelStageText(program, plan, texts);
  EXPECT_EQ(text.find("-- widen to f32: " + ir::statementText(plan.widen[0]) + "\n"), 0u) << text;
  EXPECT_NE(text.find("-- step 0: " + ir::statementText(plan.steps[0]) + "\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("-- round to f16: " + ir::statementText(*plan.round) + "\nnest\n"),
            std::string::npos)
      << text;
}

TEST(DriverPlan, ProloguesAndPathsOffKeepTheFusedNest) {
  ir::IndexProgram program = programOf("ij,jk,kl->il", {{64, 16}, {16, 64}, {64, 16}}, DType::f32);
  driver::PlanOptions off = engineLike({});
  off.paths = false;
  driver::ContractionPlan none = driver::planContraction(program, off);
  EXPECT_TRUE(none.path.steps.empty());
  EXPECT_FALSE(none.runsPath());
  EXPECT_EQ(none.multiplyAdds, ir::multiplyAdds(program));
  EXPECT_EQ(driver::kernelPrograms(program, none),
            (std::vector<const ir::IndexProgram*>{&program}));

  program.prologues.push_back(ir::Prologue{ir::PrologueKind::Normalize, 0, 1, 1e-7});
  EXPECT_TRUE(driver::planContraction(program, engineLike({})).runsPath());
  driver::ContractionPlan aot =
      driver::planContraction(program, driver::aotPlanOptions(aotOptions({})));
  EXPECT_FALSE(aot.runsPath());
  EXPECT_NE(aot.fusedBecause.find("after their prologues"), std::string::npos);
}

TEST(DriverPlan, KernelStageTextNamesEachStep) {
  ir::IndexProgram program = programOf("ij,jk,kl->il", {{64, 16}, {16, 64}, {64, 16}}, DType::f32);
  driver::ContractionPlan plan = driver::planContraction(program, engineLike({}));
  ASSERT_EQ(plan.steps.size(), 2u);
  std::string text = driver::kernelStageText(program, plan, {"first\n", "second\n"});
  EXPECT_EQ(text, "-- step 0: " + ir::statementText(plan.steps[0]) +
                      "\nfirst\n-- step 1: " + ir::statementText(plan.steps[1]) + "\nsecond\n");
  expectError([&] { driver::kernelStageText(program, plan, {"one\n"}); }, ErrorKind::Internal,
              {"1 texts for 2 kernels"});
}

/// A CacheableObject whose compilations are counted.
struct CountedObject {
  int compiled = 0;
  driver::CacheableObject object{"key of the test object\n", "einjit_test_object",
                                 [] { return std::string("unoptimized IR"); },
                                 [this] {
                                   ++compiled;
                                   return "object " + std::to_string(compiled);
                                 }};
};

TEST(DriverCache, LoadOrCompileStoresOnceThenLoads) {
  TemporaryDirectory directory("einjit-driver-cache");
  jit::DiskCache disk(directory.path().string());
  codegen::TargetDesc target = codegen::hostTarget();
  CountedObject counted;
  std::string used;
  auto use = [&](const std::string& code) { used = code; };
  EXPECT_FALSE(driver::loadOrCompile(&disk, target, counted.object, use));
  EXPECT_EQ(used, "object 1");
  EXPECT_TRUE(driver::loadOrCompile(&disk, target, counted.object, use));
  EXPECT_EQ(used, "object 1");
  EXPECT_EQ(counted.compiled, 1);
  jit::DiskCacheStatistics statistics = disk.statistics();
  EXPECT_EQ(statistics.hits, 1u);
  EXPECT_EQ(statistics.writes, 1u);
  EXPECT_EQ(statistics.rejects, 0u);

  // A loaded object the caller cannot link is rejected, compiled again and overwritten.
  int refusals = 0;
  EXPECT_FALSE(driver::loadOrCompile(&disk, target, counted.object, [&](const std::string& code) {
    if (code == "object 1") {
      ++refusals;
      throw Error(ErrorKind::Internal, "jit (link): refused by the test");
    }
    used = code;
  }));
  EXPECT_EQ(refusals, 1);
  EXPECT_EQ(used, "object 2");
  statistics = disk.statistics();
  EXPECT_EQ(statistics.rejects, 1u);
  EXPECT_EQ(statistics.writes, 2u);
  EXPECT_TRUE(driver::loadOrCompile(&disk, target, counted.object, use));
  EXPECT_EQ(used, "object 2");

  // Another IR for the same key is another object: compiled, never the stored one.
  counted.object.unoptimizedIR = [] { return std::string("changed code generator"); };
  EXPECT_FALSE(driver::loadOrCompile(&disk, target, counted.object, use));
  EXPECT_EQ(used, "object 3");
}

TEST(DriverCache, WithoutADiskEveryCallCompiles) {
  codegen::TargetDesc target = codegen::hostTarget();
  CountedObject counted;
  jit::DiskCache disabled("");
  std::string used;
  auto use = [&](const std::string& code) { used = code; };
  EXPECT_FALSE(driver::loadOrCompile(nullptr, target, counted.object, use));
  EXPECT_FALSE(driver::loadOrCompile(&disabled, target, counted.object, use));
  EXPECT_EQ(counted.compiled, 2);
  EXPECT_EQ(used, "object 2");
  EXPECT_EQ(disabled.statistics().writes, 0u);
}

} // namespace
} // namespace einjit::test
