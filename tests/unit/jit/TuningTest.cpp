// Measured tuning (EngineOptions::tuning = Measure): every applicable strategy is timed, the
// fastest kept and printed with the timings, stored on disk and reused by the next engine; the
// values are the same whichever wins. Which one wins is the machine's business, so the tests
// check that the choice is the fastest of the timings printed, never a particular strategy.
#include "DiskCacheTestSupport.h"
#include "JitTestSupport.h"
#include "TestSupport.h"
#include "reference/Interpreter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <unistd.h>
#include <utility>
#include <vector>

namespace einjit::test {
namespace {

namespace fs = std::filesystem;

EngineOptions measuring(const fs::path& directory) {
  EngineOptions options;
  options.tuning = Tuning::Measure;
  options.tuningBudgetMillis = 20;
  options.cacheDirectory = directory.string();
  return options;
}

/// The "why: measured, …" line of a loop-nest explanation, or "".
std::string measuredLine(const std::string& explanation) {
  std::size_t at = explanation.find("why: measured");
  if (at == std::string::npos)
    return "";
  return explanation.substr(at, explanation.find('\n', at) - at);
}

/// Whether the strategy a measured line names last is one of those with the least time printed.
/// Times are printed to three digits, so two candidates can tie: either may then be the winner.
::testing::AssertionResult choseAFastest(const std::string& line) {
  std::string timings = line.substr(line.find("): ") + 3);
  std::string chosen = timings.substr(timings.rfind(": ") + 2);
  chosen = chosen.substr(0, chosen.find(' '));
  // "direct 0.379 ms, small 0.455 ms, …: direct" (no std::regex: GCC's -Wmaybe-uninitialized
  // fires inside <regex> in the sanitizer build).
  std::vector<std::pair<std::string, double>> listed;
  std::istringstream words(timings.substr(0, timings.rfind(": ")));
  std::string name;
  std::string millis;
  std::string unit;
  while (words >> name >> millis >> unit)
    listed.emplace_back(name, std::stod(millis));
  if (listed.empty())
    return ::testing::AssertionFailure() << "no timings in: " << line;
  double best = listed.front().second;
  for (const auto& [candidate, value] : listed)
    best = std::min(best, value);
  for (const auto& [candidate, value] : listed)
    if (candidate == chosen && value == best)
      return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << chosen << " is not among the fastest in: " << line;
}

TEST(Tuning, KeepsTheFastestCandidateAndComputesTheSameValues) {
  TemporaryDirectory directory("einjit-tuning");
  Engine engine(measuring(directory.path()));
  Plan plan = engine.plan("ik,kj->ij", {{96, 80}, {80, 72}}, DType::f32);
  std::string line = measuredLine(plan.explain());
  ASSERT_FALSE(line.empty()) << plan.explain();
  for (const char* strategy : {"direct", "packed"})
    EXPECT_NE(line.find(strategy), std::string::npos) << line;
  EXPECT_TRUE(choseAFastest(line));
  std::string chosen = line.substr(line.rfind(": ") + 2);
  EXPECT_NE(plan.explain().find("strategy " + chosen), std::string::npos) << plan.explain();

  Tensor x = arange(DType::f32, {96, 80});
  Tensor y = arange(DType::f32, {80, 72}, -3000);
  Tensor expected = Engine().einsum("ik,kj->ij", {x.view(), y.view()});
  EXPECT_EQ(realValuesOf(plan.run({x.view(), y.view()}).view()), realValuesOf(expected.view()));
}

TEST(Tuning, TheChoiceIsKeptOnDiskForTheNextEngine) {
  TemporaryDirectory directory("einjit-tuning");
  std::string first;
  {
    Engine engine(measuring(directory.path()));
    first = measuredLine(engine.plan("i,j->ij", {{300}, {200}}, DType::f32).explain());
    ASSERT_FALSE(first.empty());
  }
  Engine again(measuring(directory.path()));
  std::string second = measuredLine(again.plan("i,j->ij", {{300}, {200}}, DType::f32).explain());
  EXPECT_EQ(second, first + " (from the persistent cache)");
  EXPECT_GE(again.statistics().diskHits, 1u);
}

TEST(Tuning, AnEstimatingEngineTakesTheStoredChoice) {
  TemporaryDirectory directory("einjit-tuning");
  std::string measured;
  {
    Engine engine(measuring(directory.path()));
    measured = measuredLine(engine.plan("i,j->ij", {{300}, {200}}, DType::f32).explain());
    ASSERT_FALSE(measured.empty());
  }
  EngineOptions estimating = measuring(directory.path());
  estimating.tuning = Tuning::Estimate;
  EXPECT_EQ(measuredLine(Engine(estimating).plan("i,j->ij", {{300}, {200}}, DType::f32).explain()),
            measured + " (from the persistent cache)");
  // Another shape, or no persistent cache: nothing stored applies, and nothing is timed.
  EXPECT_EQ(measuredLine(Engine(estimating).plan("i,j->ij", {{300}, {100}}, DType::f32).explain()),
            "");
  estimating.persistentCache = false;
  EXPECT_EQ(measuredLine(Engine(estimating).plan("i,j->ij", {{300}, {200}}, DType::f32).explain()),
            "");
}

TEST(Tuning, EstimateAndForcedStrategiesMeasureNothing) {
  TemporaryDirectory directory("einjit-tuning");
  EngineOptions options = measuring(directory.path());
  options.tuning = Tuning::Estimate;
  EXPECT_EQ(measuredLine(Engine(options).plan("ij,jk", {{64, 64}, {64, 64}}, DType::f32).explain()),
            "");
  options.tuning = Tuning::Measure;
  options.strategy = Strategy::Direct;
  std::string forced = Engine(options).plan("ij,jk", {{64, 64}, {64, 64}}, DType::f32).explain();
  EXPECT_EQ(measuredLine(forced), "");
  EXPECT_NE(forced.find("forced: direct"), std::string::npos);
}

TEST(Tuning, ParsesItsSetting) {
  EngineOptions options;
  parseTuning("measure:75", options, "--tune");
  EXPECT_EQ(options.tuning, Tuning::Measure);
  EXPECT_EQ(options.tuningBudgetMillis, 75);
  parseTuning("estimate", options, "--tune");
  EXPECT_EQ(options.tuning, Tuning::Estimate);
  for (const char* bad :
       {"", "fast", "measure:", "measure:0", "measure:-3", "measure:5x", "measured", "measure:nan"})
    expectError([&] { parseTuning(bad, options, "--tune"); }, ErrorKind::Argument,
                {"--tune must be estimate, measure or measure:MS"});
  ASSERT_EQ(setenv("EINJIT_TUNE", "measure:soon", 1), 0);
  expectError([] { Engine engine; }, ErrorKind::Argument, {"EINJIT_TUNE must be"});
  ASSERT_EQ(unsetenv("EINJIT_TUNE"), 0);
}

} // namespace
} // namespace einjit::test
