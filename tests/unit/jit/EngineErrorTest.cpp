// Misuse of a plan is refused with einjit::Error(Misuse) naming the operand, axis and extents;
// front-end errors come through unchanged.
#include "JitTestSupport.h"
#include "TestSupport.h"
#include "engine/EngineImpl.h"
#include "reference/Interpreter.h"

#include <gtest/gtest.h>

namespace einjit::test {
namespace {

class PlanMisuse : public ::testing::Test {
protected:
  Engine engine;
  Plan plan = engine.plan("bik,bkj->bij", {{2, 3, 4}, {2, 4, 5}}, DType::f32);
  Tensor x = arange(DType::f32, {2, 3, 4});
  Tensor y = arange(DType::f32, {2, 4, 5});
  Tensor out = Tensor(DType::f32, {2, 3, 5});
};

TEST_F(PlanMisuse, WrongOperandCount) {
  expectError([&] { plan.run({x.view()}, out.view()); }, ErrorKind::Misuse,
              {"plan.run: the plan takes 2 operands (x, y) but 1 input was passed."});
}

TEST_F(PlanMisuse, WrongRank) {
  Tensor flat = arange(DType::f32, {24});
  expectError(
      [&] {
        plan.run({flat.view(), y.view()}, out.view());
      },
      ErrorKind::Misuse,
      {"x has rank 1 (shape (24,)) but the plan expects rank 3 (shape (2, 3, 4))."});
}

TEST_F(PlanMisuse, WrongExtent) {
  Tensor wide = arange(DType::f32, {2, 6, 5});
  expectError(
      [&] {
        plan.run({x.view(), wide.view()}, out.view());
      },
      ErrorKind::Misuse,
      {"y.shape[1] != 4 (6 != 4): y has shape (2, 6, 5) but the plan expects (2, 4, 5)."});
  Tensor small = Tensor(DType::f32, {2, 3, 4});
  expectError(
      [&] {
        plan.run({x.view(), y.view()}, small.view());
      },
      ErrorKind::Misuse, {"out.shape[2] != 5 (4 != 5)"});
}

TEST_F(PlanMisuse, WrongDtype) {
  Tensor doubles = arange(DType::f64, {2, 3, 4});
  expectError(
      [&] {
        plan.run({doubles.view(), y.view()}, out.view());
      },
      ErrorKind::Misuse, {"x has dtype f64 but the plan computes in f32."});
}

TEST_F(PlanMisuse, NullData) {
  TensorView null(static_cast<void*>(nullptr), DType::f32, {2, 4, 5});
  expectError(
      [&] {
        plan.run({x.view(), null}, out.view());
      },
      ErrorKind::Misuse, {"y has a null data pointer but 40 elements."});
}

TEST_F(PlanMisuse, OutputOverlappingAnInput) {
  Tensor shared = arange(DType::f32, {2, 3, 5});
  TensorView input(shared.data(), DType::f32, {2, 3, 4}, {15, 5, 1});
  expectError(
      [&] {
        plan.run({input, y.view()}, shared.view());
      },
      ErrorKind::Misuse, {"out overlaps input x"});
}

TEST_F(PlanMisuse, OutputSharingABufferWithoutOverlapIsAccepted) {
  // x in the first 24 floats, out in the next 30 of one buffer: no element is shared.
  Tensor buffer = tensorOf(DType::f32, {54}, std::vector<double>(54, 1.0));
  TensorView left(buffer.data(), DType::f32, {2, 3, 4});
  MutableTensorView right(buffer.as<float>() + 24, DType::f32, {2, 3, 5});
  plan.run({left, y.view()}, right);
  Tensor expected = reference::interpret(
      programOf("bik,bkj->bij", {{2, 3, 4}, {2, 4, 5}}, DType::f32), {left, y.view()});
  expectClose(right, expected.view(), 0, "out beside x");
  // One element more and they overlap.
  MutableTensorView touching(buffer.as<float>() + 23, DType::f32, {2, 3, 5});
  expectError(
      [&] {
        plan.run({left, y.view()}, touching);
      },
      ErrorKind::Misuse, {"plan.run: out overlaps input x"});
}

TEST_F(PlanMisuse, OutputOverlappingItself) {
  MutableTensorView broadcast(out.data(), DType::f32, {2, 3, 5}, {15, 0, 1});
  expectError(
      [&] {
        plan.run({x.view(), y.view()}, broadcast);
      },
      ErrorKind::Misuse, {"out.strides[1] is 0 but out.shape[1] is 3"});
  MutableTensorView folded(out.data(), DType::f32, {2, 3, 5}, {15, 2, 1});
  expectError(
      [&] {
        plan.run({x.view(), y.view()}, folded);
      },
      ErrorKind::Misuse, {"out has strides (15, 2, 1) for shape (2, 3, 5)"});
}

TEST_F(PlanMisuse, MisSizedStrideArray) {
  expectError(
      [&] {
        TensorView(x.data(), DType::f32, {2, 3, 4}, {12, 1});
      },
      ErrorKind::Misuse, {"has 2 strides, expected 3"});
}

TEST(EngineErrors, IntegerScalarsMustRound) {
  Engine engine;
  Plan plan = engine.plan("i,i->", {{3}, {3}}, DType::i32);
  Tensor x = arange(DType::i32, {3});
  RunOptions options;
  options.alpha = 1e30;
  expectError(
      [&] {
        plan.run({x.view(), x.view()}, options);
      },
      ErrorKind::Misuse, {"alpha 1000000000000000019884624838656.000000 does not round"});
}

TEST(EngineErrors, EinsumChecksItsOperands) {
  Engine engine;
  Tensor x = arange(DType::f32, {2, 3});
  Tensor y = arange(DType::f64, {3, 4});
  expectError(
      [&] {
        engine.einsum("ij,jk->ik", {x.view(), y.view()});
      },
      ErrorKind::Misuse, {"einsum: operand y has dtype f64 but x has f32"});
  expectError([&] { engine.einsum("ij", {}); }, ErrorKind::Arity, {"einsum: "});
}

TEST(EngineErrors, NormalizeNeedsFloatingPoint) {
  Engine engine;
  ir::IndexProgram program = programOf("ij,ij->i", {{2, 3}, {2, 3}}, DType::i32);
  program.prologues.push_back(ir::Prologue{ir::PrologueKind::Normalize, 0, 1, 1e-7});
  expectError([&] { EngineAccess::planProgram(engine, program, true); }, ErrorKind::Unsupported,
              {"plan: normalize(x, axis=1) needs a floating-point or complex dtype, not i32."});
}

TEST(EngineErrors, LlvmFailuresBecomeErrorsNamingTheStage) {
  Engine engine;
  EngineAccess::target(engine).triple = "nonsense-unknown-nowhere";
  for (int attempt = 1; attempt <= 2; ++attempt) {
    expectError(
        [&] {
          engine.plan("ij,jk->ik", {{2, 3}, {3, 4}}, DType::f32);
        },
        ErrorKind::Internal, {"codegen (target)", "nonsense-unknown-nowhere"});
    // A failure is not cached: the next request tries again and fails the same way.
    EngineStatistics statistics = engine.statistics();
    EXPECT_EQ(statistics.failures, static_cast<std::uint64_t>(attempt));
    EXPECT_EQ(statistics.entries, 0u);
  }
  Tensor x = arange(DType::f64, {2, 3});
  expectError([&] { engine.einsum("ij->j", {x.view()}); }, ErrorKind::Internal,
              {"codegen (target)"});
  // The engine recovers once the target is valid again.
  EngineAccess::target(engine) = codegen::hostTarget();
  EXPECT_EQ(realValuesOf(engine.einsum("ij->j", {x.view()}).view()),
            (std::vector<double>{3, 5, 7}));
}

TEST(EngineErrors, FrontEndErrorsPassThrough) {
  Engine engine;
  try {
    engine.plan("ij,jk->ik", {{2, 3}, {4, 5}}, DType::f32);
    ADD_FAILURE() << "mismatched extents were accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::Shape) << error.what();
  }
}

// ---- resource limits (docs/LIMITS.md) -----------------------------------------------------------

TEST(EngineLimits, EinsumIntoANewTensorLargerThanMemory) {
  // Two stride-0 views of 2^25 elements over one float each: their outer product has 2^50
  // elements (4 PiB). The output is refused by name before any allocation is attempted.
  Engine engine;
  float one = 1;
  TensorView x(&one, DType::f32, {std::int64_t{1} << 25}, {0});
  Error error = expectError(
      [&] {
        engine.einsum("i,j->ij", {x, x});
      },
      ErrorKind::Resource,
      {"plan.run: the output out of shape (33554432, 33554432)",
       "needs 4503599627370496 bytes (4.0 PiB)", "more than this machine's memory"});
  EXPECT_EQ(engine.statistics().misses, 0u); // refused before compiling anything
  expectError(
      [&] {
        engine.call("np.outer(a, b)", {x, x});
      },
      ErrorKind::Resource, {"needs 4503599627370496 bytes"});
}

TEST(EngineLimits, PackedKernelWhoseScratchExceedsMemory) {
  // A 2^48 summed axis of stride-0 views: the packed kernel's offset tables need 16 bytes per
  // index of M, N and K, 4 PiB here, which einjit_rt_scratch refuses without trying. The
  // kernel returns its status; on one thread or on several (each chunk fails on its own
  // thread), the run is a Resource error naming the bytes, never Internal.
  EngineOptions options;
  options.persistentCache = false;
  options.strategy = Strategy::Packed;
  Engine engine(options);
  UnallocatableScratch unallocatable(engine);
  const Plan& plan = unallocatable.plan;
  const TensorView& a = unallocatable.a;
  const TensorView& b = unallocatable.b;
  Tensor out(DType::f32, {4, 64});
  for (int threads : {1, 2}) {
    RunOptions run;
    run.threads = threads;
    expectError(
        [&] {
          plan.run({a, b}, out.view(), run);
        },
        ErrorKind::Resource,
        {"plan.run: out of memory: the packed kernel's scratch buffer of 4503599",
         "bytes (per thread) could not be allocated", "the output was not (completely) written"});
  }
  // The engine itself is fine: a plan that fits runs.
  Tensor small = engine.einsum(
      "ik,kj->ij", {arange(DType::f32, {2, 3}).view(), arange(DType::f32, {3, 2}).view()});
  EXPECT_EQ(realValuesOf(small.view()), (std::vector<double>{10, 13, 28, 40}));
}

TEST(EngineLimits, PlanWhoseOutputCountOverflows) {
  Engine engine;
  std::int64_t huge = std::int64_t{1} << 40;
  expectError(
      [&] {
        engine.plan("i,j->ij", {{huge}, {huge}}, DType::f32);
      },
      ErrorKind::Shape, {"einsum: the output", "64-bit count"});
  expectError(
      [&] {
        engine.plan("ijk->i", {{huge, huge, 16}}, DType::f32);
      },
      ErrorKind::Shape, {"operand", "(1099511627776, 1099511627776, 16)", "64-bit count"});
  expectError(
      [&] {
        engine.planIndexProgram("x: f32[1099511627776]\ny: f32[1099511627776]\n"
                                "out[i,j] = x[i] * y[j]\n");
      },
      ErrorKind::Shape, {"line 3", "out of shape (1099511627776, 1099511627776)"});
}

TEST(EngineLimits, PathTemporaryLargerThanMemory) {
  // A ring of four 2^20 x 2^20 broadcast views: the path (2^61 multiply-adds against the fused
  // nest's 2^80) starts with a temporary of 2^40 elements (8 TiB), refused before the step runs.
  Engine engine;
  double one = 1;
  std::int64_t n = std::int64_t{1} << 20;
  TensorView ring(&one, DType::f64, {n, n}, {0, 0});
  Plan plan = EngineAccess::einsumPlan(engine, "ij,jk,kl,li->", {ring, ring, ring, ring});
  ASSERT_NE(plan.explain(ExplainStage::Path).find("(the path runs)"), std::string::npos);
  expectError(
      [&] {
        plan.run({ring, ring, ring, ring});
      },
      ErrorKind::Resource,
      {"plan.run: the temporary t0 of shape (1048576, 1048576)", "contraction path step 0",
       "needs 8796093022208 bytes (8.0 TiB)"});
}

TEST(EngineLimits, StridesWhoseReachOverflows) {
  Engine engine;
  Plan plan = engine.plan("ij->j", {{4, 2}}, DType::f64);
  double data[8] = {};
  Tensor out(DType::f64, {2});
  // (4 - 1) * 2^62 overflows 64 bits; so does 2^61 elements of 8 bytes.
  TensorView far(data, DType::f64, {4, 2}, {std::int64_t{1} << 62, 1});
  expectError([&] { plan.run({far}, out.view()); }, ErrorKind::Misuse,
              {"x has strides (4611686018427387904, 1) for shape (4, 2)", "axis 0",
               "does not fit in 64 bits"});
  TensorView bytes(data, DType::f64, {4, 2}, {std::int64_t{1} << 61, 1});
  expectError([&] { plan.run({bytes}, out.view()); }, ErrorKind::Misuse, {"64 bits"});
  TensorView negative(data, DType::f64, {4, 2}, {-(std::int64_t{1} << 62), 1});
  expectError([&] { plan.run({negative}, out.view()); }, ErrorKind::Misuse, {"64 bits"});
  MutableTensorView farOut(data, DType::f64, {2}, {std::int64_t{1} << 62});
  Tensor x = arange(DType::f64, {4, 2});
  expectError([&] { plan.run({x.view()}, farOut); }, ErrorKind::Misuse,
              {"out has strides (4611686018427387904,)"});
}

TEST(EngineLimits, SixtyOperandPathSearchIsGreedyAndQuick) {
  // A chain of 60 matrices x0[a0,a1] x1[a1,a2] ...: the exact search would visit 3^60 splits;
  // the greedy one prices 60^3 / 6 pairs and finds the chain's linear path.
  ir::IndexProgram program;
  program.dtype = DType::f64;
  const std::size_t count = 60;
  for (std::size_t t = 0; t < count; ++t)
    program.operands.push_back(ir::Operand{
        "x" + std::to_string(t),
        {2, 2},
        {ir::Index::of("a" + std::to_string(t)), ir::Index::of("a" + std::to_string(t + 1))},
        false});
  program.output = {ir::Index::of("a0"), ir::Index::of("a" + std::to_string(count))};
  ir::verify(program);
  passes::ContractionPath path = passes::choosePath(program);
  ASSERT_EQ(path.steps.size(), count - 1);
  // Each step multiplies two 2x2 matrices: 8 multiply-adds.
  for (const passes::PathStep& step : path.steps)
    EXPECT_EQ(step.multiplyAdds, 8);
  EXPECT_EQ(path.multiplyAdds, static_cast<std::int64_t>(8 * (count - 1)));
  EXPECT_TRUE(path.beatsFused());

  // And the plan runs: the product of 60 copies of [[1, 1], [0, 1]] is [[1, 60], [0, 1]].
  Engine engine;
  std::vector<Tensor> tensors;
  std::vector<TensorView> views;
  Plan plan = EngineAccess::planProgram(engine, program, false);
  for (std::size_t t = 0; t < count; ++t) {
    tensors.push_back(tensorOf(DType::f64, {2, 2}, {1, 1, 0, 1}));
    views.push_back(tensors.back().view());
  }
  EXPECT_EQ(realValuesOf(plan.run(views).view()), (std::vector<double>{1, 60, 0, 1}));
}

TEST(EngineLimits, PathSearchRefusesMoreOperandsThanTheLimit) {
  ir::IndexProgram program;
  for (std::size_t t = 0; t <= limits::maxOperands; ++t)
    program.operands.push_back(
        ir::Operand{"x" + std::to_string(t), {2}, {ir::Index::of("i")}, false});
  expectError([&] { passes::choosePath(program); }, ErrorKind::Resource,
              {"contraction path: 65 operands, more than the limit 64"});
}

} // namespace
} // namespace einjit::test
