// The Engine the extension module wraps, with the plans of its numpy-style einsum calls: keyed by
// subscripts, dtype and shapes, so that a call finds its plan (and what numpy's output layout is
// for it) without building anything, and numpy can allocate the result before the kernel runs.
#pragma once

#include "einjit/engine.h"
#include "support/LruMap.h"

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace einjit::python {

class EinsumPlans {
public:
  struct Entry {
    Plan plan;
    /// Whether numpy's order='K' result for C-contiguous operands is in C order; unknown until
    /// an einsum call without out= needs it.
    std::optional<bool> cOrderIsNumpys;
  };

  explicit EinsumPlans(std::size_t capacity);

  /// The entry of this call signature, if planned; cheap enough to call with the GIL held.
  std::optional<Entry> find(std::string_view subscripts, InputViews in);
  /// Plans the signature and keeps it (call without the GIL: this compiles).
  Entry add(Engine& engine, std::string_view subscripts, InputViews in);
  /// find(), else add().
  Entry get(Engine& engine, std::string_view subscripts, InputViews in);
  void rememberCOrder(std::string_view subscripts, InputViews in, bool kept);

private:
  std::mutex mutex_;
  /// Bounded like the engine's kernel cache, least recently used dropped first.
  support::LruMap<std::string, Entry> entries_;
};

/// An Engine with the einsum plans of its Python calls.
struct PyEngine {
  explicit PyEngine(const EngineOptions& options) : engine(options), plans(options.cacheCapacity) {}
  Engine engine;
  EinsumPlans plans;
};

} // namespace einjit::python
