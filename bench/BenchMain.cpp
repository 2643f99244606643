// einjit_bench's entry point: pins OpenBLAS to one thread, records the machine and library in
// the JSON context, then runs Google Benchmark with the usual flags.
#include "BenchRegistry.h"
#include "BlasPeers.h"

#include "einjit/engine.h"

#include <algorithm>
#include <cstdlib>
#include <string>

namespace einjit::bench {

benchmark::internal::Benchmark* withSuiteSettings(benchmark::internal::Benchmark* benchmark) {
  auto minimum = [](const std::vector<double>& values) {
    return values.empty() ? 0.0 : *std::min_element(values.begin(), values.end());
  };
  auto maximum = [](const std::vector<double>& values) {
    return values.empty() ? 0.0 : *std::max_element(values.begin(), values.end());
  };
  return benchmark->ComputeStatistics("min", minimum)->ComputeStatistics("max", maximum);
}

namespace {

std::string environmentValue(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "(unset)";
}

} // namespace

} // namespace einjit::bench

int main(int argc, char** argv) {
  using namespace einjit::bench;
  useOneBlasThread();
  einjit::Engine engine;
  benchmark::AddCustomContext("einjit_target", engine.targetDescription());
  benchmark::AddCustomContext("openblas", openblasDescription());
  for (const char* name : {"OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS"})
    benchmark::AddCustomContext(name, environmentValue(name));
  registerMachineBenchmarks();
  registerCompileBenchmarks();
  registerContractionBenchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
