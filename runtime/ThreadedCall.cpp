// A scope around one kernel call: the thread count is per calling thread (ThreadPool.h), so two
// threads calling ahead-of-time kernels with different counts do not disturb each other.
#include "ThreadedCall.h"
#include "ThreadPool.h"

std::int32_t einjit_rt_call_with_threads(
    int threads,
    std::int32_t (*kernel)(void* const* data, const std::int64_t* strides,
                           const std::int64_t* extents, const void* alpha, const void* beta),
    void* const* data, const std::int64_t* strides, const std::int64_t* extents, const void* alpha,
    const void* beta) noexcept {
  einjit::runtime::ThreadCountScope scope(threads);
  return kernel(data, strides, extents, alpha, beta);
}
