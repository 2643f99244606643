// The thread pool: one mutex-guarded queue of requests to join a job. A parallelFor queues one
// request per extra thread, takes chunks itself (each participant takes the next chunk from an
// atomic counter), then runs queued requests (its own or anyone's) until its job is done, so a
// caller never sleeps while work it waits for sits in the queue.
#include "ThreadPool.h"
#include "KernelAbi.h"

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
  std::int64_t begin = 0;
  std::int64_t end = 0;
  std::int64_t grain = 1;
  std::int64_t grains = 1;
  std::int64_t chunks = 1;
  std::atomic<std::int64_t> nextChunk = 0;
  std::atomic<std::int64_t> chunksLeft = 0;
  /// Threads that took a request for this job from the queue and have not left it yet: the
  /// job must outlive them even when every chunk is done.
  std::atomic<int> visitors = 0;
  std::mutex mutex;
  std::condition_variable finished;
  std::exception_ptr firstError;

  bool done() const {
    return chunksLeft.load(std::memory_order_acquire) == 0 &&
           visitors.load(std::memory_order_acquire) == 0;
  }

  /// Chunk c covers grains [c * grains / chunks, (c + 1) * grains / chunks).
  std::int64_t boundary(std::int64_t c) const {
    return c == chunks ? end : begin + c * grains / chunks * grain;
  }
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

void ThreadPool::participate(Job& job) {
  for (;;) {
    std::int64_t chunk = job.nextChunk.fetch_add(1, std::memory_order_relaxed);
    if (chunk >= job.chunks)
      return;
    std::exception_ptr error;
    try {
      (*job.body)(job.boundary(chunk), job.boundary(chunk + 1));
    } catch (...) {
      error = std::current_exception();
    }
    std::lock_guard<std::mutex> lock(job.mutex);
    if (error && !job.firstError)
      job.firstError = error;
    if (job.chunksLeft.fetch_sub(1, std::memory_order_acq_rel) == 1)
      job.finished.notify_all();
  }
}

void ThreadPool::visit(Job& job) {
  participate(job);
  std::lock_guard<std::mutex> lock(job.mutex);
  if (job.visitors.fetch_sub(1, std::memory_order_acq_rel) == 1)
    job.finished.notify_all();
}

ThreadPool::Job* ThreadPool::takeRequest() {
  if (queue_.empty())
    return nullptr;
  Job* job = queue_.front();
  queue_.pop_front();
  queued_.fetch_sub(1, std::memory_order_relaxed);
  job->visitors.fetch_add(1, std::memory_order_relaxed);
  return job;
}

void ThreadPool::workerLoop() {
  for (;;) {
    pollFor([&] { return queued_.load(std::memory_order_acquire) > 0 || stopping_.load(); });
    Job* job = nullptr;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stopping_.load() || !queue_.empty(); });
      job = takeRequest();
      if (!job)
        return;
    }
    visit(*job);
  }
}

void ThreadPool::parallelFor(std::int64_t begin, std::int64_t end, std::int64_t grain, int threads,
                             const std::function<void(std::int64_t, std::int64_t)>& body,
                             int chunksPerThread) {
  if (end <= begin)
    return;
  grain = std::max<std::int64_t>(grain, 1);
  std::int64_t grains = (end - begin + grain - 1) / grain;
  if (threads <= 1 || grains == 1) {
    body(begin, end);
    return;
  }
  Job job;
  job.body = &body;
  job.begin = begin;
  job.end = end;
  job.grain = grain;
  job.grains = grains;
  job.chunks = std::min<std::int64_t>(grains, std::int64_t{threads} * std::max(chunksPerThread, 1));
  job.chunksLeft = job.chunks;
  std::int64_t helpers = std::min<std::int64_t>(threads, job.chunks) - 1;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (std::int64_t h = 0; h < helpers; ++h)
      queue_.push_back(&job);
    queued_.fetch_add(static_cast<std::size_t>(helpers), std::memory_order_release);
  }
  wake_.notify_all();
  participate(job);
  while (job.chunksLeft.load(std::memory_order_acquire) != 0) {
    Job* queued = nullptr;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queued = takeRequest();
    }
    if (!queued)
      break;
    visit(*queued);
  }
  // Requests for this job still in the queue (every chunk was taken before a worker got to
  // them) are dropped: job dies with this call.
  {
    std::lock_guard<std::mutex> lock(mutex_);
    std::size_t before = queue_.size();
    std::erase(queue_, &job);
    queued_.fetch_sub(before - queue_.size(), std::memory_order_relaxed);
  }
  // The remaining chunks run on other threads: wait until they finish and every thread that
  // took a request for this job has left it.
  if (!pollFor([&] { return job.done(); })) {
    std::unique_lock<std::mutex> lock(job.mutex);
    job.finished.wait(lock, [&] { return job.done(); });
  }
  // The last thread to leave still holds job.mutex (it notifies under it): take it once so
  // that job outlives that thread's use of it.
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

namespace {

/// Splits [begin, end) on the shared pool: at most currentThreadCount() threads, each with at
/// least kMinWorkPerThread multiply-adds. Returns the first failing chunk's status, else ok.
std::int32_t splitOnSharedPool(std::int64_t begin, std::int64_t end, std::int64_t grain,
                               std::int64_t workPerIteration,
                               std::int32_t (*body)(void* ctx, std::int64_t lo, std::int64_t hi),
                               void* ctx, int chunksPerThread) noexcept {
  using namespace einjit::runtime;
  std::int64_t work =
      std::max<std::int64_t>(end - begin, 0) * std::max<std::int64_t>(workPerIteration, 1);
  std::int64_t threads = std::min<std::int64_t>(
      currentThreadCount(), std::max<std::int64_t>(work / kMinWorkPerThread, 1));
  if (threads <= 1)
    return body(ctx, begin, end);
  // Chunks finish before parallelFor returns (it joins them), so relaxed order suffices.
  std::atomic<std::int32_t> status{kStatusOk};
  sharedPool().parallelFor(
      begin, end, grain, static_cast<int>(threads),
      [&](std::int64_t lo, std::int64_t hi) {
        std::int32_t chunk = body(ctx, lo, hi);
        std::int32_t ok = kStatusOk;
        if (chunk != kStatusOk)
          status.compare_exchange_strong(ok, chunk, std::memory_order_relaxed);
      },
      chunksPerThread);
  return status.load(std::memory_order_relaxed);
}

} // namespace

std::int32_t einjit_rt_parallel_for(
    std::int64_t begin, std::int64_t end, std::int64_t grain, std::int64_t workPerIteration,
    std::int32_t (*body)(void* ctx, std::int64_t lo, std::int64_t hi), void* ctx) noexcept {
  return splitOnSharedPool(begin, end, grain, workPerIteration, body, ctx,
                           einjit::runtime::kChunksPerThread);
}

std::int32_t einjit_rt_parallel_for_per_thread(
    std::int64_t begin, std::int64_t end, std::int64_t grain, std::int64_t workPerIteration,
    std::int32_t (*body)(void* ctx, std::int64_t lo, std::int64_t hi), void* ctx) noexcept {
  return splitOnSharedPool(begin, end, grain, workPerIteration, body, ctx, 1);
}
