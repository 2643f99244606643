// Per-thread scratch memory for generated kernels: the packed strategy's panels and offset
// tables. No LLVM here: kernels compiled ahead of time link it too.
#pragma once

#include <cstdint>

extern "C" {
/// A 64-byte aligned buffer of at least `bytes` bytes owned by the calling thread. It stays
/// valid until the same thread asks again (which may move it) or exits; the memory is kept
/// between calls, so a kernel run after the first allocates nothing. Returns null only when
/// the allocation fails; the kernel then skips its work and the failure is counted.
void* einjit_rt_scratch(std::int64_t bytes) noexcept;
/// Allocations einjit_rt_scratch failed in this process so far: the runtime compares it
/// around a run to turn a failure into an error rather than a silently unwritten output.
std::uint64_t einjit_rt_scratch_failures() noexcept;
}
