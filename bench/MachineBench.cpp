// The machine's ceilings, measured in the same run as the suite (BENCH.md): a tight FMA loop for
// peak GFLOP/s (AVX2 and, where the CPU has it, AVX-512; fp32 and fp64) and STREAM-style triad
// and read loops for memory bandwidth. Registered only for instruction sets the CPU supports.
#include "BenchRegistry.h"

#include <immintrin.h>

#include <cstdint>
#include <vector>

namespace einjit::bench {

namespace {

// The chain loops are unrolled so every accumulator lives in a register. Enough independent
// accumulators to cover FMA latency × FMA ports on current x86 cores (4 × 2
// on Zen 3/4 and Skylake), and few enough to stay in registers with the two operands.
constexpr int kAvx2Chains = 12;
constexpr int kAvx512Chains = 24;
constexpr std::int64_t kFmaSteps = 4096;

// acc = acc * scale + shift converges (|scale| < 1), so values stay normal.
__attribute__((noinline, target("avx2,fma"))) float fmaLoopAvx2F32(std::int64_t steps, float scale,
                                                                   float shift) {
  __m256 multiplier = _mm256_set1_ps(scale);
  __m256 addend = _mm256_set1_ps(shift);
  __m256 acc[kAvx2Chains];
  for (int c = 0; c < kAvx2Chains; ++c)
    acc[c] = _mm256_set1_ps(static_cast<float>(c));
  for (std::int64_t s = 0; s < steps; ++s)
#pragma GCC unroll 32
    for (int c = 0; c < kAvx2Chains; ++c)
      acc[c] = _mm256_fmadd_ps(acc[c], multiplier, addend);
  __m256 sum = acc[0];
  for (int c = 1; c < kAvx2Chains; ++c)
    sum = _mm256_add_ps(sum, acc[c]);
  return _mm256_cvtss_f32(sum);
}

__attribute__((noinline, target("avx2,fma"))) double fmaLoopAvx2F64(std::int64_t steps,
                                                                    double scale, double shift) {
  __m256d multiplier = _mm256_set1_pd(scale);
  __m256d addend = _mm256_set1_pd(shift);
  __m256d acc[kAvx2Chains];
  for (int c = 0; c < kAvx2Chains; ++c)
    acc[c] = _mm256_set1_pd(static_cast<double>(c));
  for (std::int64_t s = 0; s < steps; ++s)
#pragma GCC unroll 32
    for (int c = 0; c < kAvx2Chains; ++c)
      acc[c] = _mm256_fmadd_pd(acc[c], multiplier, addend);
  __m256d sum = acc[0];
  for (int c = 1; c < kAvx2Chains; ++c)
    sum = _mm256_add_pd(sum, acc[c]);
  return _mm256_cvtsd_f64(sum);
}

__attribute__((noinline, target("avx512f"))) float fmaLoopAvx512F32(std::int64_t steps, float scale,
                                                                    float shift) {
  __m512 multiplier = _mm512_set1_ps(scale);
  __m512 addend = _mm512_set1_ps(shift);
  __m512 acc[kAvx512Chains];
  for (int c = 0; c < kAvx512Chains; ++c)
    acc[c] = _mm512_set1_ps(static_cast<float>(c));
  for (std::int64_t s = 0; s < steps; ++s)
#pragma GCC unroll 32
    for (int c = 0; c < kAvx512Chains; ++c)
      acc[c] = _mm512_fmadd_ps(acc[c], multiplier, addend);
  __m512 sum = acc[0];
  for (int c = 1; c < kAvx512Chains; ++c)
    sum = _mm512_add_ps(sum, acc[c]);
  return _mm512_cvtss_f32(sum);
}

__attribute__((noinline, target("avx512f"))) double fmaLoopAvx512F64(std::int64_t steps,
                                                                     double scale, double shift) {
  __m512d multiplier = _mm512_set1_pd(scale);
  __m512d addend = _mm512_set1_pd(shift);
  __m512d acc[kAvx512Chains];
  for (int c = 0; c < kAvx512Chains; ++c)
    acc[c] = _mm512_set1_pd(static_cast<double>(c));
  for (std::int64_t s = 0; s < steps; ++s)
#pragma GCC unroll 32
    for (int c = 0; c < kAvx512Chains; ++c)
      acc[c] = _mm512_fmadd_pd(acc[c], multiplier, addend);
  __m512d sum = acc[0];
  for (int c = 1; c < kAvx512Chains; ++c)
    sum = _mm512_add_pd(sum, acc[c]);
  return _mm512_cvtsd_f64(sum);
}

template <class Value>
void peakFma(benchmark::State& state, Value (*loop)(std::int64_t, Value, Value), int chains,
             int lanes) {
  // Opaque to the optimizer, so the loop cannot be folded at compile time.
  std::int64_t steps = kFmaSteps;
  Value scale = Value(0.999);
  Value shift = Value(0.001);
  benchmark::DoNotOptimize(steps);
  benchmark::DoNotOptimize(scale);
  benchmark::DoNotOptimize(shift);
  for (auto _ : state)
    benchmark::DoNotOptimize(loop(steps, scale, shift));
  double flopsPerCall = 2.0 * static_cast<double>(kFmaSteps) * chains * lanes;
  state.counters["FLOPS"] =
      benchmark::Counter(flopsPerCall, benchmark::Counter::kIsIterationInvariantRate);
}

// 2^24 doubles per array: 128 MiB each, far beyond any last-level cache here.
constexpr std::size_t kStreamElements = std::size_t{1} << 24;

void triad(benchmark::State& state) {
  std::vector<double> a(kStreamElements, 0.0);
  std::vector<double> b(kStreamElements, 1.0);
  std::vector<double> c(kStreamElements, 2.0);
  double scalar = 3.0;
  for (auto _ : state) {
    double* target = a.data();
    const double* first = b.data();
    const double* second = c.data();
    for (std::size_t e = 0; e < kStreamElements; ++e)
      target[e] = first[e] + scalar * second[e];
    benchmark::ClobberMemory();
  }
  if (a[kStreamElements - 1] != 7.0)
    state.SkipWithError("triad computed a wrong value");
  // STREAM's convention: two arrays read and one written, write-allocate traffic not counted.
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(3 * kStreamElements * sizeof(double)));
}

void readSum(benchmark::State& state) {
  std::vector<double> a(kStreamElements, 1.0);
  for (auto _ : state) {
    // Four partial sums so the loop is bound by loads, not by the add latency.
    double sums[4] = {0, 0, 0, 0};
    for (std::size_t e = 0; e < kStreamElements; e += 4)
      for (std::size_t lane = 0; lane < 4; ++lane)
        sums[lane] += a[e + lane];
    double total = sums[0] + sums[1] + sums[2] + sums[3];
    benchmark::DoNotOptimize(total);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(kStreamElements * sizeof(double)));
}

} // namespace

void registerMachineBenchmarks() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    withSuiteSettings(benchmark::RegisterBenchmark("peak_fma/f32/avx2", [](benchmark::State& s) {
      peakFma(s, fmaLoopAvx2F32, kAvx2Chains, 8);
    }));
    withSuiteSettings(benchmark::RegisterBenchmark("peak_fma/f64/avx2", [](benchmark::State& s) {
      peakFma(s, fmaLoopAvx2F64, kAvx2Chains, 4);
    }));
  }
  if (__builtin_cpu_supports("avx512f")) {
    withSuiteSettings(benchmark::RegisterBenchmark("peak_fma/f32/avx512", [](benchmark::State& s) {
      peakFma(s, fmaLoopAvx512F32, kAvx512Chains, 16);
    }));
    withSuiteSettings(benchmark::RegisterBenchmark("peak_fma/f64/avx512", [](benchmark::State& s) {
      peakFma(s, fmaLoopAvx512F64, kAvx512Chains, 8);
    }));
  }
  withSuiteSettings(benchmark::RegisterBenchmark("bandwidth/triad", triad))
      ->Unit(benchmark::kMillisecond);
  withSuiteSettings(benchmark::RegisterBenchmark("bandwidth/read", readSum))
      ->Unit(benchmark::kMillisecond);
}

} // namespace einjit::bench
