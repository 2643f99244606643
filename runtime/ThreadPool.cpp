// The thread pool: one mutex-guarded queue of chunks. A parallelFor queues all chunks but its
// first, runs the first itself, then helps with queued chunks (its own or anyone's) until its
// own are done, so a caller never sleeps while work it waits for sits in the queue.
#include "ThreadPool.h"

#include <algorithm>
#include <exception>

namespace einjit::runtime {

struct ThreadPool::Job {
  const std::function<void(std::int64_t, std::int64_t)>* body = nullptr;
  std::mutex mutex;
  std::condition_variable finished;
  std::size_t pending = 0;
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
  if (--job.pending == 0)
    job.finished.notify_all();
}

void ThreadPool::workerLoop() {
  for (;;) {
    Chunk chunk;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty())
        return;
      chunk = queue_.front();
      queue_.pop_front();
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
  }
  wake_.notify_all();
  runChunk(Chunk{&job, boundary(0), boundary(1)});
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(job.mutex);
      if (job.pending == 0)
        break;
    }
    Chunk chunk;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!queue_.empty()) {
        chunk = queue_.front();
        queue_.pop_front();
      }
    }
    if (chunk.job) {
      runChunk(chunk);
      continue;
    }
    // Nothing queued: the remaining chunks run on other threads; sleep until they finish.
    std::unique_lock<std::mutex> lock(job.mutex);
    job.finished.wait(lock, [&] { return job.pending == 0; });
    break;
  }
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
