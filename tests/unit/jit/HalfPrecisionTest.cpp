// bf16 and f16 in the JIT: loads widen to f32, f32 accumulators, one rounding to nearest even at
// the store. The conversions are checked bit for bit against einjit::bfloat16 / float16 on every
// 16-bit pattern, both where the CPU converts (F16C) and where the kernel converts with integer
// arithmetic (x86-64 without F16C); contractions over edge shapes, transposed operands, batches,
// alpha and beta, and every forced strategy, against the interpreter.
#include "JitTestSupport.h"
#include "TestSupport.h"
#include "engine/EngineImpl.h"
#include "reference/Interpreter.h"

#include <gtest/gtest.h>

#include <cmath>

namespace einjit::test {
namespace {

template <class Half>
bool isNaN(Half value) {
  return std::isnan(static_cast<float>(value));
}

/// out[i] = x[i] * c: every 16-bit pattern times constants whose exact products need rounding
/// (ties included), compared bit for bit with the C++ conversion of the f32 product.
template <class Half>
void expectConversionsMatch(Engine& engine, DType dtype, const std::string& what) {
  constexpr std::int64_t count = 1 << 16;
  Tensor x(dtype, {count});
  for (std::int64_t i = 0; i < count; ++i)
    x.as<Half>()[i] = Half::fromBits(static_cast<std::uint16_t>(i));
  for (float constant : {1.0f, 1.5f, 0.75f, 3.0f, 1.0078125f}) {
    Tensor c(dtype, {count});
    for (std::int64_t i = 0; i < count; ++i)
      c.as<Half>()[i] = Half(constant);
    Tensor out = engine.einsum("i,i->i", {x.view(), c.view()});
    int reported = 0;
    for (std::int64_t i = 0; i < count && reported < 5; ++i) {
      Half expected(static_cast<float>(x.as<Half>()[i]) * constant);
      Half got = out.as<Half>()[i];
      // Equal as floats: the same bits, except that the kernel's sum 0 + (-0) is +0.
      bool same =
          isNaN(expected) ? isNaN(got) : static_cast<float>(got) == static_cast<float>(expected);
      if (!same) {
        ADD_FAILURE() << what << ": bits " << i << " times " << constant << " gave " << got.bits
                      << ", expected " << expected.bits;
        ++reported;
      }
    }
  }
}

TEST(HalfPrecisionJit, ConversionsRoundToNearestEvenOnEveryPattern) {
  Engine host;
  expectConversionsMatch<bfloat16>(host, DType::bf16, "host bf16");
  expectConversionsMatch<float16>(host, DType::f16, "host f16");
}

TEST(HalfPrecisionJit, WithoutF16cTheKernelConvertsInlineAndCallsNoLibrary) {
#if defined(__x86_64__)
  // Baseline x86-64 has no F16C: LLVM would call __extendhfsf2 / __truncsfhf2 (and, without
  // AVX512-BF16, __truncsfbf2 on every target) for the conversions einjit emits itself. The
  // scalar copy once made InstCombine turn a NaN test back into bfloat (x86-64-v3 called
  // __truncsfbf2 for it).
  struct Call {
    std::string expression;
    std::vector<Shape> shapes;
  };
  const std::vector<Call> calls{{"ij,jk->ik", {{5, 7}, {7, 9}}}, {"->", {{}}}, {"i->", {{37}}}};
  for (const char* target : {"x86-64", "x86-64-v3"}) {
    EngineOptions options;
    options.target = target;
    Engine engine(options);
    for (DType dtype : {DType::bf16, DType::f16})
      for (const Call& call : calls) {
        std::string assembly =
            engine.plan(call.expression, call.shapes, dtype).explain(ExplainStage::Assembly);
        for (const char* libcall : {"__extendhfsf2", "__truncsfhf2", "__truncsfbf2"})
          EXPECT_EQ(assembly.find(libcall), std::string::npos)
              << target << " " << dtypeName(dtype) << " " << call.expression << ": " << libcall;
      }
  }
  EngineOptions options;
  options.target = "x86-64";
  Engine baseline(options);
  expectConversionsMatch<bfloat16>(baseline, DType::bf16, "x86-64 bf16");
  expectConversionsMatch<float16>(baseline, DType::f16, "x86-64 f16");
#else
  GTEST_SKIP() << "not an x86-64 host: the no-F16C target x86-64 does not run here";
#endif
}

TEST(HalfPrecisionJit, KernelsRoundOnceAtTheStore) {
  // 256 + 4 x 1 is 260 in bf16 and 2048 + 4 x 1 is 2052 in f16 only when the sum stays f32.
  Engine engine;
  for (auto [dtype, big] : {std::pair{DType::bf16, 256.0}, std::pair{DType::f16, 2048.0}}) {
    Tensor x = tensorOf(dtype, {5}, {big, 1, 1, 1, 1});
    Tensor ones = tensorOf(dtype, {5}, {1, 1, 1, 1, 1});
    EXPECT_EQ(realValuesOf(engine.einsum("i,i->", {x.view(), ones.view()}).view()),
              (std::vector<double>{big + 4}))
        << dtypeName(dtype);
  }
}

TEST(HalfPrecisionJit, PathsKeepTheirTemporariesInF32) {
  // x @ y = [257] * 8 (bf16 would hold 256), then @ 3·I: 771, rounded once to 772; bf16
  // temporaries would give 768. The path (16 + 64 multiply-adds) beats the fused 128.
  Engine engine;
  std::vector<Tensor> chain = chainOf771(DType::bf16);
  const Tensor& x = chain[0];
  const Tensor& y = chain[1];
  const Tensor& z = chain[2];
  Plan plan = engine.plan("ij,jk,kl->il", {{1, 2}, {2, 8}, {8, 8}}, DType::bf16);
  std::string explained = plan.explain(ExplainStage::Path);
  EXPECT_NE(explained.find("(the path runs)"), std::string::npos) << explained;
  EXPECT_NE(explained.find("bf16: the operands widen to f32"), std::string::npos) << explained;
  Tensor out = plan.run({x.view(), y.view(), z.view()});
  EXPECT_EQ(out.dtype(), DType::bf16);
  EXPECT_EQ(realValuesOf(out.view()), std::vector<double>(8, 772.0));
  // alpha and beta on the rounded-once result: 0.5 * 771 + 1 * 2 = 387.5, bf16 388.
  Tensor initial = tensorOf(DType::bf16, {1, 8}, std::vector<double>(8, 2.0));
  plan.run({x.view(), y.view(), z.view()}, initial.view(), RunOptions{.alpha = 0.5, .beta = 1});
  EXPECT_EQ(realValuesOf(initial.view()), std::vector<double>(8, 388.0));
}

/// A call of the strategy tests: its einsum and operand shapes.
struct Shaped {
  std::string spec;
  std::vector<Shape> shapes;
};

/// Engine options forcing `strategy`, without the persistent cache.
EngineOptions forcing(Strategy strategy) {
  EngineOptions options;
  options.strategy = strategy;
  options.persistentCache = false;
  return options;
}

TEST(HalfPrecisionJit, EdgeShapesLayoutsAlphaBetaAndStrategiesMatchTheInterpreter) {
  // m, n, k off every tile size; a batch; transposed operands come from the layouts.
  const std::vector<Shaped> cases{
      {"ik,kj->ij", {{37, 19}, {19, 45}}},  {"ik,kj->ij", {{1, 1}, {1, 1}}},
      {"ik,kj->ij", {{3, 130}, {130, 17}}}, {"bik,bkj->bij", {{3, 9, 11}, {3, 11, 33}}},
      {"ki,kj->ij", {{29, 13}, {29, 31}}},  {"ij,ij->i", {{17, 40}, {17, 40}}},
      {"ik,jk->ij", {{64, 64}, {64, 64}}},
  };
  const Strategy strategies[] = {Strategy::Auto, Strategy::Direct, Strategy::Small,
                                 Strategy::Streaming, Strategy::Packed};
  std::mt19937 rng(20261207);
  for (Strategy strategy : strategies) {
    Engine engine(forcing(strategy));
    for (DType dtype : {DType::bf16, DType::f16})
      for (const Shaped& shaped : cases)
        for (Layout layout : {Layout::Contiguous, Layout::Permuted, Layout::Reversed}) {
          ir::IndexProgram program = programOf(shaped.spec, shaped.shapes, dtype);
          std::string context = shaped.spec + " " + std::string(dtypeName(dtype)) + " " +
                                layoutName(layout) + " strategy " +
                                std::to_string(static_cast<int>(strategy));
          OwnedViews inputs = randomViews(dtype, shaped.shapes, layout, rng);
          const std::vector<TensorView>& views = inputs.views;
          OwnedView initial = randomView(dtype, program.outputShape(), layout, rng);
          OwnedView out = copyOf(initial);
          OwnedView expected = copyOf(initial);
          RunOptions run{.alpha = 0.5, .beta = -2};
          reference::interpret(program, views, expected.view, {run.alpha, run.beta});
          EngineAccess::planProgram(engine, program, false).run(views, out.view, run);
          expectClose(out.view, expected.view, toleranceOf(dtype, false), context);
        }
  }
}

TEST(HalfPrecisionJit, F32OperandsRoundOnceIntoA16BitOutput) {
  // An IndexProgram of f32 operands may declare a bf16 or f16 output (how a 16-bit path's f32
  // result reaches out): every strategy sums in f32 and rounds once as it stores, with alpha
  // and beta; K = 300 takes several packed K blocks, summed in an f32 block.
  const std::vector<Shaped> cases{{"ik,kj->ij", {{37, 300}, {300, 45}}},
                                  {"ij->ji", {{33, 17}}},
                                  {"bik,bkj->bij", {{3, 9, 11}, {3, 11, 33}}}};
  std::mt19937 rng(14);
  for (Strategy strategy :
       {Strategy::Auto, Strategy::Direct, Strategy::Small, Strategy::Streaming, Strategy::Packed}) {
    Engine engine(forcing(strategy));
    for (DType dtype : {DType::bf16, DType::f16})
      for (const Shaped& shaped : cases)
        for (Layout layout : {Layout::Contiguous, Layout::Permuted}) {
          ir::IndexProgram program = programOf(shaped.spec, shaped.shapes, DType::f32);
          program.outputDtype = dtype;
          std::string context = shaped.spec + " f32 -> " + std::string(dtypeName(dtype)) + " " +
                                layoutName(layout) + " strategy " +
                                std::to_string(static_cast<int>(strategy));
          OwnedViews inputs = randomViews(DType::f32, shaped.shapes, layout, rng);
          OwnedView initial = randomView(dtype, program.outputShape(), layout, rng);
          OwnedView out = copyOf(initial);
          OwnedView expected = copyOf(initial);
          RunOptions run{.alpha = 0.5, .beta = -2};
          reference::interpret(program, inputs.views, expected.view, {run.alpha, run.beta});
          EngineAccess::planProgram(engine, program, false).run(inputs.views, out.view, run);
          expectClose(out.view, expected.view, toleranceOf(dtype, false), context);
        }
  }
}

TEST(HalfPrecisionJit, ExplainSaysWhichPathAndWhy) {
  EngineOptions options;
  options.target = "x86-64-v4";
  std::string loops = Engine(options)
                          .plan("ik,kj->ij", {{256, 256}, {256, 256}}, DType::bf16)
                          .explain(ExplainStage::Loops);
  EXPECT_NE(loops.find("dtype bf16: computed in f32, one rounding to nearest even per output "
                       "element; packed panels hold values widened to f32"),
            std::string::npos)
      << loops;
  options.target = "znver4";
  options.strategy = Strategy::Packed;
  std::string forced = Engine(options)
                           .plan("ik,kj->ij", {{256, 256}, {256, 256}}, DType::bf16)
                           .explain(ExplainStage::Loops);
  EXPECT_NE(forced.find("vdpbf16ps"), std::string::npos) << forced;
  EXPECT_NE(forced.find(", panels bf16 pairs"), std::string::npos) << forced;
}

} // namespace
} // namespace einjit::test
