// CallOptions::outputDtype: bf16 and f16 operands with an f32 output, which holds the f32 sums
// unrounded (oneMKL's gemm_bf16bf16f32). Every strategy and both packed panel kinds over edge
// shapes, layouts, alpha and beta against the interpreter; a path of three operands; the
// refusals of other combinations; the dtype a plan reports and allocates.
#include "JitTestSupport.h"
#include "TestSupport.h"
#include "engine/EngineImpl.h"
#include "reference/Interpreter.h"

#include <gtest/gtest.h>

namespace einjit::test {
namespace {

CallOptions f32Output() {
  return CallOptions{.outputDtype = DType::f32};
}

TEST(F32Output, SumsAreStoredUnrounded) {
  // 256 + 1 is no bf16 (it rounds to 256) and 2048 + 1 no f16; in f32 both are exact.
  Engine engine;
  for (auto [dtype, big] : {std::pair{DType::bf16, 256.0}, std::pair{DType::f16, 2048.0}}) {
    Tensor x = tensorOf(dtype, {2}, {big, 1});
    Tensor ones = tensorOf(dtype, {2}, {1, 1});
    Plan plan = engine.plan("i,i->", {{2}, {2}}, dtype, f32Output());
    EXPECT_EQ(plan.dtype(), dtype);
    EXPECT_EQ(plan.outputDtype(), DType::f32);
    Tensor out = plan.run({x.view(), ones.view()});
    EXPECT_EQ(out.dtype(), DType::f32);
    EXPECT_EQ(realValuesOf(out.view()), (std::vector<double>{big + 1})) << dtypeName(dtype);
    Tensor rounded = engine.plan("i,i->", {{2}, {2}}, dtype).run({x.view(), ones.view()});
    EXPECT_EQ(realValuesOf(rounded.view()), (std::vector<double>{big})) << dtypeName(dtype);
  }
}

TEST(F32Output, EveryStrategyAndPanelKindMatchesTheInterpreter) {
  struct Shaped {
    std::string spec;
    std::vector<Shape> shapes;
  };
  const std::vector<Shaped> cases{
      {"ik,kj->ij", {{37, 131}, {131, 45}}},
      {"bik,bkj->bij", {{3, 9, 35}, {3, 35, 33}}},
      {"ki,kj->ij", {{41, 13}, {41, 31}}},
      {"ij,ij->i", {{17, 40}, {17, 40}}},
      {"i,i->", {{300}, {300}}},
  };
  struct Setting {
    Strategy strategy;
    std::string target;
    CacheSizes caches;
  };
  // x86-64-v4 packs widened f32 panels, the host (where it has AVX512-BF16) bf16 pairs; small
  // caches cut K into several blocks.
  const std::vector<Setting> settings{
      {Strategy::Auto, "host", {}},        {Strategy::Direct, "host", {}},
      {Strategy::Small, "host", {}},       {Strategy::Streaming, "host", {}},
      {Strategy::Packed, "host", {}},      {Strategy::Packed, "host", {4096, 16384, 65536}},
      {Strategy::Packed, "x86-64-v4", {}}, {Strategy::Packed, "x86-64-v4", {4096, 16384, 65536}},
  };
  std::mt19937 rng(20261207);
  for (const Setting& setting : settings) {
    EngineOptions options;
    options.strategy = setting.strategy;
    options.persistentCache = false;
    options.target = setting.target;
    options.cacheSizes = setting.caches;
    Engine engine(options);
    if (!engine.target().runsHere())
      continue; // an AVX-512 target on an AVX2 CPU: the host settings still run
    for (DType dtype : {DType::bf16, DType::f16})
      for (const Shaped& shaped : cases)
        for (Layout layout : {Layout::Contiguous, Layout::Permuted})
          for (RunOptions run : {RunOptions{.alpha = 0.5, .beta = -2}, RunOptions{}}) {
            ir::IndexProgram program = programOf(shaped.spec, shaped.shapes, dtype);
            program.outputDtype = DType::f32;
            std::string context = shaped.spec + " " + std::string(dtypeName(dtype)) + " " +
                                  layoutName(layout) + " " + setting.target + " strategy " +
                                  std::to_string(static_cast<int>(setting.strategy)) +
                                  (setting.caches.l2 ? " small caches" : "");
            OwnedViews inputs = randomViews(dtype, shaped.shapes, layout, rng);
            OwnedView initial =
                randomView(DType::f32, program.outputShape(), layout, rng, run.beta == 0.0);
            OwnedView out = copyOf(initial);
            OwnedView expected = copyOf(initial);
            reference::interpret(program, inputs.views, expected.view, {run.alpha, run.beta});
            Plan plan = EngineAccess::planProgram(engine, program, false);
            plan.run(inputs.views, out.view, run);
            // Small integers: every sum is exact in f32.
            expectClose(out.view, expected.view, 0, context);
          }
  }
}

TEST(F32Output, PathsWriteTheirLastStepIntoTheOutput) {
  // x @ y = [257] * 8, then @ 3·I: 771, which bf16 would round to 772.
  Engine engine;
  std::vector<Tensor> chain = chainOf771(DType::bf16);
  const Tensor& x = chain[0];
  const Tensor& y = chain[1];
  const Tensor& z = chain[2];
  Plan plan = engine.plan("ij,jk,kl->il", {{1, 2}, {2, 8}, {8, 8}}, DType::bf16, f32Output());
  EXPECT_NE(plan.explain(ExplainStage::Path).find("(the path runs)"), std::string::npos);
  Tensor out = plan.run({x.view(), y.view(), z.view()});
  EXPECT_EQ(out.dtype(), DType::f32);
  EXPECT_EQ(realValuesOf(out.view()), std::vector<double>(8, 771.0));
  Tensor initial = tensorOf(DType::f32, {1, 8}, std::vector<double>(8, 2.0));
  plan.run({x.view(), y.view(), z.view()}, initial.view(), RunOptions{.alpha = 0.5, .beta = 1});
  EXPECT_EQ(realValuesOf(initial.view()), std::vector<double>(8, 387.5));
}

TEST(F32Output, OtherCombinationsAreRefusedAndTheOutputMustBeF32) {
  Engine engine;
  EXPECT_EQ(outputDtypeOf(DType::bf16, f32Output()), DType::f32);
  EXPECT_EQ(outputDtypeOf(DType::f32, f32Output()), DType::f32);
  EXPECT_EQ(outputDtypeOf(DType::f16, CallOptions{}), DType::f16);
  expectError(
      [&] {
        engine.plan("ij,jk", {{2, 2}, {2, 2}}, DType::f64, f32Output());
      },
      ErrorKind::Argument, {"output dtype f32 for f64 operands"});
  expectError(
      [&] {
        engine.plan("ij,jk", {{2, 2}, {2, 2}}, DType::f16, CallOptions{.outputDtype = DType::f64});
      },
      ErrorKind::Argument, {"output dtype f64 for f16 operands", "or f32 for bf16 and f16"});
  Plan plan = engine.plan("ij,jk", {{2, 2}, {2, 2}}, DType::bf16, f32Output());
  Tensor x(DType::bf16, {2, 2});
  Tensor half(DType::bf16, {2, 2});
  expectError(
      [&] {
        plan.run({x.view(), x.view()}, half.view());
      },
      ErrorKind::Misuse, {"out has dtype bf16"});
  Explanation explained = engine.explain("ij,jk", {{2, 2}, {2, 2}}, DType::bf16, f32Output());
  EXPECT_EQ(explained.outputDtype, std::optional<DType>(DType::f32));
  EXPECT_NE(explained.text().find("out: f32 (2, 2)"), std::string::npos) << explained.text();
  EXPECT_NE(explained.json().find("\"output_dtype\": \"f32\""), std::string::npos);
}

} // namespace
} // namespace einjit::test
