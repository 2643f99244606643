// Packed bf16 and f16 kernels against the interpreter: panels widened to f32 (every x86-64 CPU)
// and panels of bf16 K pairs multiplied by AVX512-BF16's vdpbf16ps (where the CPU has it), each
// with K in one block (tiles rounded once as they are stored) and in several (the f32 C block
// rounded once after the last). Edge shapes off every tile, odd K, a batch, transposed and
// reversed operands, alpha and beta. The data are small integers, so every sum is exact in f32
// and the results must equal the interpreter's after its one rounding.
#include "JitTestSupport.h"
#include "TestSupport.h"
#include "engine/EngineImpl.h"
#include "reference/Interpreter.h"

#include <gtest/gtest.h>

namespace einjit::test {
namespace {

struct Shaped {
  std::string spec;
  std::vector<Shape> shapes;
};

/// m, n and k off the tile sizes, odd K (a pair panel's last pair half zero), two rows, a
/// batch, an operand transposed by the spec.
const std::vector<Shaped>& cases() {
  static const std::vector<Shaped> shaped{
      {"ik,kj->ij", {{37, 131}, {131, 45}}}, {"ik,kj->ij", {{2, 67}, {67, 33}}},
      {"ik,kj->ij", {{16, 64}, {64, 64}}},   {"bik,bkj->bij", {{3, 9, 35}, {3, 35, 33}}},
      {"ki,kj->ij", {{41, 13}, {41, 31}}},   {"ik,jk->ij", {{20, 99}, {50, 99}}},
  };
  return shaped;
}

/// Small caches make K blocks of 16 to 32 indices: every case above takes several.
CacheSizes smallCaches() {
  return CacheSizes{4096, 16384, 65536};
}

/// Runs every case on `engine` (strategy packed) and compares with the interpreter; `expect`
/// is the packed text every plan's loops must show.
void expectPackedMatches(Engine& engine, DType dtype, const std::string& expect,
                         const std::string& what) {
  std::mt19937 rng(20261207);
  for (const Shaped& shaped : cases())
    for (Layout layout : {Layout::Contiguous, Layout::Permuted, Layout::Reversed})
      for (RunOptions run : {RunOptions{.alpha = 0.5, .beta = -2}, RunOptions{}}) {
        ir::IndexProgram program = programOf(shaped.spec, shaped.shapes, dtype);
        std::string context = what + " " + shaped.spec + " " + std::string(dtypeName(dtype)) + " " +
                              layoutName(layout) + " beta " + std::to_string(run.beta.real());
        Plan plan = EngineAccess::planProgram(engine, program, false);
        std::string loops = plan.explain(ExplainStage::Loops);
        EXPECT_NE(loops.find(expect), std::string::npos) << context << "\n" << loops;
        OwnedViews inputs = randomViews(dtype, shaped.shapes, layout, rng);
        // Beta zero: out is not read, so NaN in it must not show.
        OwnedView initial = randomView(dtype, program.outputShape(), layout, rng, run.beta == 0.0);
        OwnedView out = copyOf(initial);
        OwnedView expected = copyOf(initial);
        reference::interpret(program, inputs.views, expected.view, {run.alpha, run.beta});
        plan.run(inputs.views, out.view, run);
        expectClose(out.view, expected.view, 0, context);
      }
}

Engine packedEngine(const std::string& target, CacheSizes caches) {
  EngineOptions options;
  options.strategy = Strategy::Packed;
  options.persistentCache = false;
  options.target = target;
  options.cacheSizes = caches;
  return Engine(options);
}

TEST(HalfPrecisionPacked, F32PanelsMatchTheInterpreter) {
  // x86-64-v4 (AVX-512 without AVX512-BF16) packs bf16 widened to f32, as f16 everywhere.
  for (CacheSizes caches : {CacheSizes{}, smallCaches()}) {
    Engine engine = packedEngine("x86-64-v4", caches);
    if (!engine.target().runsHere())
      GTEST_SKIP() << "this CPU lacks x86-64-v4 (AVX-512) features";
    std::string blocks = caches.l2 ? "several K blocks" : "one K block";
    for (DType dtype : {DType::bf16, DType::f16})
      expectPackedMatches(engine, dtype, ", panels f32", "f32 panels, " + blocks);
  }
  Engine avx2 = packedEngine("x86-64-v3", smallCaches());
  if (avx2.target().runsHere())
    expectPackedMatches(avx2, DType::f16, ", panels f32", "x86-64-v3 f32 panels");
}

TEST(HalfPrecisionPacked, Bf16PairPanelsMatchTheInterpreter) {
  for (CacheSizes caches : {CacheSizes{}, smallCaches()}) {
    Engine engine = packedEngine("host", caches);
    if (!engine.target().bf16DotProduct)
      GTEST_SKIP() << "this CPU lacks avx512bf16: the vdpbf16ps kernel does not run here";
    std::string blocks = caches.l2 ? "several K blocks" : "one K block";
    expectPackedMatches(engine, DType::bf16, ", panels bf16 pairs", "bf16 pairs, " + blocks);
  }
}

TEST(HalfPrecisionPacked, SeveralKBlocksSumInAnF32BlockAndRoundOnce) {
  // 512 + 300 x 1 = 812 is a bf16 (a multiple of 4 in [512, 1024)). K = 301 is more than the
  // small L2 takes in one block for a 16-bit output (the B micro-panel of all of K in half of it),
  // so it is cut into blocks of about 30 (f32 panels) or 60 (bf16 pairs); a bf16 C rounded after
  // each block would gain up to 2 per block.
  for (const char* target : {"x86-64-v4", "host"}) {
    Engine engine = packedEngine(target, smallCaches());
    if (!engine.target().runsHere())
      GTEST_SKIP() << "this CPU lacks x86-64-v4 (AVX-512) features";
    std::vector<double> row(301, 1.0);
    row[0] = 512;
    std::vector<double> rows = row;
    rows.insert(rows.end(), row.begin(), row.end());
    Tensor x = tensorOf(DType::bf16, {2, 301}, rows);
    Tensor y = tensorOf(DType::bf16, {301, 2}, std::vector<double>(602, 1.0));
    Plan plan = engine.plan("ik,kj->ij", {{2, 301}, {301, 2}}, DType::bf16);
    std::string loops = plan.explain(ExplainStage::Loops);
    EXPECT_NE(loops.find("f32 C block"), std::string::npos) << target << "\n" << loops;
    EXPECT_NE(loops.find("rounded once to bf16"), std::string::npos) << target << "\n" << loops;
    EXPECT_EQ(realValuesOf(plan.run({x.view(), y.view()}).view()), std::vector<double>(4, 812.0))
        << target;
  }
}

TEST(HalfPrecisionPacked, AKWhoseMicroPanelFitsHalfTheL2TakesOneBlock) {
  // One K block needs no f32 C block, in which the sums of several wait one MC block of rows at a
  // time while B is packed again per MC rows. x86-64-v4's 8 x 32 tile: 2048 x 32 f32 values of B
  // (256 KiB) fit in half of a 1 MiB L2; 8192 do not.
  Engine engine = packedEngine("x86-64-v4", CacheSizes{32768, 1 << 20, 32 << 20});
  std::string fits =
      engine.plan("ik,kj->ij", {{256, 2048}, {2048, 256}}, DType::f16).explain(ExplainStage::Loops);
  EXPECT_NE(fits.find("KC 2048"), std::string::npos) << fits;
  EXPECT_EQ(fits.find("f32 C block"), std::string::npos) << fits;
  std::string exceeds =
      engine.plan("ik,kj->ij", {{256, 8192}, {8192, 256}}, DType::f16).explain(ExplainStage::Loops);
  EXPECT_NE(exceeds.find("f32 C block"), std::string::npos) << exceeds;
}

} // namespace
} // namespace einjit::test
