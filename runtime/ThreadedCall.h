// The C entry point through which an ahead-of-time kernel runs its parallel loop with the thread
// count its caller asked for. Objects from `einjit compile` call it; it is part of einjit_rt, so
// a threaded artifact links einjit_rt and still no LLVM.
#pragma once

#include <cstdint>

extern "C" {
/// Calls kernel(data, strides, extents, alpha, beta) (the KernelEntry ABI of
/// runtime/KernelAbi.h) with the kernel's parallel loops limited to `threads` threads of the
/// shared pool: threads <= 0 means every hardware thread. The count holds for the calling
/// thread during the call only. Returns the kernel's status. The kernel must not throw.
std::int32_t einjit_rt_call_with_threads(
    int threads,
    std::int32_t (*kernel)(void* const* data, const std::int64_t* strides,
                           const std::int64_t* extents, const void* alpha, const void* beta),
    void* const* data, const std::int64_t* strides, const std::int64_t* extents, const void* alpha,
    const void* beta) noexcept;
}
