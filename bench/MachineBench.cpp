// The machine's ceilings, measured in the same run as the suite (BENCH.md): a tight FMA loop for
// peak GFLOP/s (AVX2 and, where the CPU has it, AVX-512; fp32 and fp64), a bf16 dot-product loop
// (AVX512-BF16's vdpbf16ps, where the CPU has it: the bf16 cases' ceiling) and STREAM-style triad,
// non-temporal store and read loops for memory bandwidth. Registered only for instruction sets the
// CPU supports, at every thread count of the run: with more than one thread, an OpenMP team runs
// the same loop on each thread (FMA) or on its share of the arrays (bandwidth).
#include "BenchRegistry.h"

#include <immintrin.h>

#include <cstdint>
#include <string>
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

// acc += a·b over pairs of bf16 (vdpbf16ps: per f32 lane two products summed into the
// accumulator, so 4 flops per lane). a·b is small and positive: the sums grow slowly and stay
// normal over the longest loop (2^18 steps × 2 × 2^-20 per lane stays below 1).
__attribute__((noinline, target("avx512bf16,avx512f"))) float
dotLoopAvx512Bf16(std::int64_t steps, float scale, float shift) {
  __m512bh left = _mm512_cvtne2ps_pbh(_mm512_set1_ps(scale * shift), _mm512_set1_ps(scale * shift));
  __m512bh right = _mm512_cvtne2ps_pbh(_mm512_set1_ps(shift), _mm512_set1_ps(shift));
  __m512 acc[kAvx512Chains];
  for (int c = 0; c < kAvx512Chains; ++c)
    acc[c] = _mm512_set1_ps(static_cast<float>(c));
  for (std::int64_t s = 0; s < steps; ++s)
#pragma GCC unroll 32
    for (int c = 0; c < kAvx512Chains; ++c)
      acc[c] = _mm512_dpbf16_ps(acc[c], left, right);
  __m512 sum = acc[0];
  for (int c = 1; c < kAvx512Chains; ++c)
    sum = _mm512_add_ps(sum, acc[c]);
  return _mm512_cvtss_f32(sum);
}

// With a team, each call runs this many times longer, so the fork and join cost under 1 %.
constexpr std::int64_t kTeamStepsScale = 64;

/// `lanes` counts multiply-adds per instruction: vector lanes, times two for a pair dot product.
template <class Value>
void peakFma(benchmark::State& state, Value (*loop)(std::int64_t, Value, Value), int chains,
             int lanes, int threads) {
  // Opaque to the optimizer, so the loop cannot be folded at compile time.
  std::int64_t steps = threads > 1 ? kFmaSteps * kTeamStepsScale : kFmaSteps;
  Value scale = Value(0.999);
  Value shift = Value(0.001);
  benchmark::DoNotOptimize(steps);
  benchmark::DoNotOptimize(scale);
  benchmark::DoNotOptimize(shift);
  if (threads == 1) {
    for (auto _ : state)
      benchmark::DoNotOptimize(loop(steps, scale, shift));
  } else {
    for (auto _ : state) {
#pragma omp parallel num_threads(threads)
      benchmark::DoNotOptimize(loop(steps, scale, shift));
    }
  }
  double flopsPerCall = 2.0 * static_cast<double>(steps) * chains * lanes * threads;
  state.counters["FLOPS"] =
      benchmark::Counter(flopsPerCall, benchmark::Counter::kIsIterationInvariantRate);
}

// 2^24 doubles per array: 128 MiB each, far beyond any last-level cache here.
constexpr std::size_t kStreamElements = std::size_t{1} << 24;

void triad(benchmark::State& state, int threads) {
  std::vector<double> a(kStreamElements, 0.0);
  std::vector<double> b(kStreamElements, 1.0);
  std::vector<double> c(kStreamElements, 2.0);
  double scalar = 3.0;
  auto count = static_cast<std::int64_t>(kStreamElements);
  for (auto _ : state) {
    double* target = a.data();
    const double* first = b.data();
    const double* second = c.data();
    if (threads == 1) {
      for (std::int64_t e = 0; e < count; ++e)
        target[e] = first[e] + scalar * second[e];
    } else {
#pragma omp parallel for num_threads(threads) schedule(static)
      for (std::int64_t e = 0; e < count; ++e)
        target[e] = first[e] + scalar * second[e];
    }
    benchmark::ClobberMemory();
  }
  if (a[kStreamElements - 1] != 7.0)
    state.SkipWithError("triad computed a wrong value");
  // STREAM's convention: two arrays read and one written, write-allocate traffic not counted.
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(3 * kStreamElements * sizeof(double)));
}

/// a[begin, end) = value with non-temporal 16-byte stores (SSE2, on every x86-64): the write
/// path alone, as a pure-store contraction (S12) uses it. Begin and end are even and `a` is
/// 16-byte aligned.
void streamRange(double* a, std::int64_t begin, std::int64_t end, double value) {
  __m128d pair = _mm_set1_pd(value);
  for (std::int64_t e = begin; e < end; e += 2)
    _mm_stream_pd(a + e, pair);
  _mm_sfence();
}

void storeNontemporal(benchmark::State& state, int threads) {
  std::vector<double> a(kStreamElements, 0.0);
  auto count = static_cast<std::int64_t>(kStreamElements);
  double value = 1.0;
  for (auto _ : state) {
    if (threads == 1) {
      streamRange(a.data(), 0, count, value);
    } else {
      // Equal shares, each a multiple of two elements (the count is a power of two).
      std::int64_t share = count / threads / 2 * 2;
#pragma omp parallel for num_threads(threads)
      for (int thread = 0; thread < threads; ++thread)
        streamRange(a.data(), thread * share, thread == threads - 1 ? count : (thread + 1) * share,
                    value);
    }
    benchmark::ClobberMemory();
    value += 1.0;
  }
  if (a[kStreamElements - 1] != value - 1.0)
    state.SkipWithError("the non-temporal store loop wrote a wrong value");
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(kStreamElements * sizeof(double)));
}

/// Σ a[begin, end) with four partial sums, so the loop is bound by loads, not by add latency.
double sumRange(const double* a, std::int64_t begin, std::int64_t end) {
  double sums[4] = {0, 0, 0, 0};
  for (std::int64_t e = begin; e < end; e += 4)
    for (std::int64_t lane = 0; lane < 4; ++lane)
      sums[lane] += a[e + lane];
  return sums[0] + sums[1] + sums[2] + sums[3];
}

void readSum(benchmark::State& state, int threads) {
  std::vector<double> a(kStreamElements, 1.0);
  auto count = static_cast<std::int64_t>(kStreamElements);
  for (auto _ : state) {
    double total = 0;
    if (threads == 1) {
      total = sumRange(a.data(), 0, count);
    } else {
      // Equal shares, each a multiple of four elements (the count is a power of two).
      std::int64_t share = count / threads / 4 * 4;
#pragma omp parallel for num_threads(threads) reduction(+ : total)
      for (int thread = 0; thread < threads; ++thread)
        total += sumRange(a.data(), thread * share,
                          thread == threads - 1 ? count : (thread + 1) * share);
    }
    benchmark::DoNotOptimize(total);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(kStreamElements * sizeof(double)));
}

} // namespace

void registerMachineBenchmarks(const std::vector<int>& threadCounts) {
  __builtin_cpu_init();
  bool hasAvx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  bool hasAvx512 = __builtin_cpu_supports("avx512f");
  bool hasAvx512Bf16 = hasAvx512 && __builtin_cpu_supports("avx512bf16");
  for (int threads : threadCounts) {
    std::string suffix = "/t" + std::to_string(threads);
    auto fma = [&](const char* name, auto loop, int chains, int lanes) {
      withThreadSettings(
          benchmark::RegisterBenchmark(
              (std::string("peak_fma/") + name + suffix).c_str(),
              [=](benchmark::State& s) { peakFma(s, loop, chains, lanes, threads); }),
          threads);
    };
    if (hasAvx2) {
      fma("f32/avx2", fmaLoopAvx2F32, kAvx2Chains, 8);
      fma("f64/avx2", fmaLoopAvx2F64, kAvx2Chains, 4);
    }
    if (hasAvx512) {
      fma("f32/avx512", fmaLoopAvx512F32, kAvx512Chains, 16);
      fma("f64/avx512", fmaLoopAvx512F64, kAvx512Chains, 8);
    }
    if (hasAvx512Bf16)
      withThreadSettings(benchmark::RegisterBenchmark(("peak_dot/bf16/avx512bf16" + suffix).c_str(),
                                                      [=](benchmark::State& s) {
                                                        peakFma(s, dotLoopAvx512Bf16, kAvx512Chains,
                                                                32, threads);
                                                      }),
                         threads);
    withThreadSettings(
        benchmark::RegisterBenchmark(("bandwidth/triad" + suffix).c_str(),
                                     [=](benchmark::State& s) { triad(s, threads); }),
        threads)
        ->Unit(benchmark::kMillisecond);
    withThreadSettings(
        benchmark::RegisterBenchmark(("bandwidth/store_nt" + suffix).c_str(),
                                     [=](benchmark::State& s) { storeNontemporal(s, threads); }),
        threads)
        ->Unit(benchmark::kMillisecond);
    withThreadSettings(
        benchmark::RegisterBenchmark(("bandwidth/read" + suffix).c_str(),
                                     [=](benchmark::State& s) { readSum(s, threads); }),
        threads)
        ->Unit(benchmark::kMillisecond);
  }
}

} // namespace einjit::bench
