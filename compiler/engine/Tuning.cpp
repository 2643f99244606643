// Measured tuning (EngineOptions::tuning = Measure): a kernel's candidate schedules compiled and
// timed on its real shapes, the fastest kept — in the persistent cache too, so a machine pays
// for the timing once per kernel, and every later engine there (estimating ones included) plans
// the kernel with the measured choice.
#include "engine/EngineImpl.h"

#include "einjit/error.h"
#include "support/Format.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace einjit {

namespace {

using Clock = std::chrono::steady_clock;

double millisSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string millisText(double millis) {
  char text[32];
  std::snprintf(text, sizeof text, millis >= 100 ? "%.0f ms" : "%.3g ms", millis);
  return text;
}

/// What the persistent cache keeps of a measurement: the winner, then the rationale line.
std::string recordOf(ir::Strategy winner, const std::string& line) {
  return std::string(ir::strategyName(winner)) + "\n" + line;
}

std::optional<ir::Strategy> strategyNamed(const std::string& name) {
  for (ir::Strategy strategy :
       {ir::Strategy::Direct, ir::Strategy::Small, ir::Strategy::Streaming, ir::Strategy::Packed})
    if (name == ir::strategyName(strategy))
      return strategy;
  return std::nullopt;
}

/// Zero-filled contiguous operands and output for timing a kernel of `program`.
struct TimingTensors {
  explicit TimingTensors(const ir::IndexProgram& program)
      : out(program.resultDtype(), program.outputShape()) {
    for (std::size_t t = 0; t < program.operands.size(); ++t)
      inputs.emplace_back(program.dtype, program.operandShape(t));
    for (const Tensor& input : inputs)
      views.push_back(input.view());
    for (const TensorView& view : views)
      read.push_back(&view);
  }
  std::vector<Tensor> inputs;
  std::vector<TensorView> views;
  std::vector<const TensorView*> read;
  Tensor out;
};

} // namespace

void parseTuning(std::string_view text, EngineOptions& options, std::string_view source) {
  auto refuse = [&] {
    throw Error(ErrorKind::Argument, std::string(source) +
                                         " must be estimate, measure or measure:MS (a budget in "
                                         "milliseconds, > 0), got '" +
                                         std::string(text) + "'");
  };
  if (text == "estimate") {
    options.tuning = Tuning::Estimate;
    return;
  }
  if (text.substr(0, 7) != "measure")
    refuse();
  options.tuning = Tuning::Measure;
  if (text.size() == 7)
    return;
  if (text[7] != ':')
    refuse();
  std::string budget(text.substr(8));
  char* end = nullptr;
  double millis = std::strtod(budget.c_str(), &end);
  if (budget.empty() || end != budget.c_str() + budget.size() || !(millis > 0) || millis > 1e7)
    refuse();
  options.tuningBudgetMillis = millis;
}

bool Engine::Impl::measures(const ir::LoopNest& estimate) const {
  return (options.tuning == Tuning::Measure || disk.enabled()) &&
         options.strategy == Strategy::Auto && estimate.constantExtents && missingFeatures.empty();
}

ir::LoopNest Engine::Impl::measuredChoice(const ir::IndexProgram& program,
                                          const std::vector<passes::StrideClass>& operandClasses,
                                          const passes::StrideClass& outputClass,
                                          ir::LoopNest estimate) {
  for (std::size_t t = 0; t < program.operands.size(); ++t)
    if (operandClasses[t] !=
        passes::contiguousStrideClass(program.operandShape(t), options.constantExtents))
      return estimate;
  if (outputClass != passes::contiguousStrideClass(program.outputShape(), options.constantExtents))
    return estimate;

  std::string recordKey = "tune\n" + ir::keyText(estimate) + "target " + target.key() +
                          "\ncaches " + support::toString(loopOptions.caches) +
                          "\neinjit " EINJIT_VERSION "\n";
  jit::DiskEntryIdentity identity{EINJIT_VERSION, target.key(), recordKey,
                                  jit::DiskCache::digest(recordKey), "tuning"};
  if (disk.enabled())
    if (std::optional<std::string> record = disk.load(identity)) {
      std::size_t newline = record->find('\n');
      std::optional<ir::Strategy> winner = strategyNamed(record->substr(0, newline));
      if (winner && newline != std::string::npos) {
        ir::LoopNest chosen = lower(program, operandClasses, outputClass, winner);
        if (chosen.strategy == *winner) {
          chosen.rationale = estimate.rationale;
          chosen.rationale.push_back(record->substr(newline + 1) + " (from the persistent cache)");
          return chosen;
        }
      }
    }

  // An estimating engine takes a choice measured earlier, and measures nothing itself.
  if (options.tuning != Tuning::Measure)
    return estimate;
  // The estimate's nest first, then each strategy that applies and gives another nest.
  std::vector<ir::LoopNest> candidates;
  candidates.push_back(estimate);
  for (ir::Strategy strategy :
       {ir::Strategy::Direct, ir::Strategy::Small, ir::Strategy::Streaming, ir::Strategy::Packed}) {
    ir::LoopNest nest = lower(program, operandClasses, outputClass, strategy);
    if (nest.strategy != strategy)
      continue;
    bool seen = std::any_of(candidates.begin(), candidates.end(), [&](const ir::LoopNest& other) {
      return ir::keyText(other) == ir::keyText(nest);
    });
    if (!seen)
      candidates.push_back(std::move(nest));
  }
  if (candidates.size() == 1)
    return estimate;

  TimingTensors tensors(program);
  RunOptions oneThread;
  oneThread.threads = 1;
  auto start = Clock::now();
  std::vector<PreparedKernel> prepared(candidates.size());
  for (std::size_t c = 0; c < candidates.size(); ++c) {
    prepared[c].nest = candidates[c];
    for (const ir::LoopLabel& label : prepared[c].nest.labels)
      prepared[c].extents.push_back(label.extent);
    prepared[c].kernel = kernelFor(prepared[c].nest);
    // One run to warm the caches (and fault in the pages of the kernel's code).
    invokeKernel(prepared[c], program.dtype, tensors.read.data(), tensors.out.view(), oneThread);
  }
  // Rounds of one run per candidate, the candidates in a rotating order, until the budget is
  // spent (at least three rounds, at most 51); each candidate's fastest run counts. Interleaved,
  // a neighbour's burst of load slows every candidate alike instead of the one timed during it
  // (timed one after the other, a busy machine once picked direct for B32 at 0.71x of packed).
  std::vector<double> times(candidates.size(), 0);
  auto timingStart = Clock::now();
  int rounds = 0;
  for (; rounds < 51 && (rounds < 3 || millisSince(timingStart) < options.tuningBudgetMillis);
       ++rounds)
    for (std::size_t step = 0; step < candidates.size(); ++step) {
      std::size_t c = (step + static_cast<std::size_t>(rounds)) % candidates.size();
      auto runStart = Clock::now();
      invokeKernel(prepared[c], program.dtype, tensors.read.data(), tensors.out.view(), oneThread);
      double millis = millisSince(runStart);
      times[c] = rounds == 0 ? millis : std::min(times[c], millis);
    }
  std::vector<std::string> timings;
  for (std::size_t c = 0; c < candidates.size(); ++c)
    timings.push_back(std::string(ir::strategyName(candidates[c].strategy)) + " " +
                      millisText(times[c]));
  std::size_t best =
      static_cast<std::size_t>(std::min_element(times.begin(), times.end()) - times.begin());
  std::string line = "measured, fastest of " + std::to_string(rounds) +
                     " interleaved runs each on one thread (" + millisText(millisSince(start)) +
                     " with compiling): " + support::join(timings, ", ") + ": " +
                     std::string(ir::strategyName(candidates[best].strategy));
  if (disk.enabled())
    disk.store(identity, recordOf(candidates[best].strategy, line));
  ir::LoopNest chosen = std::move(candidates[best]);
  chosen.rationale = estimate.rationale;
  chosen.rationale.push_back(line);
  return chosen;
}

} // namespace einjit
