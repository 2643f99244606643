// tile: the register tile — two vectors per step of the vector loop when its extent allows, and
// the output label that best shares the vector loads unrolled by as many rows as the vector
// registers hold, innermost of the output loops (Passes.h: the "tile" pass).
#include "passes/NestQueries.h"
#include "passes/Passes.h"

#include <cmath>

namespace einjit::passes {

namespace {

constexpr int kMaxUnroll = 8;
/// A dot tile with fewer sums than this takes two vectors per step for each: four cycles of
/// FMA latency on two FMA pipes want eight independent sums in flight.
constexpr int kMinDotSums = 8;
/// Vector registers a dot tile leaves free beyond its sums and operands: LLVM's scheduler loads
/// the next step's vectors early, and a tile that needs every register spills its sums in the
/// loop. DLRM's bnd,bmd->bnm (27 x 27 x 128 per batch, AVX-512's 32 registers): 3x9 (31
/// registers) 18-30 GFLOP/s, 4x6 (29) 43-46 (Zen 4, one thread, six runs each).
constexpr int kSpareRegisters = 2;

/// Bytes of the inputs that do (`withVector`) or do not hold the vector label, over the labels
/// `over`.
double inputBytes(const ir::LoopNest& nest, std::size_t vectorLabel,
                  const std::vector<std::size_t>& over, bool withVector) {
  double bytes = 0;
  for (const ir::TensorAccess& input : nest.inputs) {
    if (holds(input, vectorLabel) != withVector)
      continue;
    double elements = 1;
    for (std::size_t label : over)
      if (holds(input, label))
        elements *= static_cast<double>(nest.labels[label].extent);
    bytes += elements * static_cast<double>(dtypeSize(nest.dtype));
  }
  return bytes;
}

/// Direct, with the vector loop outside the rows: every vector step reads the rows' operand (the
/// one without the vector label) again. When that is more than half the L2, each pass streams it
/// from L3 or memory; with the rows outside instead it streams once, and the vector operand, over
/// the vector label and the sums, is what stays in the L2, if it fits in half of it. Measured
/// (Zen 4, median GFLOP/s, 1 / 2 threads): S7 (16 MB of rows, 512 KB of vector operand)
/// 104 / 211 -> 109 / 220, S6 (4 MB, 64 KB) 107 / 209 -> 109 / 221.
bool rowsOperandStreams(ir::LoopNest& nest, const LoopOptions& options, std::size_t vectorLabel,
                        std::size_t rowsLabel) {
  if (nest.strategy != ir::Strategy::Direct || !nest.constantExtents ||
      !isOutputLoop(nest, nest.vectorLoop()))
    return false;
  std::vector<std::size_t> summedOrder = loopLabels(nest.reductionLoops);
  std::vector<std::size_t> perVectorStep = summedOrder;
  perVectorStep.push_back(rowsLabel);
  double rowBytes = inputBytes(nest, vectorLabel, perVectorStep, false);
  double halfL2 = static_cast<double>(options.caches.l2) / 2;
  if (rowBytes <= halfL2)
    return false;
  std::vector<std::size_t> wholeVector = summedOrder;
  wholeVector.push_back(vectorLabel);
  double vectorBytes = inputBytes(nest, vectorLabel, wholeVector, true);
  if (vectorBytes > halfL2)
    return false;
  nest.rationale.push_back("tile: rows' operand " + std::to_string(std::llround(rowBytes)) +
                           " B per vector step > L2/2 " + std::to_string(std::llround(halfL2)) +
                           " B, vector operand " + std::to_string(std::llround(vectorBytes)) +
                           " B fits: rows outside the vector loop");
  return true;
}

/// Inputs that hold the vector label but not `label`: the loads one index of `label` shares
/// with the others of a tile.
int sharing(const ir::LoopNest& nest, std::size_t vectorLabel, std::size_t label) {
  return static_cast<int>(
      std::count_if(nest.inputs.begin(), nest.inputs.end(),
                    [&](const auto& in) { return holds(in, vectorLabel) && !holds(in, label); }));
}

/// Bytes of the inputs holding `label` but not `other`, over `label` and the summed labels:
/// what a dot tile's inner loop over `label` reads again on every step of the outer one.
double operandBytes(const ir::LoopNest& nest, std::size_t label, std::size_t other) {
  double bytes = 0;
  for (const ir::TensorAccess& input : nest.inputs) {
    if (!holds(input, label) || holds(input, other))
      continue;
    double elements = static_cast<double>(nest.labels[label].extent);
    for (const ir::Loop& loop : nest.reductionLoops)
      if (holds(input, loop.label))
        elements *= static_cast<double>(nest.labels[loop.label].extent);
    bytes += elements * static_cast<double>(dtypeSize(nest.dtype));
  }
  return bytes;
}

/// The dot tile's columns (inner) re-read their operand once per step of the rows: when that
/// operand exceeds the L2 and the rows' is smaller, the columns go outside instead, so the
/// large one streams once and the small one is re-read from the L2. CCSD's abcd,ijcd->ijab
/// (f64, 53^4 by 5^2 x 53^2): rows ij outside re-read abcd's 63 MB seven times.
bool largerOperandInside(const ir::LoopNest& nest, const LoopOptions& options,
                         std::size_t rowsLabel, std::size_t colsLabel) {
  if (!nest.constantExtents)
    return false;
  double inner = operandBytes(nest, colsLabel, rowsLabel);
  double outer = operandBytes(nest, rowsLabel, colsLabel);
  return inner > static_cast<double>(options.caches.l2) && outer < inner;
}

/// The dot tile (Passes.h, "tile"): rows × cols output elements around a summed vector label
/// of unit stride. Returns false, leaving the nest alone, where it does not apply.
bool dotTile(ir::LoopNest& nest, const LoopOptions& options, std::size_t vectorLabel) {
  if (isOutputLoop(nest, nest.vectorLoop()))
    return false;
  for (const ir::TensorAccess& input : nest.inputs)
    if (holds(input, vectorLabel) && !unitIn(input, vectorLabel))
      return false;
  // The two output labels that share the most loads, the later of equals (the inner).
  std::optional<std::size_t> first;
  std::optional<std::size_t> second;
  for (std::size_t label : nest.output.indices) {
    if (sharing(nest, vectorLabel, label) == 0 ||
        (nest.constantExtents && nest.labels[label].extent < 2))
      continue;
    int shares = sharing(nest, vectorLabel, label);
    if (!first || shares >= sharing(nest, vectorLabel, *first)) {
      second = first;
      first = label;
    } else if (!second || shares >= sharing(nest, vectorLabel, *second)) {
      second = label;
    }
  }
  if (!first || !second)
    return false;
  // Rows outside, columns inside, in the output's order.
  auto position = [&](std::size_t label) {
    return std::find(nest.output.indices.begin(), nest.output.indices.end(), label);
  };
  std::size_t rowsLabel = position(*first) < position(*second) ? *first : *second;
  std::size_t colsLabel = rowsLabel == *first ? *second : *first;
  if (largerOperandInside(nest, options, rowsLabel, colsLabel)) {
    std::swap(rowsLabel, colsLabel);
    nest.rationale.push_back(
        "tile: " + nest.labels[rowsLabel].name + "'s operand exceeds the L2 and outweighs " +
        nest.labels[colsLabel].name + "'s: " + nest.labels[rowsLabel].name + " outside, read once");
  }
  auto [rows, cols] = dotTileShape(nest, options, rowsLabel, colsLabel);
  if (rows < 2 || cols < 2)
    return false;
  for (auto [label, factor] : {std::pair{rowsLabel, rows}, std::pair{colsLabel, cols}}) {
    ir::Loop loop = takeLoop(nest.outputLoops, label);
    loop.kind = ir::LoopKind::Unrolled;
    loop.factor = factor;
    nest.outputLoops.push_back(loop);
  }
  std::int64_t extent = nest.labels[vectorLabel].extent;
  int lanes = loopOver(nest, vectorLabel).lanes;
  // Too few sums to cover the FMA latency: two vectors each.
  loopOver(nest, vectorLabel).factor =
      rows * cols < kMinDotSums && (!nest.constantExtents || extent >= 2 * lanes) ? 2 : 1;
  nest.rationale.push_back("tile: dot tile " + std::to_string(rows) + "x" + std::to_string(cols) +
                           " of " + nest.labels[rowsLabel].name + " x " +
                           nest.labels[colsLabel].name + ", " + nest.labels[vectorLabel].name +
                           " vectorized in both operands, one horizontal sum per output element");
  return true;
}

} // namespace

std::pair<int, int> dotTileShape(const ir::LoopNest& nest, const LoopOptions& options,
                                 std::size_t rowsLabel, std::size_t colsLabel) {
  int registers = static_cast<int>(options.vectorRegisters);
  int perSum = isComplex(nest.dtype) ? 2 : 1; // a complex sum is two vectors
  auto extent = [&](std::size_t label) {
    return nest.constantExtents ? nest.labels[label].extent : std::int64_t{1} << 20;
  };
  std::int64_t m = extent(rowsLabel);
  std::int64_t n = extent(colsLabel);
  // Vector loads per multiply-add over the whole m x n output (edge tiles included): each tile
  // loads its rows' and its columns' vectors once per step of the summed label.
  auto loadsPerSum = [&](int rows, int cols) {
    double tilesDown = static_cast<double>((m + rows - 1) / rows);
    double tilesAcross = static_cast<double>((n + cols - 1) / cols);
    return (static_cast<double>(m) * tilesAcross + static_cast<double>(n) * tilesDown) /
           (static_cast<double>(m) * static_cast<double>(n));
  };
  std::pair<int, int> best{1, 1};
  for (int rows = 1; rows <= std::min<std::int64_t>(m, registers); ++rows)
    for (int cols = 1; cols <= std::min<std::int64_t>(n, registers); ++cols) {
      // The sums, the vectors of the smaller side kept for the tile, one of the other side.
      if (rows * cols * perSum + std::min(rows, cols) + 1 > registers - kSpareRegisters)
        continue;
      double loads = loadsPerSum(rows, cols);
      double bestLoads = loadsPerSum(best.first, best.second);
      if (loads < bestLoads || (loads == bestLoads && rows * cols > best.first * best.second))
        best = {rows, cols};
    }
  return best;
}

ir::LoopNest tile(ir::LoopNest nest, const LoopOptions& options) {
  const ir::Loop* vectorLoop = nest.vectorLoop();
  if (!vectorLoop || nest.reductionLoops.empty() || nest.unrolledLoop())
    return nest;
  if (dotTile(nest, options, vectorLoop->label))
    return nest;
  std::size_t vectorLabel = vectorLoop->label;
  int lanes = vectorLoop->lanes;
  std::int64_t vectorExtent = nest.labels[vectorLabel].extent;
  int vectorFactor = !nest.constantExtents || vectorExtent >= 2 * lanes ? 2 : 1;
  loopOver(nest, vectorLabel).factor = vectorFactor;

  auto sharing = [&](std::size_t label) {
    return std::count_if(nest.inputs.begin(), nest.inputs.end(), [&](const auto& input) {
      return holds(input, vectorLabel) && !holds(input, label);
    });
  };
  std::optional<std::size_t> partner;
  for (std::size_t label : nest.output.indices) {
    if (label == vectorLabel || sharing(label) == 0)
      continue;
    if (nest.constantExtents && nest.labels[label].extent < 2)
      continue;
    if (!partner || sharing(label) >= sharing(*partner))
      partner = label;
  }
  if (!partner)
    return nest;
  int registers = static_cast<int>(options.vectorRegisters);
  // A complex sum is two vectors (re(a)·b and im(a)·b apart), its broadcast factor two.
  int perSum = isComplex(nest.dtype) ? 2 : 1;
  int rows =
      std::clamp((registers - vectorFactor - perSum) / (vectorFactor * perSum), 1, kMaxUnroll);
  if (nest.constantExtents)
    rows = static_cast<int>(std::min<std::int64_t>(rows, nest.labels[*partner].extent));
  if (rows < 2)
    return nest;
  bool rowsOutside = rowsOperandStreams(nest, options, vectorLabel, *partner);
  // The tiled loops go innermost: the vector loop outside the unrolled one, so that the vector
  // operand's panel stays in cache while the unrolled rows stream past it; or the other way round
  // when the rows' operand is the one to stream only once (rowsOperandStreams).
  ir::Loop rowsLoop = takeLoop(nest.outputLoops, *partner);
  rowsLoop.kind = ir::LoopKind::Unrolled;
  rowsLoop.factor = rows;
  auto vectorPosition =
      std::find_if(nest.outputLoops.begin(), nest.outputLoops.end(),
                   [&](const ir::Loop& loop) { return loop.label == vectorLabel; });
  nest.outputLoops.insert(rowsOutside ? vectorPosition : nest.outputLoops.end(), rowsLoop);
  return nest;
}

} // namespace einjit::passes
