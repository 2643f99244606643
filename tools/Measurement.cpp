#include "Measurement.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

namespace einjit::cli {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

} // namespace

CompiledPlan compilePlan(Engine& engine, const std::string& expression,
                         const std::vector<Shape>& shapes, DType dtype,
                         const CallOptions& options) {
  double compiledBefore = engine.statistics().compileMillis;
  Clock::time_point start = Clock::now();
  Plan plan = engine.plan(expression, shapes, dtype, options);
  double planMillis = secondsSince(start) * 1e3;
  return CompiledPlan{plan, planMillis, engine.statistics().compileMillis - compiledBefore};
}

RunTimes timeRuns(std::size_t runs, const std::function<void()>& prepare,
                  const std::function<void()>& run) {
  std::vector<double> seconds;
  seconds.reserve(runs);
  for (std::size_t i = 0; i < runs; ++i) {
    prepare();
    Clock::time_point start = Clock::now();
    run();
    seconds.push_back(secondsSince(start));
  }
  RunTimes times;
  times.runs = runs;
  if (seconds.empty())
    return times;
  std::sort(seconds.begin(), seconds.end());
  std::size_t middle = seconds.size() / 2;
  times.medianSeconds =
      seconds.size() % 2 == 1 ? seconds[middle] : (seconds[middle - 1] + seconds[middle]) / 2;
  times.minSeconds = seconds.front();
  return times;
}

std::string durationText(double seconds) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3g ms", seconds * 1e3);
  return buffer;
}

} // namespace einjit::cli
