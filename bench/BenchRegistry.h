// How einjit_bench's parts register their benchmarks, and the settings every benchmark shares.
#pragma once

#include <benchmark/benchmark.h>

namespace einjit::bench {

/// Min/max beside Google Benchmark's mean/median/stddev, so the spread of a noisy
/// shared machine is visible in the aggregates. Rates use the process's CPU time (Google
/// Benchmark's default): on a shared machine it leaves out the time other processes held the core.
benchmark::internal::Benchmark* withSuiteSettings(benchmark::internal::Benchmark* benchmark);

/// Peak-FMA loops and STREAM-style bandwidth: the machine's ceilings, measured in the same run.
void registerMachineBenchmarks();
/// Cold compile latency and cached call overhead.
void registerCompileBenchmarks();
/// einjit/<id> and openblas/<id> for every case of BenchCases.h.
void registerContractionBenchmarks();

} // namespace einjit::bench
