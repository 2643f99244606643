// einjit/<id> and openblas/<id> for every case: the same random inputs, the kernel compiled and
// the peer's scratch allocated before timing, and einjit's result checked against OpenBLAS's once
// per case, so a fast wrong kernel cannot report a rate.
#include "BenchCases.h"
#include "BenchRegistry.h"

#include "einjit/engine.h"
#include "einjit/error.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <random>
#include <sstream>

namespace einjit::bench {

namespace {

/// A case's data, plan and peer. Only the latest case is kept: einjit/<id> and openblas/<id>
/// run back to back, and keeping every case would hold gigabytes.
struct PreparedCase {
  const BenchCase* benchCase = nullptr;
  std::vector<Tensor> inputs;
  std::vector<TensorView> inputViews;
  std::vector<const void*> inputPointers;
  std::optional<Plan> plan;
  Tensor einjitOut;
  Tensor peerOut;
  PeerRun peer;
  /// Empty when einjit compiled the case and matched OpenBLAS; else why not.
  std::string einjitProblem;
  double relativeDifference = 0;
};

Engine& sharedEngine() {
  static Engine engine;
  return engine;
}

template <class T>
void fillUniform(Tensor& tensor, std::mt19937& generator) {
  std::uniform_real_distribution<T> value(-1, 1);
  T* data = tensor.as<T>();
  for (std::int64_t e = 0; e < tensor.elements(); ++e)
    data[e] = value(generator);
}

template <class T>
double maxRelativeDifference(const Tensor& actual, const Tensor& expected) {
  double largestDifference = 0;
  double largestValue = 0;
  for (std::int64_t e = 0; e < expected.elements(); ++e) {
    double difference = std::abs(static_cast<double>(actual.as<T>()[e] - expected.as<T>()[e]));
    // NaN compares false: make it the largest difference.
    if (!(difference <= largestDifference))
      largestDifference = std::isnan(difference) ? INFINITY : difference;
    largestValue = std::max(largestValue, std::abs(static_cast<double>(expected.as<T>()[e])));
  }
  return largestDifference / std::max(largestValue, 1e-30);
}

void compileAndCheck(PreparedCase& prepared) {
  const BenchCase& benchCase = *prepared.benchCase;
  try {
    prepared.plan = sharedEngine().plan(benchCase.expression, benchCase.shapes, benchCase.dtype);
    if (prepared.plan->outputShape() != benchCase.outputShape) {
      prepared.einjitProblem = "einjit's output shape " +
                               shapeToPython(prepared.plan->outputShape()) + " is not " +
                               shapeToPython(benchCase.outputShape);
      return;
    }
    prepared.einjitOut = Tensor(benchCase.dtype, prepared.plan->outputShape());
    prepared.plan->run(prepared.inputViews, prepared.einjitOut.view());
  } catch (const Error& error) {
    prepared.einjitProblem = std::string("einjit failed: ") + error.what();
    return;
  }
  bool isDouble = benchCase.dtype == DType::f64;
  prepared.relativeDifference =
      isDouble ? maxRelativeDifference<double>(prepared.einjitOut, prepared.peerOut)
               : maxRelativeDifference<float>(prepared.einjitOut, prepared.peerOut);
  double tolerance = isDouble ? 1e-10 : 1e-4;
  if (!(prepared.relativeDifference <= tolerance)) {
    std::ostringstream message;
    message << "einjit differs from OpenBLAS: max |difference| / max |value| = "
            << prepared.relativeDifference << " > " << tolerance;
    prepared.einjitProblem = message.str();
  }
}

PreparedCase& prepare(const BenchCase& benchCase) {
  static std::unique_ptr<PreparedCase> latest;
  if (latest && latest->benchCase == &benchCase)
    return *latest;
  latest.reset();
  auto prepared = std::make_unique<PreparedCase>();
  prepared->benchCase = &benchCase;
  std::mt19937 generator(2024);
  for (const Shape& shape : benchCase.shapes) {
    Tensor input(benchCase.dtype, shape);
    if (benchCase.dtype == DType::f64)
      fillUniform<double>(input, generator);
    else
      fillUniform<float>(input, generator);
    prepared->inputs.push_back(input);
    prepared->inputViews.push_back(input.view());
    prepared->inputPointers.push_back(input.data());
  }
  prepared->peer = benchCase.makePeer();
  prepared->peerOut = Tensor(benchCase.dtype, benchCase.outputShape);
  prepared->peer(prepared->inputPointers, prepared->peerOut.data());
  compileAndCheck(*prepared);
  latest = std::move(prepared);
  return *latest;
}

void reportRates(benchmark::State& state, const BenchCase& benchCase) {
  state.counters["FLOPS"] =
      benchmark::Counter(benchCase.flops, benchmark::Counter::kIsIterationInvariantRate);
  state.SetBytesProcessed(static_cast<std::int64_t>(benchCase.bytes) * state.iterations());
}

void runEinjit(benchmark::State& state, const BenchCase& benchCase) {
  PreparedCase& prepared = prepare(benchCase);
  if (!prepared.einjitProblem.empty()) {
    state.SkipWithError(prepared.einjitProblem.c_str());
    return;
  }
  TensorView out = prepared.einjitOut.view();
  for (auto _ : state)
    prepared.plan->run(prepared.inputViews, out);
  reportRates(state, benchCase);
  state.counters["rel_diff_vs_openblas"] = prepared.relativeDifference;
}

void runOpenblas(benchmark::State& state, const BenchCase& benchCase) {
  PreparedCase& prepared = prepare(benchCase);
  void* out = prepared.peerOut.data();
  for (auto _ : state)
    prepared.peer(prepared.inputPointers, out);
  reportRates(state, benchCase);
}

} // namespace

void registerContractionBenchmarks() {
  for (const BenchCase& benchCase : benchCases()) {
    const BenchCase* pointer = &benchCase;
    withSuiteSettings(benchmark::RegisterBenchmark(
                          ("einjit/" + benchCase.id).c_str(),
                          [pointer](benchmark::State& state) { runEinjit(state, *pointer); }))
        ->Unit(benchmark::kMicrosecond);
    withSuiteSettings(benchmark::RegisterBenchmark(
                          ("openblas/" + benchCase.id).c_str(),
                          [pointer](benchmark::State& state) { runOpenblas(state, *pointer); }))
        ->Unit(benchmark::kMicrosecond);
  }
}

} // namespace einjit::bench
