// One growable buffer per thread. Growing frees the old buffer first: callers never hold two.
#include "Scratch.h"

#include "einjit/tensor.h"

#include <cstdlib>
#include <memory>

namespace {

constexpr std::size_t kAlignment = 64;

struct FreeAligned {
  void operator()(void* pointer) const { std::free(pointer); }
};

struct ThreadScratch {
  std::unique_ptr<void, FreeAligned> memory;
  std::size_t capacity = 0;
};

thread_local ThreadScratch scratch;

} // namespace

void* einjit_rt_scratch(std::int64_t bytes) noexcept {
  std::size_t wanted = bytes > 0 ? static_cast<std::size_t>(bytes) : 1;
  if (wanted <= scratch.capacity)
    return scratch.memory.get();
  if (wanted > einjit::limits::memoryBytes())
    return nullptr;
  scratch.memory.reset();
  scratch.capacity = 0;
  // aligned_alloc wants a multiple of the alignment.
  std::size_t rounded = (wanted + kAlignment - 1) / kAlignment * kAlignment;
  void* memory = std::aligned_alloc(kAlignment, rounded);
  if (!memory)
    return nullptr;
  scratch.memory.reset(memory);
  scratch.capacity = rounded;
  return memory;
}
