// Contraction paths for 3+ operands (passes::choosePath, the engine running a path, the Path
// stage of Plan::explain) and the cached Engine::einsum.
#include "JitTestSupport.h"
#include "TestSupport.h"
#include "engine/EngineImpl.h"
#include "reference/Interpreter.h"

#include <gtest/gtest.h>

#include <thread>

namespace einjit::test {
namespace {

TEST(ChoosePath, ChainContractsTheSmallPairFirst) {
  // S9: one fused nest does 1024*16*1024*16 iterations of two multiplies each.
  ir::IndexProgram program =
      programOf("ij,jk,kl->il", {{1024, 16}, {16, 1024}, {1024, 16}}, DType::f32);
  passes::ContractionPath path = passes::choosePath(program);
  EXPECT_EQ(stepTexts(path), (std::vector<std::string>{"t0[j,l] = sum_k y[j,k] * z[k,l]",
                                                       "out[i,l] = sum_j x[i,j] * t0[j,l]"}));
  ASSERT_EQ(path.steps.size(), 2u);
  EXPECT_EQ(path.steps[0].multiplyAdds, 16 * 1024 * 16);
  EXPECT_EQ(path.steps[1].multiplyAdds, 1024 * 16 * 16);
  EXPECT_EQ(path.multiplyAdds, 524288);
  EXPECT_EQ(path.fusedMultiplyAdds, std::int64_t{1024} * 16 * 1024 * 16 * 2);
  EXPECT_TRUE(path.beatsFused());
  EXPECT_EQ(path.steps[0].reads, (std::vector<std::size_t>{1, 2}));
  EXPECT_EQ(path.steps[1].reads, (std::vector<std::size_t>{0, 3}));
  EXPECT_EQ(path.steps[0].program.outputShape(), (Shape{16, 16}));
}

TEST(ChoosePath, BilinearFormGoesThroughAMatrixProduct) {
  // S8: x·A then a row-wise dot costs b*i*j + b*j, half of the fused nest's 2*b*i*j.
  ir::IndexProgram program =
      programOf("bi,ij,bj->b", {{4096, 256}, {256, 256}, {4096, 256}}, DType::f32);
  passes::ContractionPath path = passes::choosePath(program);
  EXPECT_EQ(stepTexts(path), (std::vector<std::string>{"t0[b,j] = sum_i x[b,i] * y[i,j]",
                                                       "out[b] = sum_j t0[b,j] * z[b,j]"}));
  EXPECT_EQ(path.multiplyAdds, std::int64_t{4096} * 256 * 256 + 4096 * 256);
  EXPECT_EQ(path.fusedMultiplyAdds, std::int64_t{4096} * 256 * 256 * 2);
  EXPECT_TRUE(path.beatsFused());
}

TEST(ChoosePath, ChoosesABroadcastProductWhenItIsCheapest) {
  // a=b=4, c=64: the outer product x⊗y (16) then one pass over z (1024) beats either pair
  // with z first (1024 + 256).
  ir::IndexProgram program = programOf("a,b,abc->c", {{4}, {4}, {4, 4, 64}}, DType::f64);
  passes::ContractionPath path = passes::choosePath(program);
  EXPECT_EQ(stepTexts(path), (std::vector<std::string>{"t0[a,b] = x[a] * y[b]",
                                                       "out[c] = sum_{a,b} t0[a,b] * z[a,b,c]"}));
  EXPECT_EQ(path.multiplyAdds, 16 + 1024);
  EXPECT_EQ(path.fusedMultiplyAdds, 2048);
}

TEST(ChoosePath, ALastStepThatSumsNothingReadsItsOperandInTheOutputsOrder) {
  // Performer's linear attention: the product, then a scaling by a row norm. The product's
  // temporary takes the output's order (b,h,n,e), not its operands' (b,h,e,n), so the scaling
  // runs element by element, not as a transpose.
  ir::IndexProgram performer = programOf(
      "bhde,bhnd,bhn->bhne", {{1, 8, 266, 64}, {1, 8, 1024, 266}, {1, 8, 1024}}, DType::f32);
  EXPECT_EQ(stepTexts(passes::choosePath(performer)),
            (std::vector<std::string>{"t0[b,h,n,e] = sum_d x[b,h,d,e] * y[b,h,n,d]",
                                      "out[b,h,n,e] = t0[b,h,n,e] * z[b,h,n]"}));
  // A last step that sums keeps its operands' order: the chain's t0[j,l] above.
}

TEST(ChoosePath, KeepsTheFusedNestWhenNothingIsSaved) {
  // Three vectors over one label: every pair costs as much as the fused nest's rows.
  ir::IndexProgram program = programOf("i,i,i->i", {{8}, {8}, {8}}, DType::f32);
  passes::ContractionPath path = passes::choosePath(program);
  EXPECT_EQ(path.multiplyAdds, 16);
  EXPECT_EQ(path.fusedMultiplyAdds, 16);
  EXPECT_FALSE(path.beatsFused());
  EXPECT_TRUE(
      passes::choosePath(programOf("ij,jk->ik", {{2, 3}, {3, 4}}, DType::f32)).steps.empty());
}

TEST(ChoosePath, KeepsConjAndLiteralZeroOnTheirOperands) {
  ir::IndexProgram program = programOf("0j,jk,kl->l", {{1, 3}, {3, 5}, {5, 2}}, DType::c64, {1});
  passes::ContractionPath path = passes::choosePath(program);
  EXPECT_EQ(stepTexts(path), (std::vector<std::string>{"t0[k] = sum_j x[0,j] * conj(y[j,k])",
                                                       "out[l] = sum_k t0[k] * z[k,l]"}));
}

TEST(ChoosePath, TemporariesAvoidOperandNames) {
  ir::IndexProgram program = programOf("ij,jk,kl->il", {{8, 2}, {2, 8}, {8, 2}}, DType::f32);
  program.operands[0].name = "t0";
  program.operands[1].name = "_t0";
  passes::ContractionPath path = passes::choosePath(program);
  EXPECT_EQ(stepTexts(path), (std::vector<std::string>{"__t0[j,l] = sum_k _t0[j,k] * z[k,l]",
                                                       "out[i,l] = sum_j t0[i,j] * __t0[j,l]"}));
}

TEST(ChoosePath, GreedyBeyondEightOperands) {
  std::vector<Shape> shapes(9, Shape{3, 3});
  ir::IndexProgram program = programOf("ab,bc,cd,de,ef,fg,gh,hi,ij->aj", shapes, DType::f64);
  passes::ContractionPath path = passes::choosePath(program);
  ASSERT_EQ(path.steps.size(), 8u);
  // Every step of a chain of 3x3 matrices is a 3x3x3 product.
  EXPECT_EQ(path.multiplyAdds, 8 * 27);
  EXPECT_TRUE(path.beatsFused());
}

/// Runs `program` as a plan and through the interpreter on views of `layout`; expects equal
/// values and (when `expectPath`) that the plan runs a path.
void expectPathMatchesReference(const ir::IndexProgram& program, Layout layout,
                                const RunOptions& options = {}, bool expectPath = true,
                                const EngineOptions& engineOptions = {}) {
  Engine engine(engineOptions);
  std::mt19937 rng(7);
  std::vector<OwnedView> inputs;
  std::vector<TensorView> views;
  for (const ir::Operand& operand : program.operands) {
    inputs.push_back(randomView(program.dtype, operand.shape, layout, rng));
    views.push_back(inputs.back().view);
  }
  bool readsOutput = options.beta != std::complex<double>(0, 0);
  OwnedView out = randomView(program.dtype, program.outputShape(), layout, rng, !readsOutput);
  OwnedView expected = copyOf(out);
  Plan plan = EngineAccess::planProgram(engine, program, false);
  EXPECT_EQ(plan.explain(ExplainStage::Path).find("(the path runs)") != std::string::npos,
            expectPath)
      << plan.explain(ExplainStage::Path);
  plan.run(views, out.view, options);
  reference::interpret(program, views, expected.view, {options.alpha, options.beta});
  expectClose(out.view, expected.view, toleranceOf(program.dtype, !program.prologues.empty()),
              toString(program) + " " + layoutName(layout));
}

TEST(PathRun, ThreeToSixOperandsMatchTheReference) {
  for (Layout layout : {Layout::Contiguous, Layout::Permuted, Layout::Reversed}) {
    expectPathMatchesReference(programOf("ij,jk,kl->il", {{5, 3}, {3, 7}, {7, 2}}, DType::f64),
                               layout);
    expectPathMatchesReference(
        programOf("ab,bc,cd,de->ae", {{6, 2}, {2, 7}, {7, 3}, {3, 5}}, DType::f32), layout);
    expectPathMatchesReference(
        programOf("abc,cd,de,ef,fa->b", {{3, 4, 5}, {5, 6}, {6, 2}, {2, 7}, {7, 3}}, DType::i64),
        layout);
    expectPathMatchesReference(programOf("ab,bc,cd,de,ef,fg->ag",
                                         {{4, 3}, {3, 5}, {5, 2}, {2, 6}, {6, 3}, {3, 4}},
                                         DType::f64),
                               layout);
  }
}

TEST(PathRun, BroadcastConjDiagonalAndScalingMatchTheReference) {
  expectPathMatchesReference(programOf("a,b,abc->c", {{4}, {4}, {4, 4, 64}}, DType::f64),
                             Layout::Padded);
  expectPathMatchesReference(
      programOf("0j,jk,kl->l", {{1, 3}, {3, 5}, {5, 2}}, DType::c128, {1, 2}), Layout::Permuted);
  expectPathMatchesReference(programOf("ii,ij,jk->k", {{4, 4}, {4, 5}, {5, 3}}, DType::f32),
                             Layout::Contiguous);
  RunOptions scaled;
  scaled.alpha = {2.0, -1.0};
  scaled.beta = {0.5, 0.25};
  expectPathMatchesReference(programOf("ij,jk,kl->il", {{5, 3}, {3, 7}, {7, 2}}, DType::c64, {0}),
                             Layout::Contiguous, scaled);
  RunOptions integerScaled;
  integerScaled.alpha = 3.0;
  integerScaled.beta = -2.0;
  expectPathMatchesReference(programOf("ij,jk,kl->il", {{5, 3}, {3, 7}, {7, 2}}, DType::i32),
                             Layout::Padded, integerScaled);
  // Fused: one label, nothing to save.
  expectPathMatchesReference(programOf("i,i,i->i", {{8}, {8}, {8}}, DType::f32), Layout::Contiguous,
                             {}, false);
}

TEST(PathRun, ProloguesApplyBeforeThePath) {
  ir::IndexProgram program = programOf("ij,jk,kl->il", {{5, 3}, {3, 7}, {7, 2}}, DType::f64);
  program.prologues.push_back(ir::Prologue{ir::PrologueKind::Normalize, 1, 0, 1e-7});
  expectPathMatchesReference(program, Layout::Permuted);
}

TEST(PathRun, ExtentGenericKernelsMatchTheReference) {
  EngineOptions generic;
  generic.constantExtents = false;
  expectPathMatchesReference(
      programOf("ab,bc,cd,de->ae", {{6, 2}, {2, 7}, {7, 3}, {3, 5}}, DType::f32), Layout::Padded,
      {}, true, generic);
}

TEST(PathRun, GreedyPathMatchesTheReference) {
  std::vector<Shape> shapes(9, Shape{3, 3});
  expectPathMatchesReference(programOf("ab,bc,cd,de,ef,fg,gh,hi,ij->aj", shapes, DType::f64),
                             Layout::Contiguous);
}

TEST(PathRun, PathAndFusedEnginesAgree) {
  EngineOptions fusedOptions;
  fusedOptions.contractionPaths = false;
  Engine fused(fusedOptions);
  Engine paths;
  Tensor x = arange(DType::f64, {6, 4});
  Tensor y = arange(DType::f64, {4, 9}, -10);
  Tensor z = arange(DType::f64, {9, 3}, 1);
  std::vector<TensorView> inputs{x.view(), y.view(), z.view()};
  Plan fusedPlan = fused.plan("ij,jk,kl->il", {{6, 4}, {4, 9}, {9, 3}}, DType::f64);
  Plan pathPlan = paths.plan("ij,jk,kl->il", {{6, 4}, {4, 9}, {9, 3}}, DType::f64);
  EXPECT_EQ(fusedPlan.explain(ExplainStage::Path), fusedPlan.explain(ExplainStage::Index));
  EXPECT_EQ(realValuesOf(pathPlan.run(inputs).view()), realValuesOf(fusedPlan.run(inputs).view()));
  EXPECT_EQ(fused.statistics().misses, 1u);
  EXPECT_EQ(paths.statistics().misses, 2u); // one kernel per step
}

TEST(PathRun, ALastStepInTheOutputsOrderMatchesTheReference) {
  for (Layout layout : {Layout::Contiguous, Layout::Permuted})
    expectPathMatchesReference(
        programOf("bhde,bhnd,bhn->bhne", {{2, 3, 7, 5}, {2, 3, 11, 7}, {2, 3, 11}}, DType::f32),
        layout);
}

TEST(PathExplain, ShowsTheStepsTheirCostsAndTheFusedCount) {
  Engine engine;
  Plan plan = engine.plan("ij,jk,kl->il", {{1024, 16}, {16, 1024}, {1024, 16}}, DType::f32);
  std::string index = plan.explain(ExplainStage::Index);
  std::string path = plan.explain(ExplainStage::Path);
  EXPECT_EQ(path.rfind(index, 0), 0u);
  EXPECT_EQ(path.substr(index.size()),
            "path (3 operands):\n"
            "  t0[j,l] = sum_k y[j,k] * z[k,l]   262144 multiply-adds\n"
            "  out[i,l] = sum_j x[i,j] * t0[j,l]   262144 multiply-adds\n"
            "  total 524288 multiply-adds; fused nest 536870912 (the path runs)\n");
  std::string loops = plan.explain(ExplainStage::Loops);
  EXPECT_EQ(loops.rfind(path, 0), 0u);
  EXPECT_NE(loops.find("-- step 0: t0[j,l] = sum_k y[j,k] * z[k,l]\nloop nest f32"),
            std::string::npos)
      << loops;
  EXPECT_NE(loops.find("-- step 1: out[i,l] = sum_j x[i,j] * t0[j,l]\nloop nest f32"),
            std::string::npos)
      << loops;
  std::string llvm = plan.explain(ExplainStage::LLVM);
  std::size_t first = llvm.find("define i32 @einjit_kernel(");
  ASSERT_NE(first, std::string::npos);
  EXPECT_NE(llvm.find("define i32 @einjit_kernel(", first + 1), std::string::npos);
  // Two operands have no path section.
  Plan pair = engine.plan("ij,jk->ik", {{2, 3}, {3, 4}}, DType::f32);
  EXPECT_EQ(pair.explain(ExplainStage::Path), pair.explain(ExplainStage::Index));
}

TEST(CachedEinsum, RepeatedCallsCompileNothingNew) {
  Engine engine;
  Tensor x = arange(DType::f32, {2, 2, 2});
  Tensor y = arange(DType::f32, {2, 2, 2}, 1);
  Tensor first = engine.einsum("bik,bjk->bij", {x.view(), y.view()});
  EngineStatistics afterFirst = engine.statistics();
  EXPECT_EQ(afterFirst.misses, 1u);
  // b=0: [[0,1],[2,3]]·[[1,2],[3,4]]ᵀ; b=1: [[4,5],[6,7]]·[[5,6],[7,8]]ᵀ.
  std::vector<double> expected{2, 4, 8, 18, 50, 68, 72, 98};
  EXPECT_EQ(realValuesOf(first.view()), expected);
  Tensor out(DType::f32, {2, 2, 2});
  for (int i = 0; i < 5; ++i) {
    engine.einsum("bik,bjk->bij", {x.view(), y.view()}, out.view());
    EXPECT_EQ(realValuesOf(out.view()), expected);
  }
  EXPECT_EQ(engine.statistics().misses, afterFirst.misses);
  EXPECT_EQ(engine.statistics().hits, afterFirst.hits);
  // A new shape is a new plan; a transposed view a new kernel of the same plan.
  Tensor z = arange(DType::f32, {3, 2, 2});
  engine.einsum("bik,bjk->bij", {z.view(), z.view()});
  EXPECT_EQ(engine.statistics().misses, afterFirst.misses + 1);
  TensorView transposed(y.view().data(), DType::f32, {2, 2, 2}, {4, 1, 2});
  Tensor viaTransposed = engine.einsum("bik,bjk->bij", {x.view(), transposed});
  Tensor ofTranspose = engine.einsum("bik,bkj->bij", {x.view(), y.view()});
  EXPECT_EQ(realValuesOf(viaTransposed.view()), realValuesOf(ofTranspose.view()));
}

TEST(CachedEinsum, ThreeOperandsMatchTheReferenceAndStayCached) {
  Engine engine;
  Tensor x = arange(DType::f64, {5, 3});
  Tensor y = arange(DType::f64, {3, 7}, -4);
  Tensor z = arange(DType::f64, {7, 2}, 2);
  std::vector<TensorView> inputs{x.view(), y.view(), z.view()};
  ir::IndexProgram program = programOf("ij,jk,kl->il", {{5, 3}, {3, 7}, {7, 2}}, DType::f64);
  Tensor expected = reference::interpret(program, inputs);
  EXPECT_EQ(realValuesOf(engine.einsum("ij,jk,kl->il", inputs).view()),
            realValuesOf(expected.view()));
  std::uint64_t misses = engine.statistics().misses;
  EXPECT_EQ(misses, 2u);
  EXPECT_EQ(realValuesOf(engine.einsum("ij,jk,kl->il", inputs).view()),
            realValuesOf(expected.view()));
  EXPECT_EQ(engine.statistics().misses, misses);
}

TEST(CachedEinsum, ServesManyThreadsAndStaysWithinItsCapacity) {
  // Four shapes through a cache of two plans: evictions and re-plans race with runs.
  EngineOptions options;
  options.cacheCapacity = 2;
  Engine engine(options);
  std::vector<std::vector<Tensor>> operands;
  std::vector<std::vector<double>> expected;
  for (std::int64_t n = 1; n <= 4; ++n) {
    std::vector<Tensor> tensors;
    tensors.push_back(arange(DType::f64, {n, 3}));
    tensors.push_back(arange(DType::f64, {3, n}, -2));
    tensors.push_back(arange(DType::f64, {n, n}, 1));
    ir::IndexProgram program = programOf("ij,jk,ki->i", {{n, 3}, {3, n}, {n, n}}, DType::f64);
    Tensor result =
        reference::interpret(program, {tensors[0].view(), tensors[1].view(), tensors[2].view()});
    expected.push_back(realValuesOf(result.view()));
    operands.push_back(std::move(tensors));
  }
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (std::size_t thread = 0; thread < 4; ++thread)
    threads.emplace_back([&, thread] {
      for (std::size_t i = 0; i < 40; ++i) {
        const std::vector<Tensor>& call = operands[(thread + i) % 4];
        Tensor result =
            engine.einsum("ij,jk,ki->i", {call[0].view(), call[1].view(), call[2].view()});
        if (realValuesOf(result.view()) != expected[(thread + i) % 4])
          ++wrong[thread];
      }
    });
  for (std::thread& thread : threads)
    thread.join();
  EXPECT_EQ(wrong, (std::vector<int>(4, 0)));
}

TEST(CachedEinsum, ErrorsStillComeFromTheFrontEndAndTheRunChecks) {
  Engine engine;
  Tensor x = arange(DType::f32, {2, 3});
  Tensor wide = arange(DType::f64, {3, 4});
  expectError(
      [&] {
        engine.einsum("ij,jk->ik", {x.view(), wide.view()});
      },
      ErrorKind::Misuse, {"einsum: operand", "f64", "does not promote"});
  expectError([&] { engine.einsum("ij,jk->ik", {}); }, ErrorKind::Arity, {"einsum:"});
  Tensor y = arange(DType::f32, {3, 4});
  engine.einsum("ij,jk->ik", {x.view(), y.view()});
  Tensor badOut(DType::f32, {2, 5});
  expectError(
      [&] {
        engine.einsum("ij,jk->ik", {x.view(), y.view()}, badOut.view());
      },
      ErrorKind::Misuse, {"out"});
  // The same bad call fails the same way twice: errors are not cached as plans.
  for (int i = 0; i < 2; ++i)
    expectError(
        [&] {
          engine.einsum("ij,jj->ik", {x.view(), y.view()});
        },
        ErrorKind::Syntax, {"einsum:", "'k' which never appeared"});
}

} // namespace
} // namespace einjit::test
