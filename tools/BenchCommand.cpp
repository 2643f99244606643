// `einjit bench EXPR --shapes S [--dtype T] [--threads N] [--repeat N] [--json]
// [--batch-dot=...] [--strategy=...]`: compiles the call once, times runs on seeded random operands
// and reports GFLOP/s (2 flops per multiply-add), the median run time and the compile time.
#include "CommandLine.h"
#include "Measurement.h"
#include "einjit/engine.h"
#include "support/Format.h"
#include "support/Json.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>
#include <random>
#include <type_traits>

namespace einjit::cli {

namespace {

constexpr std::int64_t kMinimumRuns = 10;
constexpr std::int64_t kMaximumAutomaticRuns = 1000;
// Without --repeat, bench runs for about this long (and at least kMinimumRuns times).
constexpr double kTargetSeconds = 0.25;
constexpr std::uint64_t kSeed = 20240611;

// Values in [-1, 1) (integers in [-3, 3]) keep sums of products far from overflow.
Tensor randomTensor(DType dtype, const Shape& shape, std::mt19937_64& random) {
  Tensor tensor(dtype, shape);
  visitDType(dtype, [&](auto zero) {
    using T = decltype(zero);
    T* data = tensor.as<T>();
    std::uniform_real_distribution<double> real(-1.0, 1.0);
    std::uniform_int_distribution<int> integer(-3, 3);
    for (std::int64_t i = 0; i < tensor.elements(); ++i) {
      if constexpr (std::is_integral_v<T>)
        data[i] = static_cast<T>(integer(random));
      else if constexpr (std::is_floating_point_v<T>)
        data[i] = static_cast<T>(real(random));
      else if constexpr (std::is_same_v<T, bfloat16> || std::is_same_v<T, float16>)
        data[i] = T(static_cast<float>(real(random)));
      else
        data[i] = T(static_cast<typename T::value_type>(real(random)),
                    static_cast<typename T::value_type>(real(random)));
    }
  });
  return tensor;
}

std::string number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", value);
  return buffer;
}

using support::jsonInts;
using support::jsonString;

struct BenchResult {
  const Explanation* explanation = nullptr;
  std::string target;
  std::int64_t multiplyAdds = 0;
  CompiledPlan* compiled = nullptr;
  RunTimes times;
  double gflops = 0;
  int threads = 1;
};

std::string resultJson(const BenchResult& result) {
  const Explanation& explanation = *result.explanation;
  std::vector<std::string> shapes;
  for (const OperandFacts& operand : explanation.operands)
    shapes.push_back(jsonInts(operand.shape));
  std::vector<std::string> members = {
      "\"call\": " + jsonString(explanation.call),
      "\"index\": " + jsonString(explanation.result.index),
      "\"dtype\": " + jsonString(std::string(dtypeName(explanation.dtype))),
      "\"shapes\": [" + support::join(shapes, ", ") + "]",
      "\"out_shape\": " + jsonInts(explanation.result.outShape),
      "\"target\": " + jsonString(result.target),
      "\"threads\": " + std::to_string(result.threads),
      "\"multiply_adds\": " + std::to_string(result.multiplyAdds),
      "\"runs\": " + std::to_string(result.times.runs),
      "\"compile_ms\": " + number(result.compiled->compileMillis),
      "\"plan_ms\": " + number(result.compiled->planMillis),
      "\"median_s\": " + number(result.times.medianSeconds),
      "\"min_s\": " + number(result.times.minSeconds),
      "\"gflops\": " + number(result.gflops),
  };
  return "{\n  " + support::join(members, ",\n  ") + "\n}\n";
}

std::string resultText(const BenchResult& result) {
  const Explanation& explanation = *result.explanation;
  std::vector<std::string> shapes;
  for (const OperandFacts& operand : explanation.operands)
    shapes.push_back(shapeToPython(operand.shape));
  auto line = [](const std::string& key, const std::string& value) {
    return key + std::string(key.size() < 11 ? 11 - key.size() : 1, ' ') + value + "\n";
  };
  return line("call", explanation.call) + line("index", explanation.result.index) +
         line("dtype", std::string(dtypeName(explanation.dtype))) +
         line("shapes",
              support::join(shapes, ", ") + " -> " + shapeToPython(explanation.result.outShape)) +
         line("target", result.target) + line("threads", std::to_string(result.threads)) +
         line("work", std::to_string(result.multiplyAdds) + " multiply-adds") +
         line("compile", number(result.compiled->compileMillis) + " ms (plan " +
                             number(result.compiled->planMillis) + " ms)") +
         line("runs", std::to_string(result.times.runs)) +
         line("median", number(result.times.medianSeconds) + " s (min " +
                            number(result.times.minSeconds) + " s)") +
         line("gflops", number(result.gflops) + " GFLOP/s");
}

} // namespace

int benchCommand(const std::vector<std::string>& args) {
  ParsedArguments parsed = parseArguments(args,
                                          withTargetOptions({{"--shapes", true},
                                                             {"--dtype", true},
                                                             {"--threads", true},
                                                             {"--repeat", true},
                                                             {"--json", false},
                                                             {"--batch-dot", true},
                                                             {"--output-dtype", true},
                                                             {"--strategy", true},
                                                             {"--tune", true}}),
                                          "bench");
  if (parsed.help) {
    std::cout << kBenchHelp;
    return 0;
  }
  if (parsed.positional.size() != 1)
    throw UsageError("einjit bench takes one EXPR (quote it), got " +
                     std::to_string(parsed.positional.size()) + " arguments");
  if (!parsed.has("--shapes"))
    throw UsageError("einjit bench needs --shapes, e.g. --shapes 256x256,256x256");
  std::optional<std::int64_t> repeat;
  if (parsed.has("--repeat"))
    repeat = parseCount(parsed.get("--repeat"), "--repeat", kMinimumRuns);
  RunOptions runOptions;
  runOptions.threads = parsed.has("--threads") ? parseThreadsOption(parsed.get("--threads")) : 1;
  CallOptions callOptions = callOptionsFrom(parsed);
  EngineOptions engineOptions = engineOptionsFrom(parsed);
  DType dtype = parsed.has("--dtype") ? parseDTypeOption(parsed.get("--dtype")) : DType::f32;

  const std::string& expression = parsed.positional[0];
  std::vector<Shape> shapes = callShapes(expression, parsed.get("--shapes"));
  Engine engine(engineOptions);
  Explanation explanation = engine.explain(expression, shapes, dtype, callOptions);

  std::mt19937_64 random(kSeed);
  std::vector<Tensor> inputs;
  std::vector<TensorView> views;
  for (const Shape& shape : shapes) {
    inputs.push_back(randomTensor(dtype, shape, random));
    views.push_back(inputs.back().view());
  }
  Tensor out(explanation.outputDtype.value_or(dtype), explanation.result.outShape);

  CompiledPlan compiled = compilePlan(engine, expression, shapes, dtype, callOptions);
  // The first run touches the operands and the code once; it sizes the automatic run count.
  RunTimes warmUp = timeRuns(
      1, [] {}, [&] { compiled.plan.run(views, out.view(), runOptions); });
  std::int64_t runs = repeat.value_or(std::clamp<std::int64_t>(
      static_cast<std::int64_t>(kTargetSeconds / std::max(warmUp.medianSeconds, 1e-9)),
      kMinimumRuns, kMaximumAutomaticRuns));

  BenchResult result;
  result.explanation = &explanation;
  result.target = engine.targetDescription();
  // BENCH.md counts 2 flops per multiply-add of the contraction as written, or of the best
  // path for three or more operands (the path the engine runs when it beats the fused nest).
  result.multiplyAdds = compiled.plan.multiplyAdds();
  result.compiled = &compiled;
  result.threads = runOptions.threads;
  result.times = timeRuns(
      static_cast<std::size_t>(runs), [] {},
      [&] { compiled.plan.run(views, out.view(), runOptions); });
  // A run faster than the clock resolves would divide by zero; 1 ns is below any real kernel.
  result.gflops = 2.0 * static_cast<double>(result.multiplyAdds) /
                  std::max(result.times.medianSeconds, 1e-9) / 1e9;
  std::cout << (parsed.has("--json") ? resultJson(result) : resultText(result));
  return 0;
}

} // namespace einjit::cli
