// jit_bench: GFLOP/s of a JIT kernel beside a naive C++ loop nest of the same contraction, for
// the S1 row of BENCH.md (ik,kj->ij, 1024³ f32) or any `--shapes`. Medians of repeated runs
// after one warm-up run; compile milliseconds of the cold plan.
//   jit_bench [--n 1024] [--repeat 5] [--explain] [--vector-bits 256]
#include "einjit/engine.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <random>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double secondsOf(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

template <class Body>
double medianSeconds(int repeat, Body&& body) {
  body();
  std::vector<double> times;
  for (int r = 0; r < repeat; ++r) {
    Clock::time_point start = Clock::now();
    body();
    times.push_back(secondsOf(start));
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

/// The textbook i-k-j loop the compiler auto-vectorizes: the "naive loop" peer.
void naiveGemm(const float* a, const float* b, float* c, std::int64_t n) {
  std::fill(c, c + n * n, 0.0f);
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t k = 0; k < n; ++k) {
      float aik = a[i * n + k];
      for (std::int64_t j = 0; j < n; ++j)
        c[i * n + j] += aik * b[k * n + j];
    }
}

} // namespace

int main(int argc, char** argv) {
  std::int64_t n = 1024;
  int repeat = 5;
  bool explain = false;
  einjit::EngineOptions options;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--n" && i + 1 < argc)
      n = std::atoll(argv[++i]);
    else if (flag == "--repeat" && i + 1 < argc)
      repeat = std::atoi(argv[++i]);
    else if (flag == "--vector-bits" && i + 1 < argc)
      options.maxVectorBits = static_cast<unsigned>(std::atoi(argv[++i]));
    else if (flag == "--explain")
      explain = true;
    else {
      std::cerr << "usage: jit_bench [--n N] [--repeat R] [--vector-bits B] [--explain]\n";
      return 2;
    }
  }
  std::vector<float> a(static_cast<std::size_t>(n * n));
  std::vector<float> b(a.size());
  std::vector<float> c(a.size());
  std::vector<float> reference(a.size());
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> value(-1, 1);
  for (std::size_t i = 0; i < a.size(); ++i) {
    a[i] = value(rng);
    b[i] = value(rng);
  }
  einjit::Engine engine(options);
  Clock::time_point start = Clock::now();
  einjit::Plan plan = engine.plan("ik,kj->ij", {{n, n}, {n, n}}, einjit::DType::f32);
  double compileMillis = secondsOf(start) * 1e3;
  if (explain)
    std::cout << plan.explain(einjit::ExplainStage::Loops);
  einjit::TensorView x(a.data(), einjit::DType::f32, {n, n});
  einjit::TensorView y(b.data(), einjit::DType::f32, {n, n});
  einjit::MutableTensorView out(c.data(), einjit::DType::f32, {n, n});
  double flops = 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n);
  double jitSeconds = medianSeconds(repeat, [&] { plan.run({x, y}, out); });
  double naiveSeconds =
      medianSeconds(repeat, [&] { naiveGemm(a.data(), b.data(), reference.data(), n); });
  double worst = 0;
  for (std::size_t i = 0; i < c.size(); ++i)
    worst = std::max(worst, static_cast<double>(std::abs(c[i] - reference[i])));
  // The cached call: a 2x2x2 contraction, where the run is all overhead.
  std::vector<float> tiny(4, 1.0f);
  std::vector<float> tinyOut(4);
  einjit::Plan tinyPlan = engine.plan("ik,kj->ij", {{2, 2}, {2, 2}}, einjit::DType::f32);
  einjit::TensorView tx(tiny.data(), einjit::DType::f32, {2, 2});
  einjit::MutableTensorView to(tinyOut.data(), einjit::DType::f32, {2, 2});
  constexpr int kCalls = 100000;
  double callSeconds = medianSeconds(repeat, [&] {
    for (int i = 0; i < kCalls; ++i)
      tinyPlan.run({tx, tx}, to);
  });
  std::cout << "target " << engine.targetDescription() << "\n"
            << "cached call (2x2x2): " << callSeconds / kCalls * 1e9 << " ns\n"
            << "ik,kj->ij n=" << n << " f32: compile " << compileMillis << " ms\n"
            << "  jit   " << flops / jitSeconds * 1e-9 << " GFLOP/s (median " << jitSeconds
            << " s)\n"
            << "  naive " << flops / naiveSeconds * 1e-9 << " GFLOP/s (median " << naiveSeconds
            << " s)\n"
            << "  max |jit - naive| " << worst << "\n";
  return 0;
}
