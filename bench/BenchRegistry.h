// How einjit_bench's parts register their benchmarks, and the settings every benchmark shares.
#pragma once

#include <benchmark/benchmark.h>

#include <vector>

namespace einjit::bench {

/// Min/max beside Google Benchmark's mean/median/stddev, so the spread of a noisy
/// shared machine is visible in the aggregates. Rates use the process's CPU time (Google
/// Benchmark's default): on a shared machine it leaves out the time other processes held the core.
benchmark::internal::Benchmark* withSuiteSettings(benchmark::internal::Benchmark* benchmark);

/// withSuiteSettings, and for more than one thread wall time instead of CPU time: Google
/// Benchmark's CPU time is the calling thread's, which misses the work of the others.
benchmark::internal::Benchmark* withThreadSettings(benchmark::internal::Benchmark* benchmark,
                                                   int threads);

/// Peak-FMA loops and STREAM-style bandwidth at each thread count: the machine's ceilings,
/// measured in the same run.
void registerMachineBenchmarks(const std::vector<int>& threadCounts);
/// Cold compile latency and cached call overhead (one thread).
void registerCompileBenchmarks();
/// einjit/<id>/t<n> and <peer>/<id>/t<n> for every case of BenchCases.h and thread count.
void registerContractionBenchmarks(const std::vector<int>& threadCounts);

} // namespace einjit::bench
