// The Eigen Tensor peer: `contract` with index pairs on RowMajor TensorMaps of the same buffers,
// no permuting copies (Eigen handles any contracted axes itself); a loop over a leading batch
// label, which `contract` has no notion of; the three-operand cases on their best path by hand.
// Threads: every expression is evaluated on a ThreadPoolDevice of the run's thread count (with
// one thread Eigen evaluates on the calling thread). Compiled with -march=native, so Eigen's
// packets are the machine's widest.
#define EIGEN_USE_THREADS
#include "Peers.h"

#include <unsupported/Eigen/CXX11/Tensor>

#include <array>
#include <memory>

namespace einjit::bench {

namespace {

using Index = std::int64_t;
using Pair = Eigen::IndexPair<Eigen::Index>;

template <int Rank>
Eigen::DSizes<Eigen::Index, Rank> sizes(const Shape& shape) {
  Eigen::DSizes<Eigen::Index, Rank> result;
  for (int axis = 0; axis < Rank; ++axis)
    result[axis] = static_cast<Eigen::Index>(shape[static_cast<std::size_t>(axis)]);
  return result;
}

template <class T, int Rank>
using ConstMap = Eigen::TensorMap<const Eigen::Tensor<T, Rank, Eigen::RowMajor>>;
template <class T, int Rank>
using Map = Eigen::TensorMap<Eigen::Tensor<T, Rank, Eigen::RowMajor>>;

/// A two-operand contraction split into a leading batch (a loop) and the rest (one `contract`).
struct ContractionLayout {
  Index batch = 1;
  Shape coreA, coreB, coreOut;
  std::vector<Pair> pairs;
};

/// Reads the layout off the einsum: batch labels are a common leading prefix of both inputs and
/// the output; the contracted labels are those of both inputs missing from the output; Eigen's
/// result lists A's free axes then B's, which must be the output's order (else a shuffle would be
/// needed, and the suite has no such case).
ContractionLayout layoutOf(const BenchCase& benchCase) {
  const std::string& expression = benchCase.expression;
  std::size_t comma = expression.find(',');
  std::size_t arrow = expression.find("->");
  std::string a = expression.substr(0, comma);
  std::string b = expression.substr(comma + 1, arrow - comma - 1);
  std::string out = expression.substr(arrow + 2);
  std::size_t batchLabels = 0;
  while (batchLabels < a.size() && batchLabels < b.size() && batchLabels < out.size() &&
         a[batchLabels] == b[batchLabels] && a[batchLabels] == out[batchLabels])
    ++batchLabels;
  ContractionLayout layout;
  for (std::size_t axis = 0; axis < batchLabels; ++axis)
    layout.batch *= benchCase.shapes[0][axis];
  a = a.substr(batchLabels);
  b = b.substr(batchLabels);
  out = out.substr(batchLabels);
  layout.coreA.assign(benchCase.shapes[0].begin() + static_cast<long>(batchLabels),
                      benchCase.shapes[0].end());
  layout.coreB.assign(benchCase.shapes[1].begin() + static_cast<long>(batchLabels),
                      benchCase.shapes[1].end());
  layout.coreOut.assign(benchCase.outputShape.begin() + static_cast<long>(batchLabels),
                        benchCase.outputShape.end());
  std::string eigenOrder;
  for (std::size_t i = 0; i < a.size(); ++i) {
    std::size_t j = b.find(a[i]);
    if (j != std::string::npos && out.find(a[i]) == std::string::npos)
      layout.pairs.push_back(Pair(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)));
    else if (j != std::string::npos)
      throw PeerUnsupported("label '" + std::string(1, a[i]) +
                            "' is batch but not leading: contract has no batch axes");
    else
      eigenOrder += a[i];
  }
  for (char label : b)
    if (a.find(label) == std::string::npos)
      eigenOrder += label;
  if (eigenOrder != out)
    throw PeerUnsupported("contract yields " + eigenOrder + ", the output is " + out +
                          " (would need a shuffle)");
  return layout;
}

template <class T, int RankA, int RankB, int Pairs>
PeerRun contractPeer(const ContractionLayout& layout, const Eigen::ThreadPoolDevice& device) {
  constexpr int RankOut = RankA + RankB - 2 * Pairs;
  std::array<Pair, Pairs> pairs;
  for (int p = 0; p < Pairs; ++p)
    pairs[static_cast<std::size_t>(p)] = layout.pairs[static_cast<std::size_t>(p)];
  Index sizeA = elementCount(layout.coreA);
  Index sizeB = elementCount(layout.coreB);
  Index sizeOut = elementCount(layout.coreOut);
  return [=, &device](const std::vector<const void*>& inputs, void* out) {
    const T* a = static_cast<const T*>(inputs[0]);
    const T* b = static_cast<const T*>(inputs[1]);
    T* c = static_cast<T*>(out);
    for (Index batch = 0; batch < layout.batch; ++batch) {
      ConstMap<T, RankA> left(a + batch * sizeA, sizes<RankA>(layout.coreA));
      ConstMap<T, RankB> right(b + batch * sizeB, sizes<RankB>(layout.coreB));
      Map<T, RankOut> result(c + batch * sizeOut, sizes<RankOut>(layout.coreOut));
      result.device(device) = left.contract(right, pairs);
    }
  };
}

/// The ranks and pair counts of the suite's two-operand cases; Eigen needs them at compile time.
template <class T>
PeerRun twoOperandPeer(const BenchCase& benchCase, const Eigen::ThreadPoolDevice& device) {
  ContractionLayout layout = layoutOf(benchCase);
  std::size_t rankA = layout.coreA.size();
  std::size_t rankB = layout.coreB.size();
  std::size_t pairs = layout.pairs.size();
  if (rankA == 2 && rankB == 2 && pairs == 1)
    return contractPeer<T, 2, 2, 1>(layout, device);
  if (rankA == 3 && rankB == 3 && pairs == 1)
    return contractPeer<T, 3, 3, 1>(layout, device);
  if (rankA == 4 && rankB == 3 && pairs == 2)
    return contractPeer<T, 4, 3, 2>(layout, device);
  if (rankA == 4 && rankB == 4 && pairs == 2)
    return contractPeer<T, 4, 4, 2>(layout, device);
  if (rankA == 1 && rankB == 1 && pairs == 0)
    return contractPeer<T, 1, 1, 0>(layout, device);
  throw PeerUnsupported("no instantiation for ranks " + std::to_string(rankA) + "×" +
                        std::to_string(rankB) + " with " + std::to_string(pairs) + " pairs");
}

/// out[r] = Σ_i x[r,i] · y[r,i], a fused elementwise product and reduction.
template <class T>
void rowDots(const T* x, const T* y, Index rows, Index columns, T* out,
             const Eigen::ThreadPoolDevice& device) {
  Shape matrix{rows, columns};
  ConstMap<T, 2> left(x, sizes<2>(matrix));
  ConstMap<T, 2> right(y, sizes<2>(matrix));
  Map<T, 1> result(out, sizes<1>(Shape{rows}));
  result.device(device) = (left * right).sum(std::array<Eigen::Index, 1>{1});
}

template <class T>
void matmul(const T* a, const T* b, Index m, Index n, Index k, T* out,
            const Eigen::ThreadPoolDevice& device) {
  ConstMap<T, 2> left(a, sizes<2>(Shape{m, k}));
  ConstMap<T, 2> right(b, sizes<2>(Shape{k, n}));
  Map<T, 2> result(out, sizes<2>(Shape{m, n}));
  result.device(device) = left.contract(right, std::array<Pair, 1>{Pair(1, 0)});
}

template <class T>
PeerRun typedPeer(const BenchCase& benchCase, const Eigen::ThreadPoolDevice& device) {
  const std::vector<Index>& e = benchCase.extents;
  switch (benchCase.recipe) {
  case Recipe::Gemm:
  case Recipe::OuterProduct:
    return twoOperandPeer<T>(benchCase, device);
  case Recipe::Bilinear: {
    auto product = std::make_shared<std::vector<T>>(static_cast<std::size_t>(e[0] * e[2]));
    return [=, &device](const std::vector<const void*>& inputs, void* out) {
      matmul(static_cast<const T*>(inputs[0]), static_cast<const T*>(inputs[1]), e[0], e[2], e[1],
             product->data(), device);
      rowDots(product->data(), static_cast<const T*>(inputs[2]), e[0], e[2], static_cast<T*>(out),
              device);
    };
  }
  case Recipe::Chain: {
    auto product = std::make_shared<std::vector<T>>(static_cast<std::size_t>(e[1] * e[3]));
    return [=, &device](const std::vector<const void*>& inputs, void* out) {
      matmul(static_cast<const T*>(inputs[1]), static_cast<const T*>(inputs[2]), e[1], e[3], e[2],
             product->data(), device);
      matmul(static_cast<const T*>(inputs[0]), product->data(), e[0], e[3], e[1],
             static_cast<T*>(out), device);
    };
  }
  case Recipe::RowDot:
    return [=, &device](const std::vector<const void*>& inputs, void* out) {
      rowDots(static_cast<const T*>(inputs[0]), static_cast<const T*>(inputs[1]), e[0], e[1],
              static_cast<T*>(out), device);
    };
  }
  throw PeerUnsupported("unknown recipe");
}

/// A thread pool and the device that evaluates on it.
struct PooledDevice {
  explicit PooledDevice(int threads) : pool(threads), device(&pool, threads) {}
  Eigen::ThreadPool pool;
  Eigen::ThreadPoolDevice device;
};

const Eigen::ThreadPoolDevice& deviceFor(int threads) {
  // One pool and device per thread count, alive for the whole run (the peers keep references).
  static std::vector<std::unique_ptr<PooledDevice>> devices;
  for (const auto& pooled : devices)
    if (pooled->device.numThreads() == threads)
      return pooled->device;
  devices.push_back(std::make_unique<PooledDevice>(threads));
  return devices.back()->device;
}

} // namespace

PeerLibrary eigenPeer() {
  PeerLibrary peer;
  peer.name = "eigen";
  peer.description = "Eigen " + std::to_string(EIGEN_WORLD_VERSION) + "." +
                     std::to_string(EIGEN_MAJOR_VERSION) + "." +
                     std::to_string(EIGEN_MINOR_VERSION) + " Tensor contract (" +
                     Eigen::SimdInstructionSetsInUse() + ", ThreadPoolDevice)";
  peer.build = [](const BenchCase& benchCase, int threads) {
    if (isHalfPrecision(benchCase.dtype))
      throw PeerUnsupported("the Eigen peer maps f32 and f64 only (Eigen's contract of a 16-bit "
                            "type returns that type, not the f32 the BLAS peers return)");
    const Eigen::ThreadPoolDevice& device = deviceFor(threads);
    return benchCase.dtype == DType::f64 ? typedPeer<double>(benchCase, device)
                                         : typedPeer<float>(benchCase, device);
  };
  return peer;
}

} // namespace einjit::bench
