#include "OffsetTable.h"

void einjit_rt_fill_offsets(std::int64_t* table, std::int64_t labels, const std::int64_t* extents,
                            const std::int64_t* strides) noexcept {
  if (labels == 0) {
    table[0] = 0;
    return;
  }
  // The innermost label as a plain loop under each combination of the outer ones.
  std::int64_t inner = extents[labels - 1];
  std::int64_t innerStride = strides[labels - 1];
  std::int64_t outerCount = 1;
  for (std::int64_t l = 0; l + 1 < labels; ++l)
    outerCount *= extents[l];
  for (std::int64_t outer = 0; outer < outerCount; ++outer) {
    std::int64_t base = 0;
    std::int64_t rest = outer;
    for (std::int64_t l = labels - 2; l >= 0; --l) {
      base += rest % extents[l] * strides[l];
      rest /= extents[l];
    }
    for (std::int64_t i = 0; i < inner; ++i)
      *table++ = base + i * innerStride;
  }
}
