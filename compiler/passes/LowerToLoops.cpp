// lowerToLoops: the schedule of a contraction as a LoopNest — output loops around reduction
// loops, the innermost unit-stride label vectorized, and a register tile (one label unrolled
// against two vectors of the vector label) whenever something is summed, and the outermost output
// loop split across threads when the work is large enough; then what the strategy chooseStrategy
// picked changes (Passes.h, step 5). A new strategy is one more case in applyStrategy.
#include "passes/Passes.h"

#include "ThreadPool.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <map>

namespace einjit::passes {

namespace {

constexpr int kMaxUnroll = 8;
/// Streaming: vectors per step when nothing is summed (a 256-bit f32 step writes two cache
/// lines), and rows of independent sums when a summed label is vectorized.
constexpr int kStreamingVectors = 4;
constexpr int kStreamingRows = 4;
/// Streaming transposes: rows of the gathered input's unit-stride label per tile
/// (transposeTile). 16 ran 'ij->ji' 4000^2 13 % faster than 8 but compiled in 77 ms, not 42.
constexpr int kTransposeRows = 8;
/// Small: fully unrolled sums stop at this many tile updates (FMAs of whole vectors), where the
/// straight-line body starts to cost more in instruction fetch than the loop it replaces (B32's
/// 8x2-vector tile over k = 32, 512 updates, measured slower unrolled than looped).
constexpr std::int64_t kMaxUnrolledUpdates = 256;

ir::TensorAccess accessOf(const std::string& name, std::size_t source, bool conj,
                          const std::vector<ir::Index>& indices, const TensorLayout& layout,
                          const std::map<std::string, std::size_t>& labelIds) {
  ir::TensorAccess access;
  access.name = name;
  access.source = source;
  access.conj = conj;
  access.strides.assign(labelIds.size(), ir::LabelStride{{}, 0});
  for (std::size_t d = 0; d < indices.size(); ++d) {
    if (indices[d].isZero())
      continue;
    std::size_t label = labelIds.at(indices[d].label);
    access.indices.push_back(label);
    ir::LabelStride& stride = access.strides[label];
    stride.sourceDims.push_back(layout[d].sourceDim);
    if (stride.known && layout[d].knownStride)
      stride.known = *stride.known + *layout[d].knownStride;
    else
      stride.known = std::nullopt;
  }
  return access;
}

bool holds(const ir::TensorAccess& tensor, std::size_t label) {
  return !tensor.strides[label].sourceDims.empty();
}

bool unitIn(const ir::TensorAccess& tensor, std::size_t label) {
  return holds(tensor, label) && tensor.strides[label].known == std::optional<std::int64_t>(1);
}

class Scheduler {
public:
  Scheduler(const Contraction& contraction, const LoopOptions& options)
      : contraction_(contraction), options_(options) {}

  ir::LoopNest run() {
    StrategyChoice choice = chooseStrategy(contraction_, options_);
    buildTensors();
    nest_.strategy = choice.strategy;
    nest_.rationale = std::move(choice.rationale);
    std::vector<std::size_t> outputOrder = nest_.output.indices;
    std::vector<std::size_t> summedOrder = reductionOrder();
    chooseVector(outputOrder, summedOrder);
    chooseTile(outputOrder, summedOrder);
    applyStrategy(outputOrder, summedOrder);
    placeLoops(outputOrder, summedOrder);
    // Small kernels too: each tiny product stays on one thread, but a large batch splits.
    markParallel();
    if (nest_.strategy == ir::Strategy::Small)
      unrollReductionsFully();
    ir::verify(nest_);
    return std::move(nest_);
  }

private:
  void buildTensors() {
    const ir::IndexProgram& program = contraction_.program;
    nest_.dtype = program.dtype;
    nest_.constantExtents = contraction_.constantExtents;
    std::map<std::string, std::int64_t> extents = program.labelExtents();
    for (const std::string& label : program.labels()) {
      labelIds_.emplace(label, nest_.labels.size());
      nest_.labels.push_back(ir::LoopLabel{label, extents.at(label)});
    }
    for (std::size_t t = 0; t < program.operands.size(); ++t) {
      const ir::Operand& operand = program.operands[t];
      nest_.inputs.push_back(accessOf(operand.name, contraction_.sources[t],
                                      operand.conj && isComplex(program.dtype), operand.indices,
                                      contraction_.operands[t], labelIds_));
    }
    nest_.output =
        accessOf(program.outputName, 0, false, program.output, contraction_.output, labelIds_);
  }

  /// Summed labels, the one with the largest smallest-known-stride outermost, so that the
  /// innermost reduction loop walks memory densely where strides are known.
  std::vector<std::size_t> reductionOrder() const {
    std::vector<std::size_t> summed;
    for (const std::string& label : contraction_.program.summedLabels())
      summed.push_back(labelIds_.at(label));
    auto smallestStride = [&](std::size_t label) {
      std::int64_t smallest = std::numeric_limits<std::int64_t>::max();
      for (const ir::TensorAccess& input : nest_.inputs)
        if (holds(input, label) && input.strides[label].known)
          smallest = std::min(smallest, std::abs(*input.strides[label].known));
      return smallest;
    };
    std::stable_sort(summed.begin(), summed.end(), [&](std::size_t a, std::size_t b) {
      return smallestStride(a) > smallestStride(b);
    });
    return summed;
  }

  int unitInputs(std::size_t label) const {
    return static_cast<int>(std::count_if(nest_.inputs.begin(), nest_.inputs.end(),
                                          [&](const auto& input) { return unitIn(input, label); }));
  }

  /// The label with the most unit-stride inputs (at least one); ties go to the later label.
  std::optional<std::size_t> mostUnitInputs(const std::vector<std::size_t>& labels) const {
    std::optional<std::size_t> best;
    for (std::size_t label : labels)
      if (unitInputs(label) > 0 && (!best || unitInputs(label) >= unitInputs(*best)))
        best = label;
    return best;
  }

  void chooseVector(const std::vector<std::size_t>& outputOrder,
                    const std::vector<std::size_t>& summedOrder) {
    if (isComplex(nest_.dtype))
      return;
    int lanes = static_cast<int>(options_.vectorBits / (8 * dtypeSize(nest_.dtype)));
    std::optional<std::size_t> unitOutput;
    for (std::size_t label : outputOrder)
      if (!unitOutput && unitIn(nest_.output, label))
        unitOutput = label;
    std::optional<std::size_t> chosen;
    if (unitOutput && unitInputs(*unitOutput) > 0)
      chosen = unitOutput;
    if (!chosen)
      chosen = mostUnitInputs(summedOrder);
    if (!chosen)
      chosen = unitOutput ? unitOutput : mostUnitInputs(outputOrder);
    if (!chosen)
      return;
    if (nest_.constantExtents) {
      std::uint64_t extent = static_cast<std::uint64_t>(nest_.labels[*chosen].extent);
      lanes = std::min(lanes, static_cast<int>(std::bit_floor(std::max<std::uint64_t>(extent, 1))));
    }
    if (lanes < 2)
      return;
    vectorLabel_ = chosen;
    lanes_ = lanes;
    vectorIsOutput_ =
        std::find(outputOrder.begin(), outputOrder.end(), *chosen) != outputOrder.end();
  }

  /// Two vectors per step and an unrolled partner label, sized to the register file:
  /// rows × vectors accumulators + vectors loaded + one broadcast.
  void chooseTile(const std::vector<std::size_t>& outputOrder,
                  const std::vector<std::size_t>& summedOrder) {
    if (!vectorLabel_ || summedOrder.empty())
      return;
    std::int64_t vectorExtent = nest_.labels[*vectorLabel_].extent;
    vectorFactor_ = !nest_.constantExtents || vectorExtent >= 2 * lanes_ ? 2 : 1;
    auto sharing = [&](std::size_t label) {
      return std::count_if(nest_.inputs.begin(), nest_.inputs.end(), [&](const auto& input) {
        return holds(input, *vectorLabel_) && !holds(input, label);
      });
    };
    std::optional<std::size_t> partner;
    for (std::size_t label : outputOrder) {
      if (label == *vectorLabel_ || sharing(label) == 0)
        continue;
      if (nest_.constantExtents && nest_.labels[label].extent < 2)
        continue;
      if (!partner || sharing(label) >= sharing(*partner))
        partner = label;
    }
    if (!partner)
      return;
    int registers = static_cast<int>(options_.vectorRegisters);
    int rows = std::clamp((registers - vectorFactor_ - 1) / vectorFactor_, 1, kMaxUnroll);
    if (nest_.constantExtents)
      rows = static_cast<int>(std::min<std::int64_t>(rows, nest_.labels[*partner].extent));
    if (rows < 2)
      return;
    unrolledLabel_ = partner;
    rows_ = rows;
    rowsOutside_ = rowsOperandStreams(summedOrder);
  }

  /// Bytes of the inputs that do (`withVector`) or do not hold the vector label, over the labels
  /// `over`.
  double inputBytes(const std::vector<std::size_t>& over, bool withVector) const {
    double bytes = 0;
    for (const ir::TensorAccess& input : nest_.inputs) {
      if (holds(input, *vectorLabel_) != withVector)
        continue;
      double elements = 1;
      for (std::size_t label : over)
        if (holds(input, label))
          elements *= static_cast<double>(nest_.labels[label].extent);
      bytes += elements * static_cast<double>(dtypeSize(nest_.dtype));
    }
    return bytes;
  }

  /// Direct, with the vector loop outside the rows (placeLoops): every vector step reads the
  /// rows' operand (the one without the vector label) again. When that is more than half the L2,
  /// each pass streams it from L3 or memory; with the rows outside instead it streams once, and
  /// the vector operand, over the vector label and the sums, is what stays in the L2, if it fits
  /// in half of it. Measured (Zen 4, median GFLOP/s, 1 / 2 threads): S7 (16 MB of rows, 512 KB
  /// of vector operand) 104 / 211 -> 109 / 220, S6 (4 MB, 64 KB) 107 / 209 -> 109 / 221.
  bool rowsOperandStreams(const std::vector<std::size_t>& summedOrder) {
    if (nest_.strategy != ir::Strategy::Direct || !nest_.constantExtents || !vectorIsOutput_)
      return false;
    std::vector<std::size_t> perVectorStep = summedOrder;
    perVectorStep.push_back(*unrolledLabel_);
    double rowBytes = inputBytes(perVectorStep, false);
    double halfL2 = static_cast<double>(options_.caches.l2) / 2;
    if (rowBytes <= halfL2)
      return false;
    std::vector<std::size_t> wholeVector = summedOrder;
    wholeVector.push_back(*vectorLabel_);
    double vectorBytes = inputBytes(wholeVector, true);
    if (vectorBytes > halfL2)
      return false;
    nest_.rationale.push_back("tile: rows' operand " + std::to_string(std::llround(rowBytes)) +
                              " B per vector step > L2/2 " + std::to_string(std::llround(halfL2)) +
                              " B, vector operand " + std::to_string(std::llround(vectorBytes)) +
                              " B fits: rows outside the vector loop");
    return true;
  }

  /// The strategy's changes to the generic tile (Passes.h, lowerToLoops step 5).
  void applyStrategy(const std::vector<std::size_t>& outputOrder,
                     const std::vector<std::size_t>& summedOrder) {
    switch (nest_.strategy) {
    case ir::Strategy::Direct:
    case ir::Strategy::Packed: // the direct tile; applyPackedStrategy replaces the loops
      return;
    case ir::Strategy::Small:
      divideRows();
      return;
    case ir::Strategy::Streaming:
      streamTile(outputOrder, summedOrder);
      return;
    }
  }

  /// Small: rows that divide their extent leave no one-row remainder, whose loads the tile would
  /// not share; a divisor below half the rows shares too little to be worth it.
  void divideRows() {
    if (!unrolledLabel_ || !nest_.constantExtents)
      return;
    std::int64_t extent = nest_.labels[*unrolledLabel_].extent;
    for (int rows = rows_; rows * 2 >= rows_ && rows >= 2; --rows)
      if (extent % rows == 0) {
        rows_ = rows;
        return;
      }
  }

  void streamTile(const std::vector<std::size_t>& outputOrder,
                  const std::vector<std::size_t>& summedOrder) {
    if (!vectorLabel_)
      return;
    std::int64_t vectorExtent = nest_.labels[*vectorLabel_].extent;
    if (summedOrder.empty()) {
      vectorFactor_ = kStreamingVectors;
      if (nest_.constantExtents)
        while (vectorFactor_ > 1 && vectorExtent < vectorFactor_ * lanes_)
          vectorFactor_ /= 2;
      transposeTile(outputOrder);
    } else if (!vectorIsOutput_ && !unrolledLabel_) {
      // Independent sums of the innermost output label's consecutive rows overlap their loads.
      for (auto label = outputOrder.rbegin(); label != outputOrder.rend(); ++label) {
        std::int64_t extent = nest_.labels[*label].extent;
        if (nest_.constantExtents && extent < 2)
          continue;
        unrolledLabel_ = *label;
        rows_ = nest_.constantExtents
                    ? static_cast<int>(std::min<std::int64_t>(kStreamingRows, extent))
                    : kStreamingRows;
        break;
      }
    }
    chooseNontemporal();
  }

  /// Streaming with nothing summed, an input gathered along the vector label (a transpose,
  /// 'ij->ji'): the output label along which that input has unit stride is unrolled by
  /// kTransposeRows, so that each gather's cache lines (and pages) serve that many rows before
  /// the tile moves on. One row at a time touched a new page per element: 'ij->ji' on 4000^2
  /// f32 took 60 ms (2 GB/s); in rows of 8, 7.7 ms.
  void transposeTile(const std::vector<std::size_t>& outputOrder) {
    for (const ir::TensorAccess& input : nest_.inputs) {
      if (!holds(input, *vectorLabel_) || unitIn(input, *vectorLabel_))
        continue;
      for (std::size_t label : outputOrder) {
        if (label == *vectorLabel_ || !unitIn(input, label))
          continue;
        std::int64_t extent = nest_.labels[label].extent;
        int rows = nest_.constantExtents
                       ? static_cast<int>(std::min<std::int64_t>(kTransposeRows, extent))
                       : kTransposeRows;
        if (rows < 2)
          continue;
        unrolledLabel_ = label;
        rows_ = rows;
        vectorFactor_ = 1;
        return;
      }
    }
  }

  /// An output larger than half the L3 is not read back from the caches before it is evicted:
  /// storing it past them saves reading every line in first. Needs whole vectors of unit output
  /// stride. Streaming only: measured on B32 (40 MB written between loads), non-temporal stores
  /// mixed with the loads of a contraction ran 1.4x slower than cached ones.
  void chooseNontemporal() {
    double outputBytes = static_cast<double>(dtypeSize(nest_.dtype));
    for (std::size_t label : nest_.output.indices)
      outputBytes *= static_cast<double>(nest_.labels[label].extent);
    nest_.nontemporalStores = nest_.constantExtents && vectorLabel_ && vectorIsOutput_ &&
                              unitIn(nest_.output, *vectorLabel_) &&
                              outputBytes > static_cast<double>(options_.caches.l3) / 2;
  }

  /// Small: the innermost reduction loops become straight-line code while the copies of the body
  /// they make stay within kMaxFullUnrollTrip and the tile updates they hold within
  /// kMaxUnrolledUpdates.
  void unrollReductionsFully() {
    if (!nest_.constantExtents)
      return;
    std::int64_t updates = static_cast<std::int64_t>(rows_) * (vectorLabel_ ? vectorFactor_ : 1);
    std::int64_t copies = 1;
    for (auto loop = nest_.reductionLoops.rbegin(); loop != nest_.reductionLoops.rend(); ++loop) {
      if (loop->kind != ir::LoopKind::Serial)
        return; // a vector sum stays a loop, and so do the loops around it
      std::int64_t trip = nest_.labels[loop->label].extent;
      if (copies * trip > ir::kMaxFullUnrollTrip || copies * trip * updates > kMaxUnrolledUpdates)
        return;
      copies *= trip;
      loop->fullUnroll = true;
    }
  }

  void placeLoops(const std::vector<std::size_t>& outputOrder,
                  const std::vector<std::size_t>& summedOrder) {
    auto loopOf = [&](std::size_t label) {
      if (label == vectorLabel_)
        return ir::Loop{label, ir::LoopKind::Vector, lanes_, vectorFactor_};
      if (label == unrolledLabel_)
        return ir::Loop{label, ir::LoopKind::Unrolled, 1, rows_};
      return ir::Loop{label, ir::LoopKind::Serial, 1, 1};
    };
    // The tiled loops go innermost: the vector loop outside the unrolled one, so that the
    // vector operand's panel stays in cache while the unrolled rows stream past it; or the
    // other way round when the rows' operand is the one to stream only once (rowsOutside_).
    std::vector<std::size_t> tiled;
    if (vectorLabel_ && vectorIsOutput_)
      tiled.push_back(*vectorLabel_);
    if (unrolledLabel_)
      tiled.push_back(*unrolledLabel_);
    if (rowsOutside_)
      std::swap(tiled.front(), tiled.back());
    for (std::size_t label : outputOrder)
      if (std::find(tiled.begin(), tiled.end(), label) == tiled.end())
        nest_.outputLoops.push_back(loopOf(label));
    for (std::size_t label : tiled)
      nest_.outputLoops.push_back(loopOf(label));
    for (std::size_t label : summedOrder)
      if (label != vectorLabel_)
        nest_.reductionLoops.push_back(loopOf(label));
    if (vectorLabel_ && !vectorIsOutput_)
      nest_.reductionLoops.push_back(loopOf(*vectorLabel_));
  }

  /// The outermost output loop runs in parallel when the kernel's work gives at least two
  /// threads kMinWorkPerThread each and the loop has two whole steps to share. Only with
  /// constant extents: otherwise the work is unknown here. The thread count is a run-time
  /// argument, so one compiled kernel serves every count.
  void markParallel() {
    if (!nest_.constantExtents || nest_.outputLoops.empty())
      return;
    // In double: a product of large extents must not overflow.
    double work = 1;
    for (const ir::LoopLabel& label : nest_.labels)
      work *= static_cast<double>(label.extent);
    ir::Loop& outer = nest_.outputLoops.front();
    std::int64_t steps = nest_.labels[outer.label].extent / outer.step();
    if (steps >= 2 && work >= 2.0 * static_cast<double>(runtime::kMinWorkPerThread))
      outer.parallel = true;
  }

  const Contraction& contraction_;
  const LoopOptions& options_;
  ir::LoopNest nest_;
  std::map<std::string, std::size_t> labelIds_;
  std::optional<std::size_t> vectorLabel_;
  bool vectorIsOutput_ = false;
  int lanes_ = 1;
  int vectorFactor_ = 1;
  std::optional<std::size_t> unrolledLabel_;
  int rows_ = 1;
  bool rowsOutside_ = false; ///< the unrolled loop outside the vector loop (rowsOperandStreams)
};

} // namespace

ir::LoopNest lowerToLoops(const Contraction& contraction, const LoopOptions& options) {
  return Scheduler(contraction, options).run();
}

} // namespace einjit::passes
