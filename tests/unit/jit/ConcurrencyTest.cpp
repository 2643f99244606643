// One Engine shared by many threads at once: different contractions, dtypes and entry points
// (plan, einsum, call) racing through one kernel cache; evictions while other threads run plans;
// several processes filling one persistent-cache directory at once. Results are compared with
// the interpreter. Built with ThreadSanitizer by scripts/tsan.sh (with ThreadsTest,
// KernelCacheTest, EngineTest and DiskCacheTest), where a data race fails the run.
#include "JitTestSupport.h"
#include "TestSupport.h"
#include "jit/DiskCache.h"
#include "reference/Interpreter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace einjit::test {
namespace {

namespace fs = std::filesystem;

struct Work {
  std::string spec;
  std::vector<Shape> shapes;
  DType dtype;
};

const std::vector<Work> kWork = {
    {"ik,kj->ij", {{9, 7}, {7, 5}}, DType::f32},
    {"bik,bjk->bij", {{2, 5, 6}, {2, 4, 6}}, DType::f64},
    {"ij->ji", {{6, 11}}, DType::i32},
    {"i,j->ij", {{5}, {3}}, DType::c64},
    {"ii->", {{7, 7}}, DType::i64},
    {"ij,jk,kl->il", {{3, 4}, {4, 5}, {5, 2}}, DType::c128},
    // A bf16 path widens its operands per run; an f16 kernel converts in place.
    {"ij,jk,kl->il", {{3, 4}, {4, 5}, {5, 2}}, DType::bf16},
    {"ik,kj->ij", {{9, 7}, {7, 5}}, DType::f16},
};

struct Prepared {
  std::vector<Tensor> inputs;
  std::vector<TensorView> views;
  Tensor expected;
};

std::vector<Prepared> prepareWork() {
  std::vector<Prepared> prepared;
  for (const Work& work : kWork) {
    Prepared item;
    for (std::size_t t = 0; t < work.shapes.size(); ++t) {
      item.inputs.push_back(arange(work.dtype, work.shapes[t], -2.0 * static_cast<double>(t)));
      item.views.push_back(item.inputs.back().view());
    }
    item.expected = reference::interpret(programOf(work.spec, work.shapes, work.dtype), item.views);
    prepared.push_back(std::move(item));
  }
  return prepared;
}

/// Computes work item `w` on `engine` through one of the three entry points, with 1 or 2
/// threads, and compares with the interpreter.
void computeOne(Engine& engine, const std::vector<Prepared>& prepared, std::size_t w,
                std::size_t round) {
  const Work& work = kWork[w];
  RunOptions options;
  options.threads = static_cast<int>(1 + round % 2);
  Tensor result;
  switch (round % 3) {
  case 0:
    result = engine.plan(work.spec, work.shapes, work.dtype).run(prepared[w].views, options);
    break;
  case 1:
    result = engine.einsum(work.spec, prepared[w].views, options);
    break;
  default: {
    std::string call = "np.einsum('" + work.spec + "'";
    for (std::size_t t = 0; t < work.shapes.size(); ++t)
      call += std::string(", ") + static_cast<char>('a' + t);
    result = engine.call(call + ")", prepared[w].views, options);
    break;
  }
  }
  expectClose(result.view(), prepared[w].expected.view(), 0,
              work.spec + " round " + std::to_string(round));
}

/// `threads` threads, each computing every work item `rounds` times in its own order.
void hammer(Engine& engine, std::size_t threads, std::size_t rounds) {
  std::vector<Prepared> prepared = prepareWork();
  std::vector<std::thread> workers;
  for (std::size_t t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      for (std::size_t round = 0; round < rounds; ++round)
        for (std::size_t k = 0; k < kWork.size(); ++k)
          computeOne(engine, prepared, (k * (t + 1) + round) % kWork.size(), round + t);
    });
  for (std::thread& worker : workers)
    worker.join();
}

TEST(Concurrency, OneEngineServesManyThreadsAndContractionsAtOnce) {
  EngineOptions options;
  options.persistentCache = false;
  Engine engine(options);
  hammer(engine, 6, 3);
  EngineStatistics statistics = engine.statistics();
  EXPECT_EQ(statistics.failures, 0u);
  EXPECT_EQ(statistics.evictions, 0u);
  // Every kernel compiled once, however many threads asked for it first.
  EXPECT_EQ(statistics.misses, statistics.entries);
  EXPECT_GT(statistics.hits, 0u);
}

TEST(Concurrency, EvictionsWhileOtherThreadsRunPlans) {
  EngineOptions options;
  options.persistentCache = false;
  options.cacheCapacity = 2; // far fewer than the kernels in use: evictions all the time
  Engine engine(options);
  hammer(engine, 4, 3);
  EngineStatistics statistics = engine.statistics();
  EXPECT_EQ(statistics.failures, 0u);
  EXPECT_GT(statistics.evictions, 0u);
  EXPECT_LE(statistics.entries, 2u);
}

TEST(Concurrency, RelayoutRunsKeepTheirTemporariesApart) {
  // A relayout path (RelayoutPath.cpp) gives each run a set of temporaries, taken from or given
  // back to the plan's spares: threads running one plan on their own data at once must each
  // get their own result. The second runs in chunks, which a run on two threads shares out
  // among them, each range of chunks with chunk temporaries of its own.
  struct Case {
    std::string spec;
    std::vector<Shape> shapes;
    CacheSizes caches;
    std::string shows;
  };
  for (const Case& relayout :
       {Case{"ikc,jkc->ijc", {{50, 80, 3}, {47, 80, 3}}, {4096, 16384, 65536}, "relayout:"},
        Case{"ibnd,jbnd->ijbn",
             {{48, 2, 3, 80}, {47, 2, 3, 80}},
             {4096, 32768, 1 << 20},
             "per chunk of 12 i"}}) {
    SCOPED_TRACE(relayout.spec);
    EngineOptions options;
    options.persistentCache = false;
    options.cacheSizes = relayout.caches; // the operands exceed this L2
    Engine engine(options);
    const std::vector<Shape>& shapes = relayout.shapes;
    Plan plan = engine.plan(relayout.spec, shapes, DType::f32);
    ASSERT_NE(plan.explain(ExplainStage::Path).find(relayout.shows), std::string::npos);
    constexpr std::size_t kThreads = 4;
    std::vector<std::vector<Tensor>> inputs(kThreads);
    std::vector<Tensor> expected;
    ir::IndexProgram program = programOf(relayout.spec, shapes, DType::f32);
    for (std::size_t t = 0; t < kThreads; ++t) {
      for (std::size_t o = 0; o < shapes.size(); ++o)
        inputs[t].push_back(arange(DType::f32, shapes[o], -3.0 * static_cast<double>(t + o)));
      expected.push_back(reference::interpret(program, {inputs[t][0].view(), inputs[t][1].view()}));
    }
    std::vector<std::thread> workers;
    for (std::size_t t = 0; t < kThreads; ++t)
      workers.emplace_back([&, t] {
        for (int round = 0; round < 4; ++round) {
          Tensor out = plan.run({inputs[t][0].view(), inputs[t][1].view()},
                                RunOptions{.threads = 1 + round % 2});
          expectClose(out.view(), expected[t].view(), toleranceOf(DType::f32, false),
                      "thread " + std::to_string(t) + " round " + std::to_string(round));
        }
      });
    for (std::thread& worker : workers)
      worker.join();
  }
}

TEST(Concurrency, OnePlanStagesNormalizedOperandsForManyThreads) {
  // Runs of one Dot(normalize=True) plan overlap: each stages its operands into buffers of its
  // own from the plan's pool, so every thread gets what a run alone gets for its inputs.
  EngineOptions options;
  options.persistentCache = false;
  Engine engine(options);
  Plan plan =
      engine.plan("keras.layers.Dot(axes=1, normalize=True)([x, y])", {{6, 9}, {6, 9}}, DType::f32);
  constexpr int kThreads = 4;
  std::vector<Tensor> xs;
  std::vector<Tensor> ys;
  std::vector<Tensor> alone;
  for (int t = 0; t < kThreads; ++t) {
    xs.push_back(arange(DType::f32, {6, 9}, -10.0 * t));
    ys.push_back(arange(DType::f32, {6, 9}, 3.0 * t - 20));
    alone.push_back(plan.run({xs[t].view(), ys[t].view()}));
  }
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t)
    workers.emplace_back([&, t] {
      Tensor out(DType::f32, {6, 1});
      std::vector<TensorView> inputs{xs[t].view(), ys[t].view()};
      for (int round = 0; round < 50; ++round) {
        plan.run(inputs, out.view());
        expectClose(out.view(), alone[t].view(), 0,
                    "thread " + std::to_string(t) + " round " + std::to_string(round));
      }
    });
  for (std::thread& worker : workers)
    worker.join();
  // Two normalized shapes alike: one prologue function beside the kernel.
  EXPECT_EQ(engine.statistics().misses, 2u);
}

TEST(Concurrency, AKernelThatCannotAllocateFailsItsOwnCallOnly) {
  // The failing plan sums a 2^48 axis of two stride-0 views: its packed kernel's offset tables
  // alone need 4 PiB of scratch, which einjit_rt_scratch refuses (more than memory) on every
  // thread that asks, so every run fails with Resource. The healthy plan, also packed, runs on
  // other threads meanwhile, on two threads of its own. A kernel's status is its call's alone:
  // no failure reaches the healthy runs (with a process-wide failure counter, they threw).
  EngineOptions options;
  options.persistentCache = false;
  options.strategy = Strategy::Packed;
  Engine engine(options);
  UnallocatableScratch unallocatable(engine);
  Plan& failing = unallocatable.plan;
  const TensorView& a = unallocatable.a;
  const TensorView& b = unallocatable.b;
  ASSERT_NE(failing.explain(ExplainStage::Loops).find("packed"), std::string::npos)
      << failing.explain(ExplainStage::Loops);
  // Large enough to split across two threads; small integers, so every sum is exact.
  Shape left{96, 80};
  Shape right{80, 112};
  auto smallIntegers = [](const Shape& shape, int offset) {
    std::vector<double> values(static_cast<std::size_t>(shape[0] * shape[1]));
    for (std::size_t k = 0; k < values.size(); ++k)
      values[k] = static_cast<double>(static_cast<int>(k * 3 + offset) % 7 - 3);
    return tensorOf(DType::f32, shape, values);
  };
  Tensor x = smallIntegers(left, 0);
  Tensor y = smallIntegers(right, 5);
  Plan healthy = engine.plan("ik,kj->ij", {left, right}, DType::f32);
  Tensor expected =
      reference::interpret(programOf("ik,kj->ij", {left, right}, DType::f32), {x.view(), y.view()});
  constexpr int kRounds = 40;
  std::atomic<int> failures{0};
  std::atomic<int> successes{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 2; ++t)
    workers.emplace_back([&] {
      Tensor out(DType::f32, {4, 64});
      RunOptions two;
      two.threads = 2;
      for (int round = 0; round < kRounds; ++round) {
        try {
          failing.run({a, b}, out.view(), two);
          ADD_FAILURE() << "a kernel without its scratch memory succeeded";
        } catch (const Error& error) {
          EXPECT_EQ(error.kind(), ErrorKind::Resource) << error.what();
          EXPECT_NE(error.message().find("bytes (per thread) could not be allocated"),
                    std::string::npos)
              << error.what();
          ++failures;
        }
      }
    });
  for (int t = 0; t < 2; ++t)
    workers.emplace_back([&] {
      RunOptions two;
      two.threads = 2;
      for (int round = 0; round < kRounds; ++round) {
        Tensor out(DType::f32, {96, 112});
        healthy.run({x.view(), y.view()}, out.view(), two);
        expectClose(out.view(), expected.view(), 0, "healthy round " + std::to_string(round));
        ++successes;
      }
    });
  for (std::thread& worker : workers)
    worker.join();
  EXPECT_EQ(failures.load(), 2 * kRounds);
  EXPECT_EQ(successes.load(), 2 * kRounds);
}

const char* const kWorkerDirectory = "EINJIT_CONCURRENCY_WORKER_DIR";

/// Not a test by itself: the body of each process ProcessesFillingOneDiskCacheDirectory starts.
TEST(Concurrency, DiskCacheWorkerProcess) {
  const char* directory = std::getenv(kWorkerDirectory);
  if (!directory)
    GTEST_SKIP() << "runs only as a child of ProcessesFillingOneDiskCacheDirectory";
  EngineOptions options;
  options.cacheDirectory = directory;
  Engine engine(options);
  hammer(engine, 2, 1);
}

TEST(Concurrency, ProcessesFillingOneDiskCacheDirectory) {
  fs::path directory =
      fs::temp_directory_path() / ("einjit-concurrency-" + std::to_string(::getpid()));
  fs::remove_all(directory);
  std::string self = fs::read_symlink("/proc/self/exe").string();
  std::string filter = "--gtest_filter=Concurrency.DiskCacheWorkerProcess";
  std::string variable = std::string(kWorkerDirectory) + "=" + directory.string();
  std::vector<char*> environment;
  for (char** item = environ; *item; ++item)
    environment.push_back(*item);
  environment.push_back(variable.data());
  environment.push_back(nullptr);
  std::vector<pid_t> children;
  for (int p = 0; p < 3; ++p) {
    char* argv[] = {self.data(), filter.data(), nullptr};
    pid_t child = 0;
    ASSERT_EQ(posix_spawn(&child, self.c_str(), nullptr, nullptr, argv, environment.data()), 0);
    children.push_back(child);
  }
  for (pid_t child : children) {
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "a worker process failed";
  }
  std::vector<jit::DiskEntryFile> files = jit::DiskCache::listEntries(directory.string());
  EXPECT_FALSE(files.empty());
  for (const jit::DiskEntryFile& file : files)
    EXPECT_TRUE(file.entry) << file.name << ": " << file.problem;
  // A fresh engine finds every kernel the workers compiled.
  EngineOptions options;
  options.cacheDirectory = directory.string();
  Engine reader(options);
  std::vector<Prepared> prepared = prepareWork();
  for (std::size_t w = 0; w < kWork.size(); ++w)
    computeOne(reader, prepared, w, 0);
  EngineStatistics statistics = reader.statistics();
  EXPECT_EQ(statistics.diskRejects, 0u);
  EXPECT_GT(statistics.diskHits, 0u);
  fs::remove_all(directory);
}

} // namespace
} // namespace einjit::test
