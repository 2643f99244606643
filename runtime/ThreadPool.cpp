// The thread pool: one mutex-guarded queue of chunks. A parallelFor queues all chunks but its
// first, runs the first itself, then helps with queued chunks (its own or anyone's) until its
// own are done, so a caller never sleeps while work it waits for sits in the queue.
#include "ThreadPool.h"

#include <algorithm>
#include <chrono>
#include <exception>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace einjit::runtime {

namespace {

/// How long a thread polls before it sleeps on a condition variable. Waking a sleeping thread
/// costs tens of microseconds under KVM, as long as a 128³ product takes on one core: a worker
/// that polls a while after its chunk catches the next parallel call of a loop of kernel calls
/// at once, and a caller that polls sees its last chunk finish without a wake-up.
constexpr std::chrono::microseconds kPollBeforeSleeping{200};

void relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#endif
}

/// Polls `ready` until it holds or kPollBeforeSleeping has passed; returns its last value.
template <typename Ready>
bool pollFor(Ready ready) {
  auto deadline = std::chrono::steady_clock::now() + kPollBeforeSleeping;
  for (int round = 0;; ++round) {
    if (ready())
      return true;
    for (int i = 0; i < 16; ++i)
      relax();
    // The clock is read every 64 rounds: a few hundred nanoseconds apart.
    if (round % 64 == 63 && std::chrono::steady_clock::now() >= deadline)
      return ready();
  }
}

} // namespace

struct ThreadPool::Job {
  const std::function<void(std::int64_t, std::int64_t)>* body = nullptr;
  std::mutex mutex;
  std::condition_variable finished;
  std::atomic<std::size_t> pending = 0;
  std::exception_ptr firstError;
};

ThreadPool::ThreadPool(unsigned workers) {
  workers_.reserve(workers);
  for (unsigned w = 0; w < workers; ++w)
    workers_.emplace_back([this] { workerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& worker : workers_)
    worker.join();
}

void ThreadPool::runChunk(const Chunk& chunk) {
  Job& job = *chunk.job;
  std::exception_ptr error;
  try {
    (*job.body)(chunk.lo, chunk.hi);
  } catch (...) {
    error = std::current_exception();
  }
  std::lock_guard<std::mutex> lock(job.mutex);
  if (error && !job.firstError)
    job.firstError = error;
  if (job.pending.fetch_sub(1, std::memory_order_acq_rel) == 1)
    job.finished.notify_all();
}

void ThreadPool::workerLoop() {
  for (;;) {
    Chunk chunk;
    pollFor([&] { return queued_.load(std::memory_order_acquire) > 0 || stopping_.load(); });
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stopping_.load() || !queue_.empty(); });
      if (queue_.empty())
        return;
      chunk = queue_.front();
      queue_.pop_front();
      queued_.fetch_sub(1, std::memory_order_relaxed);
    }
    runChunk(chunk);
  }
}

void ThreadPool::parallelFor(std::int64_t begin, std::int64_t end, std::int64_t grain, int threads,
                             const std::function<void(std::int64_t, std::int64_t)>& body) {
  if (end <= begin)
    return;
  grain = std::max<std::int64_t>(grain, 1);
  std::int64_t grains = (end - begin + grain - 1) / grain;
  std::int64_t chunks = std::clamp<std::int64_t>(threads, 1, grains);
  if (chunks == 1) {
    body(begin, end);
    return;
  }
  // Static chunking: chunk c gets grains [c * grains / chunks, (c + 1) * grains / chunks).
  auto boundary = [&](std::int64_t c) {
    return c == chunks ? end : begin + c * grains / chunks * grain;
  };
  Job job;
  job.body = &body;
  job.pending = static_cast<std::size_t>(chunks);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (std::int64_t c = 1; c < chunks; ++c)
      queue_.push_back(Chunk{&job, boundary(c), boundary(c + 1)});
    queued_.fetch_add(static_cast<std::size_t>(chunks - 1), std::memory_order_release);
  }
  wake_.notify_all();
  runChunk(Chunk{&job, boundary(0), boundary(1)});
  for (;;) {
    if (job.pending.load(std::memory_order_acquire) == 0)
      break;
    Chunk chunk;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!queue_.empty()) {
        chunk = queue_.front();
        queue_.pop_front();
        queued_.fetch_sub(1, std::memory_order_relaxed);
      }
    }
    if (chunk.job) {
      runChunk(chunk);
      continue;
    }
    // Nothing queued: the remaining chunks run on other threads; wait until they finish.
    if (!pollFor([&] { return job.pending.load(std::memory_order_acquire) == 0; })) {
      std::unique_lock<std::mutex> lock(job.mutex);
      job.finished.wait(lock, [&] { return job.pending.load() == 0; });
    }
    break;
  }
  // The last chunk's thread still holds job.mutex (it notifies under it) after pending reaches
  // zero: take it once so that job outlives that thread's use of it.
  std::lock_guard<std::mutex> lock(job.mutex);
  if (job.firstError)
    std::rethrow_exception(job.firstError);
}

unsigned hardwareThreads() {
  // hardware_concurrency() reads sysfs on every call (microseconds): a cached call must not.
  static const unsigned count = std::max(1u, std::thread::hardware_concurrency());
  return count;
}

ThreadPool& sharedPool() {
  static ThreadPool pool(hardwareThreads() - 1);
  return pool;
}

namespace {
thread_local int threadCount = 1;
}

int currentThreadCount() {
  return threadCount;
}

ThreadCountScope::ThreadCountScope(int threads) : previous_(threadCount) {
  threadCount = threads <= 0 ? static_cast<int>(hardwareThreads()) : threads;
}

ThreadCountScope::~ThreadCountScope() {
  threadCount = previous_;
}

} // namespace einjit::runtime

void einjit_rt_parallel_for(std::int64_t begin, std::int64_t end, std::int64_t grain,
                            std::int64_t workPerIteration,
                            void (*body)(void* ctx, std::int64_t lo, std::int64_t hi),
                            void* ctx) noexcept {
  using namespace einjit::runtime;
  std::int64_t work =
      std::max<std::int64_t>(end - begin, 0) * std::max<std::int64_t>(workPerIteration, 1);
  std::int64_t threads = std::min<std::int64_t>(
      currentThreadCount(), std::max<std::int64_t>(work / kMinWorkPerThread, 1));
  if (threads <= 1) {
    body(ctx, begin, end);
    return;
  }
  sharedPool().parallelFor(begin, end, grain, static_cast<int>(threads),
                           [&](std::int64_t lo, std::int64_t hi) { body(ctx, lo, hi); });
}
