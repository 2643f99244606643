// Compile latency: a cold compile per iteration (a fresh Engine, built and destroyed outside the
// timed region, so every plan() is a cache miss), timed on the wall clock with the process's CPU
// time beside it, and the overhead of a call whose kernel is cached, on a 2x2x2 contraction
// where the arithmetic is negligible.
#include "BenchRegistry.h"

#include "einjit/engine.h"
#include "einjit/error.h"

#include <memory>
#include <string>
#include <vector>

namespace einjit::bench {

namespace {

struct CompileCase {
  const char* id;
  const char* expression;
  std::vector<Shape> shapes;
};

const std::vector<CompileCase>& compileCases() {
  static const std::vector<CompileCase> cases = {
      {"S1", "ik,kj->ij", {{1024, 1024}, {1024, 1024}}},
      {"S5", "abcd,dbef->acef", {{32, 24, 32, 24}, {24, 24, 32, 32}}},
      {"B8", "bik,bkj->bij", {{10000, 8, 8}, {10000, 8, 8}}},
  };
  return cases;
}

void coldCompile(benchmark::State& state, const CompileCase& compileCase) {
  double jitMillis = 0;
  for (auto _ : state) {
    state.PauseTiming();
    // The persistent cache would turn every iteration after the first into a disk load.
    EngineOptions options;
    options.persistentCache = false;
    auto engine = std::make_unique<Engine>(options);
    state.ResumeTiming();
    try {
      Plan plan = engine->plan(compileCase.expression, compileCase.shapes, DType::f32);
      benchmark::DoNotOptimize(plan);
    } catch (const Error& error) {
      state.SkipWithError((std::string("einjit failed: ") + error.what()).c_str());
      break;
    }
    state.PauseTiming();
    jitMillis += engine->statistics().compileMillis;
    engine.reset();
    state.ResumeTiming();
  }
  // The JIT's own account (LLVM codegen), beside the wall time of the whole plan() call.
  state.counters["jit_ms"] = benchmark::Counter(jitMillis, benchmark::Counter::kAvgIterations);
}

struct TinyContraction {
  std::vector<float> left = std::vector<float>(4, 1.0f);
  std::vector<float> right = std::vector<float>(4, 2.0f);
  std::vector<float> out = std::vector<float>(4);
  std::vector<TensorView> inputs{TensorView(left.data(), DType::f32, {2, 2}),
                                 TensorView(right.data(), DType::f32, {2, 2})};
  MutableTensorView outView{out.data(), DType::f32, {2, 2}};
};

void cachedPlanRun(benchmark::State& state) {
  Engine engine;
  Plan plan = engine.plan("ik,kj->ij", {{2, 2}, {2, 2}}, DType::f32);
  TinyContraction tiny;
  for (auto _ : state) {
    plan.run(tiny.inputs, tiny.outView);
    benchmark::ClobberMemory();
  }
  if (tiny.out[0] != 4.0f)
    state.SkipWithError("the 2x2x2 contraction computed a wrong value");
}

void cachedEngineEinsum(benchmark::State& state) {
  Engine engine;
  TinyContraction tiny;
  engine.einsum("ik,kj->ij", tiny.inputs, tiny.outView);
  for (auto _ : state) {
    engine.einsum("ik,kj->ij", tiny.inputs, tiny.outView);
    benchmark::ClobberMemory();
  }
  if (tiny.out[0] != 4.0f)
    state.SkipWithError("the 2x2x2 contraction computed a wrong value");
}

} // namespace

void registerCompileBenchmarks() {
  for (const CompileCase& compileCase : compileCases()) {
    const CompileCase* pointer = &compileCase;
    withSuiteSettings(benchmark::RegisterBenchmark(
                          (std::string("compile/") + compileCase.id).c_str(),
                          [pointer](benchmark::State& state) { coldCompile(state, *pointer); }))
        ->Unit(benchmark::kMillisecond)
        // A packed kernel compiles on two threads: the latency is the wall time, and the CPU
        // time is the whole process's.
        ->UseRealTime()
        ->MeasureProcessCPUTime();
  }
  withSuiteSettings(benchmark::RegisterBenchmark("cached_call/plan_run/2x2x2", cachedPlanRun))
      ->Unit(benchmark::kNanosecond);
  withSuiteSettings(
      benchmark::RegisterBenchmark("cached_call/engine_einsum/2x2x2", cachedEngineEinsum))
      ->Unit(benchmark::kNanosecond);
}

} // namespace einjit::bench
