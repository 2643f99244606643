// Per-thread scratch memory for generated kernels: the packed strategy's panels and offset
// tables. No LLVM here: kernels compiled ahead of time link it too.
#pragma once

#include <cstdint>

extern "C" {
/// A 64-byte aligned buffer of at least `bytes` bytes owned by the calling thread. It stays
/// valid until the same thread asks again (which may move it) or exits; the memory is kept
/// between calls, so a kernel run after the first allocates nothing. Returns null when the
/// allocation fails, and without attempting it when `bytes` exceeds limits::memoryBytes() (an
/// allocation that cannot succeed; sanitizers abort on those): the kernel then skips its work
/// and returns kStatusOutOfMemory (KernelAbi.h) to its caller. No state is shared between
/// threads, so one kernel's failure is never seen by another's.
void* einjit_rt_scratch(std::int64_t bytes) noexcept;
}
