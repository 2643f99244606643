// chooseStrategy and the strategy pass: the cost figures of a plain loop nest and the schedule
// family they call for (docs/architecture.md §5). Each figure that decided goes into the
// rationale, so that `einjit explain --emit=loops` shows why a kernel looks the way it does.
#include "passes/NestQueries.h"
#include "passes/Passes.h"

#include <algorithm>
#include <bit>
#include <cmath>
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

namespace einjit::passes {

namespace {

double log2Lanes(int lanes) {
  return static_cast<double>(std::bit_width(static_cast<unsigned>(std::max(lanes, 1))) - 1);
}

double ceilDiv(double value, double divisor) {
  return std::ceil(value / divisor);
}

} // namespace

DotTileCost dotTileCost(const ir::LoopNest& nest, const ir::PackedGemm& gemm,
                        const support::CacheSizes& caches) {
  DotTileCost cost;
  const ir::Loop* vector = nest.vectorLoop();
  std::vector<const ir::Loop*> tile = nest.unrolledLoops();
  if (!vector || tile.size() != 2 || isOutputLoop(nest, vector))
    return cost;
  auto extent = [&](std::size_t label) { return static_cast<double>(nest.labels[label].extent); };
  double kSteps = 1;
  for (const ir::Loop& loop : nest.reductionLoops)
    kSteps *= &loop == vector ? ceilDiv(extent(loop.label), vector->lanes) : extent(loop.label);
  double outputs = 1;
  for (const ir::Loop& loop : nest.outputLoops)
    outputs *= extent(loop.label);
  const ir::Loop& rows = *tile[0];
  const ir::Loop& cols = *tile[1];
  double m = extent(rows.label);
  double n = extent(cols.label);
  double outer = m * n > 0 ? outputs / (m * n) : 0.0;
  double fmas = outputs * kSteps * static_cast<double>(nest.inputs.size() - 1);
  double loads = 0;
  for (const ir::TensorAccess& input : nest.inputs)
    if (holds(input, vector->label))
      loads += kSteps * outer * (holds(input, rows.label) ? m : ceilDiv(m, rows.factor)) *
               (holds(input, cols.label) ? n : ceilDiv(n, cols.factor));
  // The tile's vectors reduce together (codegen's horizontalSums): two shuffles and an add per
  // pair folded, level by level until each lane holds one sum, then one extract per element;
  // an add per further vector of an element before that. A 512-bit shuffle across lanes takes
  // two FMA slots (Zen 4 runs it double-pumped on one pipe, Intel on port 5 alone, one of its
  // two FMA ports). Narrower shuffles take one.
  std::size_t laneBytes = isHalfPrecision(nest.dtype) ? 4 : dtypeSize(nest.dtype);
  double shuffle = static_cast<std::size_t>(vector->lanes) * laneBytes * 8 >= 512 ? 2 : 1;
  int elements = rows.factor * cols.factor;
  double folds = 0;
  for (int count = elements, runs = 1; runs < vector->lanes && elements > 1; runs *= 2) {
    count = (count + 1) / 2;
    folds += count;
  }
  double perElement = elements > 1 ? ((2 * shuffle + 1) * folds + shuffle * elements) / elements
                                   : (shuffle + 1) * log2Lanes(vector->lanes);
  double sums = outputs * (perElement + vector->factor - 1);
  // Loads issue beside the arithmetic: the busier of the two bounds the loop; so does an operand
  // streamed again from beyond the L2 (no cache blocking: x·Wᵀ with a W of 64 MiB).
  ReRead again = reReadBeyondL2(nest, caches);
  cost.dot = std::max({fmas + sums, loads, again.cycles});

  double lanes = static_cast<double>(gemm.lanes);
  double batch = static_cast<double>(ir::groupExtent(nest, gemm.batch));
  double pm = ceilDiv(static_cast<double>(ir::groupExtent(nest, gemm.m)), gemm.mr) * gemm.mr;
  double pn = ceilDiv(static_cast<double>(ir::groupExtent(nest, gemm.n)), gemm.nr()) * gemm.nr();
  double k = static_cast<double>(ir::groupExtent(nest, gemm.k));
  double packedFmas = batch * pm * pn / lanes * k;
  double packedLoads = batch * (pm / gemm.mr) * (pn / gemm.nr()) * k * (gemm.mr + gemm.vectors);
  // Packing copies every panel (codegen/PackedPacking.cpp). A whole panel whose rows are
  // consecutive takes a load and a store per vector of each K index. One whose innermost K label
  // has unit stride is transposed in registers: per `lanes` K indices, each group of up to
  // `lanes` rows takes `lanes` loads, a shuffle per vector per halving and `lanes` stores,
  // however few rows the panel has (9-row A panels pay for 16). A panel cut by the edge of M or N,
  // and every panel of an operand with neither, go element by element to the runtime
  // (runtime/PackedEdges.h), about three instructions a value and one a zero. DLRM's bnd,bmd->bnm
  // (27 x 27 x 128 per batch, 9-row A panels, B's second 16-row panel cut at 11): packing took 72 %
  // of the packed kernel's time (perf, Zen 4), 3.3 times what counting every value as a lanes-th of
  // a transpose gave.
  auto packCost = [&](std::size_t input, const std::vector<std::size_t>& rowLabels, int width) {
    double rows = static_cast<double>(ir::groupExtent(nest, rowLabels));
    bool kUnit = !gemm.k.empty() && unitIn(nest.inputs[input], gemm.k.back());
    bool rowsUnit = !rowLabels.empty() && unitIn(nest.inputs[input], rowLabels.back());
    double wholePanels = std::floor(rows / width);
    double cut = rows - wholePanels * width;
    double perWhole = 0;
    if (rowsUnit)
      perWhole = k * 2 * ceilDiv(width, lanes);
    else if (kUnit)
      perWhole = ceilDiv(k, lanes) * ceilDiv(width, lanes) * lanes * (2 + log2Lanes(gemm.lanes));
    else
      perWhole = k * 3 * width;
    double cutPanel = cut > 0 ? k * (3 * cut + (width - cut)) : 0.0;
    return wholePanels * perWhole + cutPanel;
  };
  double blocksOfN = ceilDiv(pn, static_cast<double>(gemm.nc));
  double packing =
      batch * (blocksOfN * packCost(gemm.a, gemm.m, gemm.mr) + packCost(gemm.b, gemm.n, gemm.nr()));
  // The copies run before the micro-kernel, not beside it.
  cost.packed = std::max(packedFmas, packedLoads) + packing;
  cost.text = "vector instructions: dot tile max(" + wholeNumber(fmas) + " FMAs + " +
              wholeNumber(sums) + " summing, " + wholeNumber(loads) + " loads" +
              (again.bytes > 0 ? ", " + wholeNumber(again.cycles) + " cycles for " +
                                     bytesText(again.bytes) + " read again beyond L2"
                               : std::string()) +
              ") = " + wholeNumber(cost.dot) + "; packed " + std::to_string(gemm.mr) + "x" +
              std::to_string(gemm.nr()) + " max(" + wholeNumber(packedFmas) + " FMAs, " +
              wholeNumber(packedLoads) + " loads) + " + wholeNumber(packing) +
              " packing = " + wholeNumber(cost.packed);
  return cost;
}

ir::LoopNest packedUnlessDotTile(ir::LoopNest nest, const LoopOptions& options) {
  bool candidate =
      !nest.packed && !options.strategy && nest.constantExtents &&
      (nest.strategy == ir::Strategy::Direct || nest.strategy == ir::Strategy::Small) &&
      nest.unrolledLoops().size() == 2;
  if (candidate) {
    PackedChoice choice = schedulePacked(nest, options);
    if (choice.gemm) {
      DotTileCost cost = dotTileCost(nest, *choice.gemm, options.caches);
      if (cost.dot > 0 && cost.dot <= cost.packed) {
        nest.rationale.push_back(cost.text + ": dot tile");
        return nest;
      }
      nest.rationale.push_back(cost.text);
    }
  }
  return applyPackedStrategy(std::move(nest), options);
}

} // namespace einjit::passes
