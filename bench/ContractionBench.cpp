// einjit/<id>/t<n> and <peer>/<id>/t<n> for every case and thread count: the same random
// inputs, the kernel compiled and each peer built (scratch allocated, kernels generated) before
// timing. In the bf16 and f16 cases einjit writes the 16-bit dtype and the peers f32. Results are
// checked before any timing, so a fast wrong kernel cannot report a rate: einjit against the first
// peer that computes the case (OpenBLAS when built in), then every peer against einjit (or against
// that first peer when einjit failed). A peer that cannot compute a case reports "n/a: <why>"
// instead of a rate.
#include "BenchCases.h"
#include "BenchRegistry.h"
#include "Peers.h"

#include "einjit/engine.h"
#include "einjit/error.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

namespace einjit::bench {

namespace {

/// Called before each benchmark function runs (Google Benchmark calls it once per estimation
/// run and repetition). OpenBLAS's and OpenMP's idle workers spin for a while after a
/// multi-threaded peer's last call (OpenBLAS for ~2^28 cycles): when a new benchmark follows such
/// a peer, wait for them to sleep before it shares their cores.
void settleAfterThreadedPeer(const std::string& name, bool isThreadedPeer) {
  static std::string previousName;
  static bool previousWasThreadedPeer = false;
  if (name != previousName && previousWasThreadedPeer)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  previousName = name;
  previousWasThreadedPeer = isThreadedPeer;
}

/// A peer built for one thread count, with its checked output.
struct PreparedPeer {
  PeerRun run;
  Tensor out;
  /// Empty when the peer computes the case and matches; else "n/a: …" or the mismatch.
  std::string problem;
  double relativeDifference = 0;
  bool checked = false;
};

/// A case's data, plan and peers. Only the latest case is kept: its benchmarks run back to back,
/// and keeping every case would hold gigabytes.
struct PreparedCase {
  const BenchCase* benchCase = nullptr;
  std::vector<Tensor> inputs;
  std::vector<TensorView> inputViews;
  std::vector<const void*> inputPointers;
  std::optional<Plan> plan;
  Tensor einjitOut;
  /// Empty when einjit compiled the case and matched the reference peer; else why not.
  std::string einjitProblem;
  /// The output every result is compared with: einjit's if it is sound, else the reference's.
  const Tensor* expected = nullptr;
  std::string expectedName;
  std::map<std::pair<std::string, int>, PreparedPeer> peers;
};

Engine& sharedEngine() {
  static Engine engine;
  return engine;
}

/// Uniform values in [-1, 1] drawn in Value's precision (float for the 16-bit types, then
/// rounded to them), stored as T.
template <class T, class Value = T>
void fillUniform(Tensor& tensor, std::mt19937& generator) {
  std::uniform_real_distribution<Value> value(-1, 1);
  T* data = tensor.as<T>();
  for (std::int64_t e = 0; e < tensor.elements(); ++e)
    data[e] = T(value(generator));
}

/// Element e of a floating-point tensor, widened to double.
double elementAt(const Tensor& tensor, std::int64_t e) {
  switch (tensor.dtype()) {
  case DType::f64:
    return tensor.as<double>()[e];
  case DType::bf16:
    return static_cast<float>(tensor.as<bfloat16>()[e]);
  case DType::f16:
    return static_cast<float>(tensor.as<float16>()[e]);
  default:
    return tensor.as<float>()[e];
  }
}

double maxRelativeDifference(const Tensor& actual, const Tensor& expected) {
  double largestDifference = 0;
  double largestValue = 0;
  for (std::int64_t e = 0; e < expected.elements(); ++e) {
    double value = elementAt(expected, e);
    double difference = std::abs(elementAt(actual, e) - value);
    // NaN compares false: make it the largest difference.
    if (!(difference <= largestDifference))
      largestDifference = std::isnan(difference) ? INFINITY : difference;
    largestValue = std::max(largestValue, std::abs(value));
  }
  return largestDifference / std::max(largestValue, 1e-30);
}

/// The largest max |difference| / max |value| accepted between two results of a case in
/// `dtype`. A 16-bit output is the f32 sum rounded once, off by at most the unit roundoff u
/// (2^-8 for bf16's 8 significant bits, 2^-11 for f16's 11) of its own magnitude; two such
/// outputs whose f32 sums differ in the last bits can round apart by 2u; plus f32's 1e-4.
double tolerance(DType dtype) {
  switch (dtype) {
  case DType::f64:
    return 1e-10;
  case DType::bf16:
    return 2 * 0x1p-8 + 1e-4;
  case DType::f16:
    return 2 * 0x1p-11 + 1e-4;
  default:
    return 1e-4;
  }
}

/// Max |difference| / max |value|, and "" or the message when it exceeds the case's tolerance.
std::string compare(const Tensor& actual, const Tensor& expected, DType caseDType,
                    const std::string& whose, double& relativeDifference) {
  relativeDifference = maxRelativeDifference(actual, expected);
  double limit = tolerance(caseDType);
  if (relativeDifference <= limit)
    return "";
  std::ostringstream message;
  message << "differs from " << whose << ": max |difference| / max |value| = " << relativeDifference
          << " > " << limit;
  return message.str();
}

const PeerLibrary* findPeer(const std::string& name) {
  for (const PeerLibrary& peer : peerLibraries())
    if (peer.name == name)
      return &peer;
  return nullptr;
}

/// Builds and runs a peer once, unchecked (the check needs `expected`, which may come from it).
PreparedPeer buildPeer(const PeerLibrary& library, PreparedCase& prepared, int threads) {
  const BenchCase& benchCase = *prepared.benchCase;
  PreparedPeer peer;
  try {
    peer.run = library.build(benchCase, threads);
  } catch (const PeerUnsupported& unsupported) {
    peer.problem = std::string("n/a: ") + unsupported.what();
    return peer;
  }
  if (library.useThreads)
    library.useThreads(threads);
  peer.out = Tensor(peerOutputDType(benchCase.dtype), benchCase.outputShape);
  peer.run(prepared.inputPointers, peer.out.data());
  return peer;
}

void compileEinjit(PreparedCase& prepared) {
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
    RunOptions options;
    options.threads = 1;
    prepared.plan->run(prepared.inputViews, prepared.einjitOut.view(), options);
  } catch (const Error& error) {
    prepared.einjitProblem = std::string("einjit failed: ") + error.what();
  }
}

/// Inputs, einjit's plan and output, and the reference peer (the first that computes the case,
/// at one thread), which einjit is checked against.
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
    else if (benchCase.dtype == DType::bf16)
      fillUniform<bfloat16, float>(input, generator);
    else if (benchCase.dtype == DType::f16)
      fillUniform<float16, float>(input, generator);
    else
      fillUniform<float>(input, generator);
    prepared->inputViews.push_back(input.view());
    prepared->inputPointers.push_back(input.data());
    prepared->inputs.push_back(std::move(input));
  }
  compileEinjit(*prepared);
  const PreparedPeer* reference = nullptr;
  for (const PeerLibrary& library : peerLibraries()) {
    PreparedPeer& peer = prepared->peers[{library.name, 1}] = buildPeer(library, *prepared, 1);
    if (peer.problem.empty()) {
      reference = &peer;
      prepared->expectedName = library.name;
      break;
    }
  }
  if (prepared->einjitProblem.empty() && reference != nullptr) {
    double difference = 0;
    std::string mismatch = compare(prepared->einjitOut, reference->out, benchCase.dtype,
                                   prepared->expectedName, difference);
    if (!mismatch.empty())
      prepared->einjitProblem = "einjit " + mismatch;
  }
  if (prepared->einjitProblem.empty()) {
    prepared->expected = &prepared->einjitOut;
    prepared->expectedName = "einjit";
  } else if (reference != nullptr) {
    prepared->expected = &reference->out;
  }
  latest = std::move(prepared);
  return *latest;
}

/// The peer built and checked for this thread count.
PreparedPeer& preparePeer(PreparedCase& prepared, const PeerLibrary& library, int threads) {
  auto key = std::make_pair(library.name, threads);
  auto found = prepared.peers.find(key);
  if (found == prepared.peers.end())
    found = prepared.peers.emplace(key, buildPeer(library, prepared, threads)).first;
  PreparedPeer& peer = found->second;
  // The reference peer is checked too, against einjit, once einjit is known to be sound.
  if (peer.problem.empty() && !peer.checked && prepared.expected != nullptr &&
      prepared.expected != &peer.out) {
    peer.checked = true;
    std::string mismatch = compare(peer.out, *prepared.expected, prepared.benchCase->dtype,
                                   prepared.expectedName, peer.relativeDifference);
    if (!mismatch.empty())
      peer.problem = library.name + " " + mismatch;
  }
  return peer;
}

void reportRates(benchmark::State& state, const BenchCase& benchCase) {
  state.counters["FLOPS"] =
      benchmark::Counter(benchCase.flops, benchmark::Counter::kIsIterationInvariantRate);
  state.SetBytesProcessed(static_cast<std::int64_t>(benchCase.bytes) * state.iterations());
}

void runEinjit(benchmark::State& state, const BenchCase& benchCase, int threads) {
  settleAfterThreadedPeer("einjit/" + benchCase.id + "/t" + std::to_string(threads), false);
  PreparedCase& prepared = prepare(benchCase);
  if (!prepared.einjitProblem.empty()) {
    state.SkipWithError(prepared.einjitProblem.c_str());
    return;
  }
  RunOptions options;
  options.threads = threads;
  MutableTensorView out = prepared.einjitOut.view();
  double difference = 0;
  if (threads != 1) {
    // The threaded kernel is checked against the same reference before it is timed.
    Tensor threadedOut(benchCase.dtype, benchCase.outputShape);
    prepared.plan->run(prepared.inputViews, threadedOut.view(), options);
    std::string mismatch = compare(threadedOut, prepared.einjitOut, benchCase.dtype,
                                   "einjit on one thread", difference);
    if (!mismatch.empty()) {
      state.SkipWithError(
          ("einjit on " + std::to_string(threads) + " threads " + mismatch).c_str());
      return;
    }
  }
  for (auto _ : state)
    prepared.plan->run(prepared.inputViews, out, options);
  reportRates(state, benchCase);
  state.counters["rel_diff_vs_one_thread"] = difference;
}

void runPeer(benchmark::State& state, const BenchCase& benchCase, const std::string& name,
             int threads) {
  settleAfterThreadedPeer(name + "/" + benchCase.id + "/t" + std::to_string(threads), threads > 1);
  PreparedCase& prepared = prepare(benchCase);
  const PeerLibrary& library = *findPeer(name);
  PreparedPeer& peer = preparePeer(prepared, library, threads);
  if (!peer.problem.empty()) {
    state.SkipWithError(peer.problem.c_str());
    return;
  }
  if (library.useThreads)
    library.useThreads(threads);
  void* out = peer.out.data();
  for (auto _ : state)
    peer.run(prepared.inputPointers, out);
  reportRates(state, benchCase);
  state.counters["rel_diff_vs_einjit"] = peer.relativeDifference;
}

} // namespace

void registerContractionBenchmarks(const std::vector<int>& threadCounts) {
  for (const BenchCase& benchCase : benchCases()) {
    const BenchCase* pointer = &benchCase;
    for (int threads : threadCounts) {
      std::string suffix = "/" + benchCase.id + "/t" + std::to_string(threads);
      withThreadSettings(benchmark::RegisterBenchmark(("einjit" + suffix).c_str(),
                                                      [pointer, threads](benchmark::State& state) {
                                                        runEinjit(state, *pointer, threads);
                                                      }),
                         threads)
          ->Unit(benchmark::kMicrosecond);
      for (const PeerLibrary& library : peerLibraries()) {
        std::string name = library.name;
        withThreadSettings(
            benchmark::RegisterBenchmark((name + suffix).c_str(),
                                         [pointer, name, threads](benchmark::State& state) {
                                           runPeer(state, *pointer, name, threads);
                                         }),
            threads)
            ->Unit(benchmark::kMicrosecond);
      }
    }
  }
}

} // namespace einjit::bench
