// einjit_bench's entry point: reads the thread counts (--einjit_threads=1,2), records the
// machine and the peer libraries in the JSON context, registers every benchmark per thread count,
// then runs Google Benchmark with the usual flags.
#include "BenchRegistry.h"
#include "Peers.h"

#include "einjit/engine.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>

#ifdef EINJIT_BENCH_OPENBLAS
#include <cblas.h>
#include <dlfcn.h>
#endif

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

benchmark::internal::Benchmark* withThreadSettings(benchmark::internal::Benchmark* benchmark,
                                                   int threads) {
  withSuiteSettings(benchmark);
  return threads > 1 ? benchmark->UseRealTime() : benchmark;
}

namespace {

std::string environmentValue(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "(unset)";
}

constexpr const char* kThreadsFlag = "--einjit_threads=";

/// Removes --einjit_threads=1,2 from argv (Google Benchmark rejects flags it does not know) and
/// returns its counts; {1, 2} when absent.
std::vector<int> takeThreadCounts(int& argc, char** argv) {
  std::vector<int> counts{1, 2};
  int kept = 1;
  for (int arg = 1; arg < argc; ++arg) {
    if (std::strncmp(argv[arg], kThreadsFlag, std::strlen(kThreadsFlag)) != 0) {
      argv[kept++] = argv[arg];
      continue;
    }
    counts.clear();
    std::istringstream list(argv[arg] + std::strlen(kThreadsFlag));
    std::string item;
    while (std::getline(list, item, ',')) {
      int count = std::atoi(item.c_str());
      if (count < 1) {
        std::cerr << "einjit_bench: " << argv[arg] << ": thread counts are integers ≥ 1\n";
        std::exit(1);
      }
      counts.push_back(count);
    }
  }
  argc = kept;
  return counts;
}

/// Which shared object cblas_sgemm resolved to: OpenBLAS and BLIS both export it, and the
/// OpenBLAS peer must get OpenBLAS's.
std::string cblasOrigin() {
#ifdef EINJIT_BENCH_OPENBLAS
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&cblas_sgemm), &info) != 0 && info.dli_fname != nullptr)
    return info.dli_fname;
#endif
  return "(not linked)";
}

} // namespace

} // namespace einjit::bench

int main(int argc, char** argv) {
  using namespace einjit::bench;
  std::vector<int> threadCounts = takeThreadCounts(argc, argv);
  einjit::Engine engine;
  benchmark::AddCustomContext("einjit_target", engine.targetDescription());
  std::string peerNames;
  for (const PeerLibrary& peer : peerLibraries()) {
    benchmark::AddCustomContext("peer_" + peer.name, peer.description);
    peerNames += (peerNames.empty() ? "" : ",") + peer.name;
  }
  benchmark::AddCustomContext("peers", peerNames);
  benchmark::AddCustomContext("cblas_sgemm_from", cblasOrigin());
  std::string counts;
  for (int count : threadCounts)
    counts += (counts.empty() ? "" : ",") + std::to_string(count);
  benchmark::AddCustomContext("thread_counts", counts);
  for (const char* name : {"OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS",
                           "BLIS_NUM_THREADS", "OMP_NUM_THREADS", "OMP_WAIT_POLICY"})
    benchmark::AddCustomContext(name, environmentValue(name));
  registerMachineBenchmarks(threadCounts);
  registerCompileBenchmarks();
  registerContractionBenchmarks(threadCounts);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
