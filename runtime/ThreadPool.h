// The thread pool parallel kernels run on, and the C entry point generated code calls to split
// its outermost output loop across threads. No LLVM here: kernels compiled ahead of time link it
// too.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace einjit::runtime {

/// Multiply-adds a thread must get before a second thread is worth waking: waking a worker and
/// joining it costs some microseconds, and 2^18 multiply-adds take ~30-100 µs on one core, so
/// below this the extra thread would spend as long starting as computing.
inline constexpr std::int64_t kMinWorkPerThread = std::int64_t{1} << 18;

/// Chunks a parallel loop is cut into per thread that runs it. More chunks than threads let a
/// thread that runs ahead (its neighbour descheduled on a shared machine, or slowed by another
/// program) take over the rest of the work instead of waiting for it.
inline constexpr int kChunksPerThread = 4;

/// A fixed set of workers sharing one queue of participation requests. Safe to use from many
/// threads at once; a thread waiting for its own loop runs queued requests meanwhile, so nested
/// and concurrent parallel loops cannot deadlock. Joins the workers on destruction.
class ThreadPool {
public:
  /// Starts `workers` threads (0 is allowed: every chunk then runs on the calling thread).
  explicit ThreadPool(unsigned workers);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  unsigned workers() const { return static_cast<unsigned>(workers_.size()); }

  /// Calls body(lo, hi) on consecutive chunks covering [begin, end) exactly once: with
  /// threads > 1, up to threads × chunksPerThread chunks of nearly equal size, each boundary a
  /// multiple of `grain` from `begin` (the last chunk ends at `end`); with one thread, one
  /// chunk. At most `threads` threads, the caller among them, take chunks in order as each
  /// finishes its last. Returns when every chunk is done, then rethrows the first exception a
  /// chunk threw.
  void parallelFor(std::int64_t begin, std::int64_t end, std::int64_t grain, int threads,
                   const std::function<void(std::int64_t, std::int64_t)>& body,
                   int chunksPerThread = kChunksPerThread);

private:
  struct Job;

  void workerLoop();
  /// Takes and runs the job's chunks until none is left.
  static void participate(Job& job);
  /// participate() for a thread that took a request for the job from the queue, then leaves.
  static void visit(Job& job);
  /// The queue's first request (its job counts one more visitor), or null. Needs mutex_.
  Job* takeRequest();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job*> queue_;              ///< one entry per worker asked to join a job
  std::atomic<std::size_t> queued_ = 0; ///< queue_.size(), for workers polling without the lock
  std::atomic<bool> stopping_ = false;
  std::vector<std::thread> workers_;
};

/// std::thread::hardware_concurrency(), at least 1.
unsigned hardwareThreads();

/// The process's pool: hardwareThreads() - 1 workers beside the calling thread.
ThreadPool& sharedPool();

/// Threads the parallel loops of kernels called on this thread may use (1 unless a
/// ThreadCountScope says otherwise).
int currentThreadCount();

/// Sets currentThreadCount() for the calling thread while it lives: 0 means hardwareThreads().
class ThreadCountScope {
public:
  explicit ThreadCountScope(int threads);
  ~ThreadCountScope();
  ThreadCountScope(const ThreadCountScope&) = delete;
  ThreadCountScope& operator=(const ThreadCountScope&) = delete;

private:
  int previous_;
};

} // namespace einjit::runtime

extern "C" {
/// The call a parallel kernel makes for its outermost output loop: runs body(ctx, lo, hi) over
/// [begin, end) on the shared pool with chunk boundaries multiple of `grain`, using at most
/// currentThreadCount() threads and no more than gives each thread kMinWorkPerThread, given
/// `workPerIteration` multiply-adds per index. The body (KernelAbi.h's LoopBody) must not throw.
/// Returns kStatusOk when every chunk did, else the status of a chunk that failed (every chunk
/// runs regardless): a failure on any thread reaches the kernel's caller.
std::int32_t einjit_rt_parallel_for(
    std::int64_t begin, std::int64_t end, std::int64_t grain, std::int64_t workPerIteration,
    std::int32_t (*body)(void* ctx, std::int64_t lo, std::int64_t hi), void* ctx) noexcept;
/// einjit_rt_parallel_for with one chunk per thread, for kernels whose every chunk pays a setup
/// as large as the whole problem's: a packed kernel packs all of A in each chunk (S5 at two
/// threads ran ~20 % faster than with four chunks per thread).
std::int32_t einjit_rt_parallel_for_per_thread(
    std::int64_t begin, std::int64_t end, std::int64_t grain, std::int64_t workPerIteration,
    std::int32_t (*body)(void* ctx, std::int64_t lo, std::int64_t hi), void* ctx) noexcept;
}
