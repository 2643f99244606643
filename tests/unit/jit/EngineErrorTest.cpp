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
  TensorView right(buffer.as<float>() + 24, DType::f32, {2, 3, 5});
  plan.run({left, y.view()}, right);
  Tensor expected = reference::interpret(
      programOf("bik,bkj->bij", {{2, 3, 4}, {2, 4, 5}}, DType::f32), {left, y.view()});
  expectClose(right, expected.view(), 0, "out beside x");
  // One element more and they overlap.
  TensorView touching(buffer.as<float>() + 23, DType::f32, {2, 3, 5});
  expectError(
      [&] {
        plan.run({left, y.view()}, touching);
      },
      ErrorKind::Misuse, {"plan.run: out overlaps input x"});
}

TEST_F(PlanMisuse, OutputOverlappingItself) {
  TensorView broadcast(out.data(), DType::f32, {2, 3, 5}, {15, 0, 1});
  expectError(
      [&] {
        plan.run({x.view(), y.view()}, broadcast);
      },
      ErrorKind::Misuse, {"out.strides[1] is 0 but out.shape[1] is 3"});
  TensorView folded(out.data(), DType::f32, {2, 3, 5}, {15, 2, 1});
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

} // namespace
} // namespace einjit::test
