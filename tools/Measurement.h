// How the CLI runs a call natively and times it: a JIT plan (Engine::plan, its front-end
// choices such as legacy Keras as CallOptions) and the median of repeated runs.
#pragma once

#include "einjit/engine.h"

#include <cstddef>
#include <functional>

namespace einjit::cli {

/// A plan compiled for contiguous operands, with what it cost.
struct CompiledPlan {
  Plan plan;
  double planMillis = 0;    ///< wall time of Engine::plan (lowering and compiling)
  double compileMillis = 0; ///< of which the kernel cache spent compiling (0 on a cache hit)
};

/// Engine::plan, timed.
CompiledPlan compilePlan(Engine& engine, const std::string& expression,
                         const std::vector<Shape>& shapes, DType dtype, const CallOptions& options);

struct RunTimes {
  std::size_t runs = 0;
  double medianSeconds = 0;
  double minSeconds = 0;
};

/// Calls `prepare` (untimed) then `run` (timed), `runs` times.
RunTimes timeRuns(std::size_t runs, const std::function<void()>& prepare,
                  const std::function<void()>& run);

/// "0.0123 ms" style text for a duration in seconds, with 3 significant digits.
std::string durationText(double seconds);

} // namespace einjit::cli
