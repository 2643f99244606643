// chooseStrategy and the strategy pass: the cost figures of a plain loop nest and the schedule
// family they call for (docs/architecture.md §5). Each figure that decided goes into the
// rationale, so that `einjit explain --emit=loops` shows why a kernel looks the way it does.
#include "passes/Passes.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

namespace einjit::passes {

namespace {

/// Below this many flops per byte moved, the loads and stores bound the kernel: a multiply-add
/// per two bytes keeps no core's FMA units busy even from L2, let alone from memory.
constexpr double kMemoryBoundIntensity = 1.0;

std::string number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3g", value);
  return buffer;
}

std::string wholeNumber(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.0f", value);
  return buffer;
}

std::string bytesText(double bytes) {
  return wholeNumber(bytes) + " B";
}

/// The figures chooseStrategy decides by. Doubles: products of large extents must not overflow.
struct CostFigures {
  double multiplyAdds = 1;
  double bytesMoved = 0;
  double outputBytes = 0;
  double intensity = 0;     ///< flops per byte moved
  double batchElements = 1; ///< product of the batch extents
  double bytesPerBatchElement = 0;
  bool contracts = false; ///< two or more operands, a summed label and a free one
  std::int64_t largestNonBatchExtent = 0;
};

bool indexes(const ir::TensorAccess& tensor, std::size_t label) {
  return std::find(tensor.indices.begin(), tensor.indices.end(), label) != tensor.indices.end();
}

/// The figures of a nest as lowered (its tensors and labels are the contraction's): products run
/// over the labels in name order, as over IndexProgram::labelExtents, so that doubles round alike.
CostFigures figuresOf(const ir::LoopNest& nest) {
  CostFigures figures;
  std::vector<std::size_t> byName(nest.labels.size());
  for (std::size_t label = 0; label < byName.size(); ++label)
    byName[label] = label;
  std::sort(byName.begin(), byName.end(), [&](std::size_t a, std::size_t b) {
    return nest.labels[a].name < nest.labels[b].name;
  });
  auto size = static_cast<double>(dtypeSize(nest.dtype));
  for (std::size_t label : byName)
    figures.multiplyAdds *= static_cast<double>(nest.labels[label].extent);
  // A literal 0 index is a dimension of extent 1: leaving it out keeps the product.
  auto elements = [&](const ir::TensorAccess& tensor) {
    double product = 1;
    for (std::size_t label : tensor.indices)
      product *= static_cast<double>(nest.labels[label].extent);
    return product;
  };
  for (const ir::TensorAccess& input : nest.inputs)
    figures.bytesMoved += elements(input) * size;
  figures.outputBytes = elements(nest.output) * size;
  figures.bytesMoved += figures.outputBytes;
  figures.intensity = figures.bytesMoved > 0 ? 2 * figures.multiplyAdds / figures.bytesMoved : 0.0;

  // Batch labels: in the output and in every operand.
  std::set<std::size_t> batch;
  for (std::size_t label : nest.output.indices) {
    bool everywhere = nest.inputs.size() >= 2;
    for (const ir::TensorAccess& input : nest.inputs)
      everywhere = everywhere && indexes(input, label);
    if (everywhere)
      batch.insert(label);
  }
  bool freeLabel = false;
  bool summed = false;
  for (std::size_t label : byName) {
    std::int64_t extent = nest.labels[label].extent;
    summed = summed || !indexes(nest.output, label);
    if (batch.count(label)) {
      figures.batchElements *= static_cast<double>(extent);
      continue;
    }
    figures.largestNonBatchExtent = std::max(figures.largestNonBatchExtent, extent);
    freeLabel = freeLabel || indexes(nest.output, label);
  }
  figures.bytesPerBatchElement =
      figures.batchElements > 0 ? figures.bytesMoved / figures.batchElements : 0.0;
  figures.contracts = nest.inputs.size() >= 2 && summed && freeLabel;
  return figures;
}

/// Streaming kernels write an output past half the L3 around the caches.
std::string outputVersusL3(const CostFigures& figures, const support::CacheSizes& caches) {
  double halfL3 = static_cast<double>(caches.l3) / 2;
  bool large = figures.outputBytes > halfL3;
  return "output " + bytesText(figures.outputBytes) + (large ? " > " : " <= ") + "L3/2 " +
         bytesText(halfL3) + (large ? ": non-temporal stores where aligned" : ": cached stores");
}

} // namespace

StrategyChoice chooseStrategy(const ir::LoopNest& nest, const LoopOptions& options) {
  StrategyChoice choice;
  if (isHalfPrecision(nest.dtype))
    choice.rationale.push_back(
        "dtype " + std::string(dtypeName(nest.dtype)) +
        ": computed in f32, one rounding to nearest even per output element; packed panels " +
        (nest.dtype == DType::bf16 && options.bf16DotProduct
             ? "hold bf16 K pairs for AVX512-BF16's vdpbf16ps"
             : "hold values widened to f32 for the f32 micro-kernel"));
  if (options.strategy) {
    choice.strategy = *options.strategy;
    choice.rationale.push_back("forced: " + std::string(ir::strategyName(*options.strategy)));
    return choice;
  }
  if (!nest.constantExtents) {
    choice.rationale.push_back("extents known only at run time: direct");
    return choice;
  }
  CostFigures figures = figuresOf(nest);
  const support::CacheSizes& caches = options.caches;
  std::vector<std::string>& why = choice.rationale;
  why.push_back(wholeNumber(figures.multiplyAdds) + " multiply-adds, " +
                bytesText(figures.bytesMoved) + " moved: intensity " + number(figures.intensity) +
                " flop/B");

  double halfL1 = static_cast<double>(caches.l1d) / 2;
  if (figures.contracts) {
    bool fitsL1 = figures.bytesPerBatchElement <= halfL1;
    bool shortExtents = figures.largestNonBatchExtent <= kMaxSmallExtent;
    why.push_back("per batch element (of " + wholeNumber(figures.batchElements) +
                  "): " + bytesText(figures.bytesPerBatchElement) + (fitsL1 ? " <= " : " > ") +
                  "L1d/2 " + bytesText(halfL1) + ", largest other extent " +
                  std::to_string(figures.largestNonBatchExtent) + (shortExtents ? " <= " : " > ") +
                  std::to_string(kMaxSmallExtent));
    if (fitsL1 && shortExtents) {
      why.push_back("tiny products: small");
      choice.strategy = ir::Strategy::Small;
      return choice;
    }
  }
  auto l2 = static_cast<double>(caches.l2);
  if (figures.intensity < kMemoryBoundIntensity && figures.bytesMoved > l2) {
    why.push_back("intensity < " + number(kMemoryBoundIntensity) + " flop/B and " +
                  bytesText(figures.bytesMoved) + " > L2 " + bytesText(l2) +
                  ": memory-bound: streaming");
    why.push_back(outputVersusL3(figures, caches));
    choice.strategy = ir::Strategy::Streaming;
    return choice;
  }
  why.push_back("direct");
  return choice;
}

StrategyChoice chooseStrategy(const Contraction& contraction, const LoopOptions& options) {
  return chooseStrategy(lowerToNest(contraction), options);
}

ir::LoopNest decideStrategy(ir::LoopNest nest, const LoopOptions& options) {
  // A packed schedule was chosen already (its strategy says so).
  if (nest.packed)
    return nest;
  StrategyChoice choice = chooseStrategy(nest, options);
  nest.strategy = choice.strategy;
  nest.rationale = std::move(choice.rationale);
  return nest;
}

} // namespace einjit::passes
