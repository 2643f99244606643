// The packed kernel's offset tables, filled by compiled code rather than by a loop JIT-compiled
// into every kernel (the fill runs once per call and per thread, so its speed does not matter;
// its code would cost every kernel compile). No LLVM here: kernels compiled ahead of time link
// it too.
#pragma once

#include <cstdint>

extern "C" {
/// table[i] = Σ_l digit_l(i) · strides[l] for i in [0, Π extents): i written in the mixed radix
/// of `extents`, label labels - 1 the fastest digit. A group of no labels fills one zero.
void einjit_rt_fill_offsets(std::int64_t* table, std::int64_t labels, const std::int64_t* extents,
                            const std::int64_t* strides) noexcept;
}
