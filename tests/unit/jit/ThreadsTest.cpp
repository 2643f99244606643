// Threads: the runtime pool's chunking, errors and concurrency; the parallel loop the schedule
// marks above the work cutoff; JIT results that do not depend on RunOptions::threads.
#include "JitTestSupport.h"
#include "KernelAbi.h"
#include "TestSupport.h"
#include "ThreadPool.h"
#include "engine/EngineImpl.h"
#include "reference/Interpreter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

namespace einjit::test {
namespace {

using Range = std::pair<std::int64_t, std::int64_t>;

/// The chunks parallelFor hands out, sorted.
std::vector<Range> chunksOf(runtime::ThreadPool& pool, std::int64_t begin, std::int64_t end,
                            std::int64_t grain, int threads) {
  std::mutex mutex;
  std::vector<Range> chunks;
  pool.parallelFor(begin, end, grain, threads, [&](std::int64_t lo, std::int64_t hi) {
    std::lock_guard<std::mutex> lock(mutex);
    chunks.push_back({lo, hi});
  });
  std::sort(chunks.begin(), chunks.end());
  return chunks;
}

TEST(ThreadPool, ChunksCoverTheRangeOnceOnGrainBoundaries) {
  runtime::ThreadPool pool(3);
  struct Case {
    std::int64_t begin, end, grain;
    int threads;
  };
  for (Case c : {Case{0, 100, 1, 4}, Case{0, 100, 16, 4}, Case{5, 6, 1, 8}, Case{-7, 50, 3, 2},
                 Case{0, 1000, 16, 3}, Case{0, 37, 8, 64}, Case{10, 10, 1, 4}}) {
    std::vector<Range> chunks = chunksOf(pool, c.begin, c.end, c.grain, c.threads);
    std::string context = std::to_string(c.begin) + ".." + std::to_string(c.end) + " grain " +
                          std::to_string(c.grain) + " threads " + std::to_string(c.threads);
    if (c.begin == c.end) {
      EXPECT_TRUE(chunks.empty()) << context;
      continue;
    }
    std::int64_t grains = (c.end - c.begin + c.grain - 1) / c.grain;
    std::int64_t expected =
        c.threads <= 1 ? 1 : std::min<std::int64_t>(c.threads * runtime::kChunksPerThread, grains);
    EXPECT_EQ(chunks.size(), static_cast<std::size_t>(expected)) << context;
    std::int64_t next = c.begin;
    for (const Range& chunk : chunks) {
      EXPECT_EQ(chunk.first, next) << context;
      EXPECT_LT(chunk.first, chunk.second) << context;
      EXPECT_EQ((chunk.first - c.begin) % c.grain, 0) << context;
      next = chunk.second;
    }
    EXPECT_EQ(next, c.end) << context;
  }
}

TEST(ThreadPool, ChunksAreNearlyEqual) {
  runtime::ThreadPool pool(1);
  std::vector<Range> chunks = chunksOf(pool, 0, 1024, 16, 3);
  static_assert(runtime::kChunksPerThread == 4, "the expectations below assume 12 chunks");
  ASSERT_EQ(chunks.size(), 12u);
  // 64 grains over 12 chunks: c * 64 / 12 grains before chunk c, so 5 or 6 grains each.
  for (std::size_t c = 0; c < chunks.size(); ++c) {
    EXPECT_EQ(chunks[c].first, static_cast<std::int64_t>(c * 64 / 12 * 16)) << c;
    std::int64_t grains = (chunks[c].second - chunks[c].first) / 16;
    EXPECT_TRUE(grains == 5 || grains == 6) << c << ": " << grains;
  }
  EXPECT_EQ(chunks.back().second, 1024);
}

TEST(ThreadPool, AtMostTheAskedThreadsRunChunks) {
  runtime::ThreadPool pool(3);
  for (int threads : {1, 2, 3}) {
    std::mutex mutex;
    std::set<std::thread::id> seen;
    pool.parallelFor(0, 4096, 1, threads, [&](std::int64_t, std::int64_t) {
      // Long enough chunks that every idle worker would join if it were asked.
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      std::lock_guard<std::mutex> lock(mutex);
      seen.insert(std::this_thread::get_id());
    });
    EXPECT_LE(seen.size(), static_cast<std::size_t>(threads)) << threads << " threads";
    EXPECT_TRUE(seen.count(std::this_thread::get_id())) << "the caller takes chunks too";
  }
}

TEST(ThreadPool, AFastThreadTakesOverTheChunksOfASlowOne) {
  // The thread in the first chunk stalls (a descheduled neighbour on a shared machine) until
  // the other seven chunks are done: the other thread must take every one of them.
  runtime::ThreadPool pool(1);
  std::atomic<int> othersDone{0};
  std::atomic<bool> firstTaken{false};
  std::atomic<bool> stalledTooLong{false};
  pool.parallelFor(0, 8, 1, 2, [&](std::int64_t, std::int64_t) {
    if (!firstTaken.exchange(true)) {
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (othersDone.load() < 7 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      stalledTooLong = othersDone.load() < 7;
      return;
    }
    ++othersDone;
  });
  EXPECT_FALSE(stalledTooLong.load()) << othersDone.load() << " of 7 chunks ran meanwhile";
  EXPECT_EQ(othersDone.load(), 7);
}

TEST(ThreadPool, WithoutWorkersTheCallerRunsEveryChunk) {
  runtime::ThreadPool pool(0);
  std::thread::id caller = std::this_thread::get_id();
  std::atomic<int> elsewhere{0};
  std::atomic<std::int64_t> covered{0};
  pool.parallelFor(0, 64, 1, 4, [&](std::int64_t lo, std::int64_t hi) {
    if (std::this_thread::get_id() != caller)
      ++elsewhere;
    covered += hi - lo;
  });
  EXPECT_EQ(elsewhere.load(), 0);
  EXPECT_EQ(covered.load(), 64);
}

TEST(ThreadPool, RethrowsTheFirstErrorAfterEveryChunkRan) {
  runtime::ThreadPool pool(2);
  std::atomic<int> ran{0};
  EXPECT_THROW(pool.parallelFor(0, 8, 1, 8,
                                [&](std::int64_t lo, std::int64_t) {
                                  ++ran;
                                  if (lo % 2 == 1)
                                    throw std::runtime_error("chunk " + std::to_string(lo));
                                }),
               std::runtime_error);
  EXPECT_EQ(ran.load(), 8);
  // The pool still works after an error.
  std::atomic<std::int64_t> covered{0};
  pool.parallelFor(0, 100, 1, 3, [&](std::int64_t lo, std::int64_t hi) { covered += hi - lo; });
  EXPECT_EQ(covered.load(), 100);
}

TEST(ThreadPool, ManyCallersAtOnceAndNestedLoopsFinish) {
  runtime::ThreadPool pool(2);
  constexpr int kCallers = 8;
  constexpr std::int64_t kLength = 10000;
  std::vector<std::int64_t> sums(kCallers, 0);
  std::vector<std::thread> callers;
  for (int c = 0; c < kCallers; ++c)
    callers.emplace_back([&, c] {
      for (int round = 0; round < 20; ++round) {
        std::atomic<std::int64_t> sum{0};
        pool.parallelFor(0, kLength, 7, 4, [&](std::int64_t lo, std::int64_t hi) {
          // A nested loop from inside a chunk: the waiting thread helps instead of blocking.
          pool.parallelFor(lo, hi, 1, 2, [&](std::int64_t innerLo, std::int64_t innerHi) {
            std::int64_t local = 0;
            for (std::int64_t i = innerLo; i < innerHi; ++i)
              local += i;
            sum += local;
          });
        });
        sums[static_cast<std::size_t>(c)] += sum.load();
      }
    });
  for (std::thread& caller : callers)
    caller.join();
  for (std::int64_t sum : sums)
    EXPECT_EQ(sum, 20 * kLength * (kLength - 1) / 2);
}

TEST(ThreadPool, ThreadCountScopeNestsAndZeroMeansTheHardware) {
  EXPECT_EQ(runtime::currentThreadCount(), 1);
  {
    runtime::ThreadCountScope all(0);
    EXPECT_EQ(runtime::currentThreadCount(), static_cast<int>(runtime::hardwareThreads()));
    {
      runtime::ThreadCountScope three(3);
      EXPECT_EQ(runtime::currentThreadCount(), 3);
    }
    EXPECT_EQ(runtime::currentThreadCount(), static_cast<int>(runtime::hardwareThreads()));
  }
  EXPECT_EQ(runtime::currentThreadCount(), 1);
}

struct RecordedChunks {
  std::mutex mutex;
  std::vector<Range> chunks;
};

std::int32_t recordChunk(void* context, std::int64_t lo, std::int64_t hi) {
  auto* recorded = static_cast<RecordedChunks*>(context);
  std::lock_guard<std::mutex> lock(recorded->mutex);
  recorded->chunks.push_back({lo, hi});
  return runtime::kStatusOk;
}

std::size_t entryPointChunks(std::int64_t extent, std::int64_t workPerIteration, int threads,
                             bool perThread = false) {
  runtime::ThreadCountScope scope(threads);
  RecordedChunks recorded;
  std::int32_t status = (perThread ? einjit_rt_parallel_for_per_thread : einjit_rt_parallel_for)(
      0, extent, 16, workPerIteration, &recordChunk, &recorded);
  EXPECT_EQ(status, runtime::kStatusOk);
  std::int64_t covered = 0;
  for (const Range& chunk : recorded.chunks)
    covered += chunk.second - chunk.first;
  EXPECT_EQ(covered, extent);
  return recorded.chunks.size();
}

TEST(ThreadPool, EntryPointKeepsEachThreadAboveTheCutoff) {
  std::int64_t cutoff = runtime::kMinWorkPerThread;
  std::size_t perThread = runtime::kChunksPerThread;
  EXPECT_EQ(entryPointChunks(1024, cutoff / 1024, 4), 1u); // one thread's worth in all
  EXPECT_EQ(entryPointChunks(1024, 2 * cutoff / 1024, 4), 2 * perThread);
  EXPECT_EQ(entryPointChunks(1024, 64 * cutoff / 1024, 4), 4 * perThread);
  EXPECT_EQ(entryPointChunks(1024, 64 * cutoff / 1024, 1), 1u);
  EXPECT_EQ(entryPointChunks(32, 64 * cutoff, 4), 2u); // only two steps of 16 to share
  // Packed kernels' entry point: one chunk per thread, the same cutoff.
  EXPECT_EQ(entryPointChunks(1024, 64 * cutoff / 1024, 4, true), 4u);
  EXPECT_EQ(entryPointChunks(1024, 2 * cutoff / 1024, 4, true), 2u);
  EXPECT_EQ(entryPointChunks(1024, cutoff / 1024, 4, true), 1u);
}

/// A chunk fails when it holds index `failing`; every chunk is recorded.
struct FailingChunks {
  RecordedChunks recorded;
  std::int64_t failing = 0;
};

std::int32_t failChunk(void* context, std::int64_t lo, std::int64_t hi) {
  auto* chunks = static_cast<FailingChunks*>(context);
  recordChunk(&chunks->recorded, lo, hi);
  return lo <= chunks->failing && chunks->failing < hi ? runtime::kStatusOutOfMemory
                                                       : runtime::kStatusOk;
}

TEST(ThreadPool, EntryPointReturnsTheStatusOfAFailingChunk) {
  // Whichever thread runs the failing chunk (the first, the last, one in between), the caller
  // gets its status, and every other chunk still runs.
  std::int64_t work = 64 * runtime::kMinWorkPerThread / 1024;
  for (bool perThread : {false, true})
    for (std::int64_t failing : {0, 500, 1023}) {
      runtime::ThreadCountScope scope(4);
      FailingChunks chunks;
      chunks.failing = failing;
      std::int32_t status =
          (perThread ? einjit_rt_parallel_for_per_thread
                     : einjit_rt_parallel_for)(0, 1024, 16, work, &failChunk, &chunks);
      EXPECT_EQ(status, runtime::kStatusOutOfMemory) << perThread << " " << failing;
      EXPECT_EQ(chunks.recorded.chunks.size(), perThread ? 4u : 16u);
    }
}

TEST(ParallelLoops, MarkedAboveTheCutoffOnly) {
  ir::LoopNest large = contiguousNest(programOf("ik,kj->ij", {{256, 256}, {256, 256}}, DType::f32),
                                      passes::LoopOptions{256, 16, {}, {}});
  ASSERT_FALSE(large.outputLoops.empty());
  EXPECT_TRUE(large.outputLoops.front().parallel);
  EXPECT_NE(toString(large).find("for b in 0..256 vector 8x2 parallel {\n"), std::string::npos)
      << toString(large);
  // 64^3 multiply-adds are less than two threads' minimum.
  ir::LoopNest small = contiguousNest(programOf("ik,kj->ij", {{64, 64}, {64, 64}}, DType::f32),
                                      passes::LoopOptions{256, 16, {}, {}});
  EXPECT_EQ(toString(small).find("parallel"), std::string::npos) << toString(small);
  // Extents unknown when compiling: the work is unknown too.
  ir::LoopNest generic =
      contiguousNest(programOf("ik,kj->ij", {{256, 256}, {256, 256}}, DType::f32),
                     passes::LoopOptions{256, 16, {}, {}}, false);
  EXPECT_EQ(toString(generic).find("parallel"), std::string::npos) << toString(generic);
  // A batched product splits its batch loop.
  ir::LoopNest batched =
      contiguousNest(programOf("bik,bkj->bij", {{16, 96, 96}, {16, 96, 96}}, DType::f32));
  EXPECT_TRUE(batched.outputLoops.front().parallel);
  EXPECT_EQ(batched.outputLoops.front().kind, ir::LoopKind::Serial);
}

TEST(ParallelLoops, VerifierAcceptsOnlyTheOutermostOutputLoop) {
  ir::LoopNest nest = contiguousNest(programOf("ik,kj->ij", {{256, 256}, {256, 256}}, DType::f32));
  nest.outputLoops.front().parallel = false;
  nest.outputLoops.back().parallel = true;
  expectError([&] { ir::verify(nest); }, ErrorKind::Internal,
              {"invalid LoopNest: parallel loop over", "is not the outermost output loop"});
}

/// Real-valued data (not small integers), so that a different summation order would show.
Tensor randomReal(DType dtype, const Shape& shape, std::mt19937& rng) {
  Tensor tensor(dtype, shape);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  for (std::int64_t i = 0; i < tensor.elements(); ++i) {
    if (dtype == DType::f32)
      static_cast<float*>(tensor.data())[i] = static_cast<float>(uniform(rng));
    else
      static_cast<double*>(tensor.data())[i] = uniform(rng);
  }
  return tensor;
}

bool bitwiseEqual(const Tensor& a, const Tensor& b) {
  return a.byteSize() == b.byteSize() && std::memcmp(a.data(), b.data(), a.byteSize()) == 0;
}

/// Runs `program` with 1, 2 and 4 threads: bitwise identical, and close to the interpreter.
void expectSameForEveryThreadCount(const ir::IndexProgram& program, const RunOptions& base = {}) {
  Engine engine;
  std::mt19937 rng(7);
  std::vector<Tensor> inputs;
  std::vector<TensorView> views;
  for (const ir::Operand& operand : program.operands) {
    inputs.push_back(randomReal(program.dtype, operand.shape, rng));
    views.push_back(inputs.back().view());
  }
  Tensor initial = randomReal(program.dtype, program.outputShape(), rng);
  Plan plan = EngineAccess::planProgram(engine, program, false);
  // A direct nest marks its parallel loop; a packed one lists its parallel units.
  std::string loops = plan.explain(ExplainStage::Loops);
  ASSERT_TRUE(loops.find(" parallel {") != std::string::npos ||
              loops.find("  parallel: batch x N units") != std::string::npos)
      << loops;
  std::vector<Tensor> results;
  for (int threads : {1, 2, 4}) {
    Tensor out(program.dtype, program.outputShape());
    std::memcpy(out.data(), initial.data(), initial.byteSize());
    RunOptions options = base;
    options.threads = threads;
    plan.run(views, out.view(), options);
    results.push_back(std::move(out));
  }
  EXPECT_TRUE(bitwiseEqual(results[0], results[1])) << toString(program);
  EXPECT_TRUE(bitwiseEqual(results[0], results[2])) << toString(program);
  Tensor expected(program.dtype, program.outputShape());
  std::memcpy(expected.data(), initial.data(), initial.byteSize());
  reference::interpret(program, views, expected.view(), {base.alpha, base.beta});
  expectClose(results[0].view(), expected.view(), toleranceOf(program.dtype, true),
              toString(program));
  EXPECT_EQ(engine.statistics().misses, 1u) << "the thread count is not part of the kernel";
}

TEST(ParallelLoops, GemmIsBitwiseTheSameOnOneTwoAndFourThreads) {
  expectSameForEveryThreadCount(programOf("ik,kj->ij", {{197, 131}, {131, 263}}, DType::f32));
}

TEST(ParallelLoops, OnlyThePiecesTheLastChunkNeedsAreEmitted) {
  // N = 512 and 256 are whole steps of the parallel vector loop: the chunk function carries
  // only the full-width tile, and every chunk must still be covered by it. N = 250 leaves 26:
  // one 16-lane step and 10 single lanes; N = 263 leaves 7 single lanes and no 16-lane step.
  expectSameForEveryThreadCount(programOf("ik,kj->ij", {{160, 96}, {96, 512}}, DType::f32));
  expectSameForEveryThreadCount(programOf("ik,kj->ij", {{160, 96}, {96, 250}}, DType::f32));
  RunOptions options;
  options.beta = 0.5;
  expectSameForEveryThreadCount(programOf("ik,kj->ij", {{128, 128}, {128, 256}}, DType::f64),
                                options);
}

TEST(ParallelLoops, BatchedAndTransposedProductsWithBetaAgree) {
  RunOptions options;
  options.alpha = 1.5;
  options.beta = -0.25;
  expectSameForEveryThreadCount(programOf("bki,bkj->bij", {{9, 67, 61}, {9, 67, 59}}, DType::f64),
                                options);
  expectSameForEveryThreadCount(programOf("ik,jk->ji", {{301, 45}, {77, 45}}, DType::f32));
}

TEST(ParallelLoops, RowsOutsideTheVectorLoopSplitAcrossThreads) {
  // x of 20003 x 16 floats (1.28 MB) passes half of a 1 MiB L2: the unrolled row loop goes
  // outermost and is the one the threads share. Pinned to AVX2 (16 registers: 6-row tiles),
  // 20003 rows leave 5 after the tiles; the run below is the host's.
  ir::IndexProgram program = programOf("ik,kj->ij", {{20003, 16}, {16, 40}}, DType::f32);
  EngineOptions pinned;
  pinned.target = "x86-64-v3";
  pinned.cacheSizes = {32 << 10, 1 << 20, 32 << 20};
  Engine engine(pinned);
  std::string loops = EngineAccess::planProgram(engine, program, false).explain();
  EXPECT_NE(loops.find("unrolled 6 parallel {"), std::string::npos) << loops;
  RunOptions options;
  options.beta = 2;
  expectSameForEveryThreadCount(program, options);
}

TEST(ParallelLoops, SmallKernelsStaySerial) {
  Engine engine;
  Plan plan = EngineAccess::planProgram(
      engine, programOf("ik,kj->ij", {{8, 8}, {8, 8}}, DType::f32), false);
  EXPECT_EQ(plan.explain(ExplainStage::Loops).find("parallel"), std::string::npos);
}

TEST(ParallelLoops, NegativeThreadCountIsMisuse) {
  Engine engine;
  Plan plan = EngineAccess::planProgram(
      engine, programOf("ik,kj->ij", {{2, 2}, {2, 2}}, DType::f32), false);
  Tensor x = tensorOf(DType::f32, {2, 2}, {1, 2, 3, 4});
  RunOptions options;
  options.threads = -2;
  expectError(
      [&] {
        plan.run({x.view(), x.view()}, options);
      },
      ErrorKind::Misuse, {"threads -2 is negative"});
}

} // namespace
} // namespace einjit::test
