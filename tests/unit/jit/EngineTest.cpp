// The Engine API end to end: plans from einsum strings, calls and IndexPrograms run through the
// JIT and agree with the reference interpreter; the cache hits across renamings, operand orders
// and threads, evicts, and serves extent-generic kernels.
#include "JitTestSupport.h"
#include "TestSupport.h"
#include "engine/EngineImpl.h"
#include "reference/Interpreter.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace einjit::test {
namespace {

/// Runs `program` through the JIT and the interpreter on fresh random views and compares.
void expectMatchesReference(Engine& engine, const ir::IndexProgram& program,
                            const std::vector<Layout>& layouts, Layout outputLayout,
                            const RunOptions& options = {}) {
  std::mt19937 rng(1);
  std::vector<OwnedView> inputs;
  std::vector<TensorView> views;
  for (std::size_t t = 0; t < program.operands.size(); ++t) {
    inputs.push_back(randomView(program.dtype, program.operands[t].shape, layouts.at(t), rng));
    views.push_back(inputs.back().view);
  }
  bool readsOutput = options.beta != std::complex<double>(0, 0);
  OwnedView out = randomView(program.dtype, program.outputShape(), outputLayout, rng, !readsOutput);
  OwnedView expected = copyOf(out);
  Plan plan = EngineAccess::planProgram(engine, program, false);
  plan.run(views, out.view, options);
  reference::interpret(program, views, expected.view, {options.alpha, options.beta});
  expectClose(out.view, expected.view, toleranceOf(program.dtype, !program.prologues.empty()),
              toString(program));
}

TEST(Engine, GemmWithPrimeExtentsMatchesReference) {
  Engine engine;
  for (DType dtype : {DType::f32, DType::f64, DType::i32, DType::i64, DType::c64, DType::c128,
                      DType::bf16, DType::f16})
    expectMatchesReference(engine, programOf("ik,kj->ij", {{37, 41}, {41, 43}}, dtype),
                           {Layout::Contiguous, Layout::Contiguous}, Layout::Contiguous);
}

TEST(Engine, ZeroExtentsInSeveralSummedLabelsPlanAndRun) {
  // Two summed labels of extent 0: the small strategy's full unroll multiplies their trips (a
  // division by the first, 0, once crashed the process with SIGFPE).
  Engine engine;
  for (const char* subscripts : {"abcd,dbef->acef", "bij,bjk->bik", "ij,jk,kl->il"})
    for (std::int64_t extent : {0, 1})
      for (DType dtype : {DType::f32, DType::f64, DType::bf16}) {
        // One shape per operand of the subscripts ("abcd,dbef->..."), every extent `extent`.
        std::string inputs(subscripts);
        inputs = inputs.substr(0, inputs.find("->")) + ",";
        std::vector<Shape> shapes;
        for (std::size_t at = 0, comma; (comma = inputs.find(',', at)) != std::string::npos;
             at = comma + 1)
          shapes.push_back(Shape(comma - at, extent));
        // Engine::plan compiles the contiguous kernel now, even for an empty output.
        Plan plan = engine.plan(subscripts, shapes, dtype);
        EXPECT_EQ(plan.outputShape().size(),
                  std::string(subscripts).size() - std::string(subscripts).find("->") - 2);
        expectMatchesReference(engine, programOf(subscripts, shapes, dtype),
                               std::vector<Layout>(shapes.size(), Layout::Contiguous),
                               Layout::Contiguous);
      }
}

TEST(Engine, StridedViewsCompileTheirOwnKernel) {
  Engine engine;
  ir::IndexProgram program = programOf("bik,bkj->bij", {{3, 17, 9}, {3, 9, 23}}, DType::f32);
  expectMatchesReference(engine, program, {Layout::Permuted, Layout::Reversed}, Layout::Padded);
  expectMatchesReference(engine, program, {Layout::Broadcast, Layout::Contiguous},
                         Layout::Permuted);
  EXPECT_EQ(engine.statistics().misses, 2u);
}

TEST(Engine, AlphaAndBetaScaleAndAccumulate) {
  Engine engine;
  ir::IndexProgram program = programOf("ij,j->i", {{5, 7}, {7}}, DType::f64);
  RunOptions options;
  options.alpha = 2.0;
  options.beta = -0.5;
  expectMatchesReference(engine, program, {Layout::Contiguous, Layout::Contiguous},
                         Layout::Contiguous, options);
  ir::IndexProgram complexProgram = programOf("ij,jk->ik", {{3, 4}, {4, 5}}, DType::c128, {1});
  options.alpha = {0.5, -1.0};
  options.beta = {1.0, 2.0};
  expectMatchesReference(engine, complexProgram, {Layout::Contiguous, Layout::Permuted},
                         Layout::Contiguous, options);
}

TEST(Engine, EinsumOneShotUsesTheFrontEnd) {
  Engine engine;
  Tensor x = arange(DType::f32, {2, 3, 4});
  Tensor y = arange(DType::f32, {2, 5, 4}, 1);
  Tensor out = engine.einsum("bik,bjk->bij", {x.view(), y.view()});
  EXPECT_EQ(out.shape(), (Shape{2, 3, 5}));
  Tensor expected = reference::interpret(
      programOf("bik,bjk->bij", {{2, 3, 4}, {2, 5, 4}}, DType::f32), {x.view(), y.view()});
  expectClose(out.view(), expected.view(), 0, "bik,bjk->bij");
  // numpy's values for the first entries: sum_k x[0,0,k] * y[0,j,k].
  EXPECT_EQ(realValuesOf(out.view())[0], 0 * 1 + 1 * 2 + 2 * 3 + 3 * 4);
  Tensor trace = engine.einsum("ii", {arange(DType::i64, {4, 4}).view()});
  EXPECT_EQ(realValuesOf(trace.view()), (std::vector<double>{0 + 5 + 10 + 15}));
}

TEST(Engine, CallOneShotTakesAnyFrontEndCallAndCachesItsPlan) {
  Engine engine;
  // SEMANTICS.md §10(d): dot([x1, x2], axes=(2, 1)) on arange(16).reshape(2, 2, 4) and
  // [[1, 2, 3, 4], [1, 2, 3, 4]] gives [[20, 60], [100, 140]].
  Tensor x1 = arange(DType::f32, {2, 2, 4});
  Tensor x2 = tensorOf(DType::f32, {2, 4}, {1, 2, 3, 4, 1, 2, 3, 4});
  Tensor out = engine.call("keras.layers.dot([x1, x2], axes=(2, 1))", {x1.view(), x2.view()});
  EXPECT_EQ(out.shape(), (Shape{2, 2}));
  EXPECT_EQ(realValuesOf(out.view()), (std::vector<double>{20, 60, 100, 140}));

  // The current K.batch_dot semantics (§8.3), into a caller's view, with alpha.
  Tensor x = arange(DType::f64, {2, 3, 4});
  Tensor y = arange(DType::f64, {2, 4, 5}, 1);
  Tensor result(DType::f64, {2, 3, 5});
  engine.call("K.batch_dot(x, y, axes=[2, 1])", {x.view(), y.view()}, result.view(),
              {.alpha = 2.0});
  Tensor expected =
      reference::interpret(programOf("bik,bkj->bij", {{2, 3, 4}, {2, 4, 5}}, DType::f64),
                           {x.view(), y.view()}, {.alpha = 2.0});
  expectClose(result.view(), expected.view(), 0, "K.batch_dot");

  // A repeated call compiles nothing new; a name used twice binds one view.
  std::uint64_t misses = engine.statistics().misses;
  engine.call("K.batch_dot(x, y, axes=[2, 1])", {x.view(), y.view()}, result.view());
  EXPECT_EQ(engine.statistics().misses, misses);
  Tensor square = engine.call("a @ a", {arange(DType::i64, {2, 2}).view()});
  EXPECT_EQ(realValuesOf(square.view()), (std::vector<double>{2, 3, 6, 11}));

  test::expectError([&] { engine.call("np.dot(a, b)", {x.view()}); }, ErrorKind::Arity,
                    {"takes 2 operands (a, b) but 1 shape was given"});
  test::expectError([&] { engine.call("np.dot(a, b)", {}); }, ErrorKind::Arity,
                    {"np.dot(a, b): at least one operand is needed"});
}

TEST(Engine, PlansFromCallTextAndIndexPrograms) {
  Engine engine;
  // SEMANTICS.md §9.4: Dot(axes=1, normalize=True) on x=[[1,2,2],[0,3,4]], y=[[2,0,0],[0,0,5]].
  Plan cosine =
      engine.plan("keras.layers.Dot(axes=1, normalize=True)([x, y])", {{2, 3}, {2, 3}}, DType::f32);
  EXPECT_EQ(cosine.outputShape(), (Shape{2, 1}));
  Tensor x = tensorOf(DType::f32, {2, 3}, {1, 2, 2, 0, 3, 4});
  Tensor y = tensorOf(DType::f32, {2, 3}, {2, 0, 0, 0, 0, 5});
  std::vector<double> values = realValuesOf(cosine.run({x.view(), y.view()}).view());
  ASSERT_EQ(values.size(), 2u);
  EXPECT_NEAR(values[0], 1.0 / 3.0, 1e-6);
  EXPECT_NEAR(values[1], 0.8, 1e-6);
  // np.outer ravels both operands.
  Plan outer = engine.plan("np.outer(a, b)", {{2, 2}, {3}}, DType::i32);
  Tensor a = arange(DType::i32, {2, 2}, 1);
  Tensor b = arange(DType::i32, {3}, 1);
  EXPECT_EQ(realValuesOf(outer.run({a.view(), b.view()}).view()),
            (std::vector<double>{1, 2, 3, 2, 4, 6, 3, 6, 9, 4, 8, 12}));
  Plan fromText = engine.planIndexProgram("x: f64[2,3]\ny: f64[3]\nout[i] = sum_j x[i,j] * y[j]\n");
  EXPECT_EQ(
      realValuesOf(
          fromText.run({arange(DType::f64, {2, 3}).view(), arange(DType::f64, {3}).view()}).view()),
      (std::vector<double>{5, 14}));
}

TEST(Engine, ANameUsedTwiceIsOneInput) {
  Engine engine;
  Plan square = engine.plan("a @ a", {{3, 3}}, DType::f64);
  Tensor a = arange(DType::f64, {3, 3});
  Tensor expected = reference::interpret(programOf("ij,jk->ik", {{3, 3}, {3, 3}}, DType::f64),
                                         {a.view(), a.view()});
  expectClose(square.run({a.view()}).view(), expected.view(), 0, "a @ a");
  expectError(
      [&] {
        square.run({a.view(), a.view()});
      },
      ErrorKind::Misuse, {"plan.run: the plan takes 1 operand (a) but 2 inputs were passed."});
}

TEST(Engine, RenamedLabelsAndSwappedOperandsHitTheCache) {
  Engine engine;
  engine.plan("ik,kj->ij", {{8, 9}, {9, 10}}, DType::f32);
  engine.plan("ab,bc->ac", {{8, 9}, {9, 10}}, DType::f32);
  engine.plan("kj,ik->ij", {{9, 10}, {8, 9}}, DType::f32);
  EngineStatistics statistics = engine.statistics();
  EXPECT_EQ(statistics.misses, 1u);
  EXPECT_EQ(statistics.hits, 2u);
  // The swapped plan runs with its own operand order.
  Plan swapped = engine.plan("kj,ik->ij", {{9, 10}, {8, 9}}, DType::f32);
  Tensor y = arange(DType::f32, {9, 10});
  Tensor x = arange(DType::f32, {8, 9}, -20);
  Tensor expected = reference::interpret(programOf("kj,ik->ij", {{9, 10}, {8, 9}}, DType::f32),
                                         {y.view(), x.view()});
  expectClose(swapped.run({y.view(), x.view()}).view(), expected.view(), 0, "kj,ik->ij");
}

TEST(Engine, EightThreadsPlanningOneContractionCompileOnce) {
  Engine engine;
  ir::IndexProgram program = programOf("bik,bkj->bij", {{4, 32, 32}, {4, 32, 32}}, DType::f32);
  // Small integers, so that every order of summation gives the exact result.
  std::mt19937 rng(8);
  OwnedView x = randomView(DType::f32, {4, 32, 32}, Layout::Contiguous, rng);
  OwnedView yStorage = randomView(DType::f32, {4, 32, 32}, Layout::Contiguous, rng);
  // y read through a transposed view: a second stride class, so a second kernel.
  TensorView y(yStorage.view.data(), DType::f32, {4, 32, 32}, {1024, 1, 32});
  Tensor expected = reference::interpret(program, {x.view, y});
  std::vector<Tensor> results(8);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      Plan plan = engine.plan("bik,bkj->bij", {{4, 32, 32}, {4, 32, 32}}, DType::f32);
      results[i] = plan.run({x.view, y});
    });
  for (std::thread& thread : threads)
    thread.join();
  // Eight plans, two kernels each (contiguous at plan time, transposed at run time): each
  // kernel compiled once and served from the cache to the seven other callers.
  EngineStatistics statistics = engine.statistics();
  EXPECT_EQ(statistics.misses, 2u);
  EXPECT_EQ(statistics.hits, 14u);
  EXPECT_LE(statistics.waits, statistics.hits);
  EXPECT_EQ(statistics.entries, 2u);
  EXPECT_EQ(statistics.failures, 0u);
  EXPECT_GT(statistics.compileMillis, 0);
  for (const Tensor& result : results)
    expectClose(result.view(), expected.view(), 0, "concurrent plan");
}

TEST(Engine, EvictionThenRecompile) {
  EngineOptions options;
  options.cacheCapacity = 1;
  Engine engine(options);
  Plan first = engine.plan("ij,jk->ik", {{4, 5}, {5, 6}}, DType::f64);
  engine.plan("ij,jk->ik", {{7, 5}, {5, 6}}, DType::f64);
  engine.plan("ij,jk->ik", {{4, 5}, {5, 6}}, DType::f64);
  EngineStatistics statistics = engine.statistics();
  EXPECT_EQ(statistics.misses, 3u);
  EXPECT_EQ(statistics.evictions, 2u);
  EXPECT_EQ(statistics.entries, 1u);
  // A plan keeps its kernel alive through eviction.
  Tensor x = arange(DType::f64, {4, 5});
  Tensor y = arange(DType::f64, {5, 6});
  Tensor expected = reference::interpret(programOf("ij,jk->ik", {{4, 5}, {5, 6}}, DType::f64),
                                         {x.view(), y.view()});
  expectClose(first.run({x.view(), y.view()}).view(), expected.view(), 0, "evicted plan");
}

TEST(Engine, GenericKernelsServeEveryExtent) {
  EngineOptions options;
  options.constantExtents = false;
  Engine engine(options);
  for (std::int64_t n : {3, 8, 17, 33})
    expectMatchesReference(engine, programOf("ik,kj->ij", {{n, n + 1}, {n + 1, n + 2}}, DType::f32),
                           {Layout::Contiguous, Layout::Contiguous}, Layout::Contiguous);
  EXPECT_EQ(engine.statistics().misses, 1u);
}

TEST(Engine, CachedRunsDoNotCompile) {
  Engine engine;
  Plan plan = engine.plan("i,i->", {{1000}, {1000}}, DType::f64);
  Tensor x = arange(DType::f64, {1000});
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(realValuesOf(plan.run({x.view(), x.view()}).view()),
              (std::vector<double>{332833500}));
  EXPECT_EQ(engine.statistics().misses, 1u);
}

TEST(Engine, ExplainShowsTheOrderedStages) {
  Engine engine;
  Plan plan = engine.plan("bik,bjk->bij", {{2, 3, 4}, {2, 5, 4}}, DType::f32);
  std::string index = plan.explain(ExplainStage::Index);
  EXPECT_NE(index.find("out[b,i,j] = sum_k x[b,i,k] * y[b,j,k]"), std::string::npos) << index;
  EXPECT_NE(index.find("batch [b] M [i] N [j] K [k]"), std::string::npos) << index;
  EXPECT_EQ(index.find("loop nest"), std::string::npos);
  std::string loops = plan.explain(ExplainStage::Loops);
  EXPECT_EQ(loops.rfind(index, 0), 0u);
  EXPECT_NE(loops.find("loop nest f32"), std::string::npos) << loops;
  std::string llvm = plan.explain(ExplainStage::LLVM);
  EXPECT_NE(llvm.find("define i32 @einjit_kernel("), std::string::npos);
  std::string assembly = plan.explain(ExplainStage::Assembly);
  EXPECT_NE(assembly.find("einjit_kernel:"), std::string::npos);
  EXPECT_NE(engine.targetDescription().find("-bit vectors"), std::string::npos);
}

TEST(Engine, StatisticsReachTheDiagnosticsCallbackWhenAsked) {
  setenv("EINJIT_STATS", "1", 1);
  testing::internal::CaptureStderr();
  std::vector<Diagnostic> received;
  {
    EngineOptions options;
    options.persistentCache = false;
    options.diagnostics = [&](const Diagnostic& diagnostic) { received.push_back(diagnostic); };
    Engine engine(options);
    engine.plan("ij->j", {{3, 4}}, DType::f32);
    options.diagnostics = nullptr; // no callback: nothing reported
    Engine silent(options);
    silent.plan("ij->j", {{3, 4}}, DType::f32);
  }
  std::string printed = testing::internal::GetCapturedStderr();
  unsetenv("EINJIT_STATS");
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].kind, Diagnostic::Kind::Statistics);
  EXPECT_EQ(received[0].message.rfind("kernel cache: 0 hits (0 waited), 1 misses", 0), 0u)
      << received[0].message;
  EXPECT_NE(received[0].message.find("; on disk: off"), std::string::npos);
  EXPECT_EQ(printed, "") << "the library wrote to stderr itself";
}

TEST(Engine, PerfMapNamesEveryKernelFunctionWhenAsked) {
  std::string path = "/tmp/perf-" + std::to_string(::getpid()) + ".map";
  std::remove(path.c_str());
  setenv("EINJIT_PERF_MAP", "1", 1);
  EngineOptions options;
  options.persistentCache = false;
  options.strategy = Strategy::Packed;
  {
    Engine engine(options);
    engine.plan("ik,kj->ij", {{40, 50}, {50, 60}}, DType::f32);
  }
  unsetenv("EINJIT_PERF_MAP");
  std::ifstream map(path);
  std::stringstream text;
  text << map.rdbuf();
  std::remove(path.c_str());
  // Start and size in hex, then the name: the entry point, both packing routines and the
  // units function (local, so named after its object).
  for (const char* name : {" einjit_kernel_", ".pack_a\n", ".pack_b\n", ".local\n"})
    EXPECT_NE(text.str().find(name), std::string::npos) << name << " in\n" << text.str();
  // The entry point's line: "<hex start> <hex size> einjit_kernel_<n>".
  bool entryLine = false;
  std::string line;
  while (std::getline(text, line)) {
    std::istringstream fields(line);
    std::string start, size, name;
    fields >> start >> size >> name;
    auto hex = [](const std::string& field) {
      return !field.empty() && field.find_first_not_of("0123456789abcdef") == std::string::npos;
    };
    entryLine |= hex(start) && hex(size) && name.rfind("einjit_kernel_", 0) == 0 &&
                 name.find('.') == std::string::npos;
  }
  EXPECT_TRUE(entryLine) << text.str();
}

} // namespace
} // namespace einjit::test
