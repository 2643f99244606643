// schedulePacked: the GETT/BLIS schedule of a binary contraction (ir/PackedGemm.h) — label
// groups, which input packs as A and which as B, the micro-tile from the register file, and the
// cache blocks from the cache sizes.
#include "passes/NestQueries.h"
#include "passes/Passes.h"

#include "ThreadPool.h"

#include <algorithm>
#include <limits>

namespace einjit::passes {

namespace {

/// Multiply-adds per batch point from which a slow direct nest (slowDirectVector) is packed.
/// Measured (Zen 4, bik,bjk->bij, GFLOP/s direct -> packed): 16^3 22 -> 59, 50^3 29 -> 56,
/// 64^3 39 -> 94, 50x30x17 24 -> 49; below it 12^3 ran 20 -> 15 and 8^3 18 -> 8.
constexpr std::int64_t kMinPackedPointWork = 4096;

/// Largest |stride| outermost; a stride known only at run time counts as the largest.
void orderByStride(std::vector<std::size_t>& labels, const ir::TensorAccess& tensor) {
  auto key = [&](std::size_t label) {
    const std::optional<std::int64_t>& known = tensor.strides[label].known;
    return known ? std::abs(*known) : std::numeric_limits<std::int64_t>::max();
  };
  std::stable_sort(labels.begin(), labels.end(),
                   [&](std::size_t x, std::size_t y) { return key(x) > key(y); });
}

std::int64_t roundUp(std::int64_t value, std::int64_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

/// floor(bytes / perIndex) rounded down to a multiple of `multiple`, within [multiple, limit]
/// where limit is `extent` rounded up to `multiple`.
std::int64_t blockFor(std::size_t bytes, std::int64_t perIndex, std::int64_t multiple,
                      std::int64_t extent) {
  std::int64_t fit = static_cast<std::int64_t>(bytes) / std::max<std::int64_t>(perIndex, 1);
  fit = std::max(fit / multiple * multiple, multiple);
  // Equal blocks: 1024 in blocks of at most 1022 become 2 × 512, not 1022 + 2.
  std::int64_t blocks = (extent + fit - 1) / fit;
  return std::min(fit, roundUp((extent + blocks - 1) / blocks, multiple));
}

/// Rows per micro-tile: at most `most` (what the registers hold), fewer from 8 up when that
/// pads M with fewer zero rows, ties to the larger tile. M = 64 runs as 8 tiles of 8 rather than
/// 6 of 12 with 8 rows of zeros (G64x64x4096 f64 packed: ~40 -> ~46 GFLOP/s); on Zen 4 an 8-row
/// tile ran no slower than a 12-row one on 1024³ either.
int rowsPerTile(int most, std::int64_t m) {
  auto padding = [&](int rows) { return roundUp(m, rows) - m; };
  int best = most;
  for (int rows = most - 1; rows >= std::max<std::int64_t>(1, std::min<std::int64_t>(8, m)); --rows)
    if (padding(rows) < padding(best))
      best = rows;
  return best;
}

/// "16 MiB", "2.3 MiB".
std::string spanText(double bytes) {
  double mib = bytes / (1 << 20);
  std::string text = std::to_string(mib);
  std::size_t point = text.find('.');
  return (mib >= 10 || point == std::string::npos ? text.substr(0, point)
                                                  : text.substr(0, point + 2)) +
         " MiB";
}

PackedChoice notPacked(std::string reason) {
  return PackedChoice{std::nullopt, std::move(reason)};
}

} // namespace

PackedChoice schedulePacked(const ir::LoopNest& nest, const LoopOptions& options) {
  if (nest.inputs.size() != 2)
    return notPacked(std::to_string(nest.inputs.size()) + " inputs (packing needs two)");
  bool half = isHalfPrecision(nest.dtype);
  if (nest.dtype != DType::f32 && nest.dtype != DType::f64 && !half)
    return notPacked("dtype " + std::string(dtypeName(nest.dtype)) +
                     " (packing is for f32, f64, bf16 and f16)");
  if (!nest.constantExtents)
    return notPacked("extents known only at run time");
  const ir::TensorAccess& x = nest.inputs[0];
  const ir::TensorAccess& y = nest.inputs[1];
  const ir::TensorAccess& out = nest.output;
  ir::PackedGemm gemm;
  std::vector<std::size_t> xFree;
  std::vector<std::size_t> yFree;
  for (std::size_t label = 0; label < nest.labels.size(); ++label) {
    if (nest.labels[label].extent < 1)
      return notPacked("label " + nest.labels[label].name + " has extent 0");
    bool inX = holds(x, label);
    bool inY = holds(y, label);
    bool inOut = holds(out, label);
    if (inX && inY)
      (inOut ? gemm.batch : gemm.k).push_back(label);
    else if (inOut && inX)
      xFree.push_back(label);
    else if (inOut && inY)
      yFree.push_back(label);
    else
      return notPacked("label " + nest.labels[label].name + " is summed in one operand only");
  }
  if (gemm.k.empty())
    return notPacked("nothing is summed across the operands");
  if (xFree.empty() || yFree.empty())
    return notPacked("one operand has no free label (a matrix-vector shape)");
  // The micro-kernel's vectors run along N: give N the output's unit-stride label.
  bool yIsB = true;
  for (std::size_t label : xFree)
    if (out.strides[label].known == std::optional<std::int64_t>(1))
      yIsB = false;
  gemm.a = yIsB ? 0 : 1;
  gemm.b = yIsB ? 1 : 0;
  gemm.m = yIsB ? xFree : yFree;
  gemm.n = yIsB ? yFree : xFree;
  orderByStride(gemm.batch, out);
  orderByStride(gemm.m, out);
  orderByStride(gemm.n, out);
  // Packing copies K along its innermost label, in registers where that label has unit stride
  // and element by element where not; A and B share the order. It follows the operand of which
  // more is copied (A: M x K values, B: N x K), where the two differ: CCSD's kdac,ikcd->ia, K =
  // k,c,d, has d innermost in ikcd (A, 5 x 14045) and c in kdac (B, 53 x 14045); in A's order
  // the copy of B took 80 % of the kernel's time.
  bool followB = ir::groupExtent(nest, gemm.n) > ir::groupExtent(nest, gemm.m);
  orderByStride(gemm.k, nest.inputs[followB ? gemm.b : gemm.a]);

  // bf16 and f16 compute in f32: f32 lanes, and panels of f32 or of bf16 K pairs.
  if (half)
    gemm.panels = nest.dtype == DType::bf16 && options.bf16DotProduct ? ir::Panels::Bf16Pairs
                                                                      : ir::Panels::F32;
  std::int64_t lanesOf = half ? 4 : static_cast<std::int64_t>(dtypeSize(nest.dtype));
  std::int64_t size = gemm.panels == ir::Panels::Bf16Pairs ? 2 : lanesOf;
  std::int64_t m = ir::groupExtent(nest, gemm.m);
  std::int64_t n = ir::groupExtent(nest, gemm.n);
  std::int64_t k = ir::groupExtent(nest, gemm.k);
  gemm.lanes = std::max(1, static_cast<int>(options.vectorBits / (8 * lanesOf)));
  gemm.vectors = n >= 2 * gemm.lanes ? 2 : 1;
  // Accumulators mr × vectors, plus the B vectors and one broadcast A element.
  int registers = static_cast<int>(options.vectorRegisters);
  gemm.mr = rowsPerTile(std::clamp((registers - gemm.vectors - 1) / gemm.vectors, 1, 12), m);
  std::int64_t nr = gemm.nr();
  // A long K block keeps the C tile in registers over more multiply-adds (on Zen 4, K blocks
  // of 1024 ran S1 ~12 % faster than blocks of 256): the B micro-panel (KC × NR) takes an
  // eighth of the L2, where it and the A block (half the L2) stream from.
  gemm.kc = std::clamp<std::int64_t>(static_cast<std::int64_t>(options.caches.l2) / (8 * nr * size),
                                     16, 2048);
  // A 16-bit output takes all of K in one block where the B micro-panel of all of K fits in half
  // the L2: with several, the sums wait in the f32 C block one MC block of rows at a time, and B
  // is packed again per MC rows (Zen 4, one thread: f16 2048^3 88.6 -> 107.7 GFLOP/s, bf16
  // 4096^3 148 -> 216).
  if (isHalfPrecision(nest.resultDtype()) &&
      k * nr * size <= static_cast<std::int64_t>(options.caches.l2) / 2)
    gemm.kc = k;
  // Equal K pieces: 130 with a block of 128 packs as 65 + 65, not 128 + 2.
  std::int64_t pieces = (k + gemm.kc - 1) / gemm.kc;
  gemm.kc = (k + pieces - 1) / pieces;
  // K pairs: every block but the last holds whole pairs.
  if (gemm.panels == ir::Panels::Bf16Pairs && pieces > 1)
    gemm.kc += gemm.kc & 1;
  gemm.mc = blockFor(options.caches.l2 / 2, gemm.kc * size, gemm.mr, m);
  gemm.nc = blockFor(options.caches.l3 / 4, gemm.kc * size, nr, n);

  double work = static_cast<double>(ir::groupExtent(nest, gemm.batch)) * static_cast<double>(m) *
                static_cast<double>(n) * static_cast<double>(k);
  std::int64_t units = ir::groupExtent(nest, gemm.batch) * ((n + nr - 1) / nr);
  gemm.parallel = units >= 2 && work >= 2.0 * static_cast<double>(runtime::kMinWorkPerThread);
  return PackedChoice{gemm, ""};
}

namespace {

/// Why the direct nest's vector loop is slow on its own: it sums the vector label (a horizontal
/// sum per output element) or gathers an operand along it; nullopt when neither.
std::optional<std::string> slowDirectVector(const ir::LoopNest& direct) {
  const ir::Loop* vector = direct.vectorLoop();
  if (!vector)
    return std::nullopt;
  bool summed = std::any_of(direct.reductionLoops.begin(), direct.reductionLoops.end(),
                            [&](const ir::Loop& loop) { return &loop == vector; });
  if (summed)
    return "the direct nest vectorizes the summed label " + direct.labels[vector->label].name +
           " (a horizontal sum per output element)";
  for (const ir::TensorAccess& input : direct.inputs) {
    const ir::LabelStride& stride = input.strides[vector->label];
    if (!stride.sourceDims.empty() && stride.known != std::optional<std::int64_t>(1))
      return input.name + " is gathered along " + direct.labels[vector->label].name + " (stride " +
             (stride.known ? std::to_string(*stride.known) : "?") + ") in the direct nest";
  }
  return std::nullopt;
}

} // namespace

/// An operand larger than the L2 that the direct nest reads this many times or more packs.
constexpr double kMinReadsToPack = 16;

std::optional<std::string> packedBenefit(const ir::LoopNest& direct, const ir::PackedGemm& gemm,
                                         const LoopOptions& options) {
  std::int64_t m = ir::groupExtent(direct, gemm.m);
  std::int64_t n = ir::groupExtent(direct, gemm.n);
  std::int64_t k = ir::groupExtent(direct, gemm.k);
  double perPoint = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  // A direct nest that sums vectors or gathers runs far from the peak at any size, so packing
  // pays from one micro-tile each way and kMinPackedPointWork multiply-adds per batch point.
  if (std::optional<std::string> slow = slowDirectVector(direct);
      slow && perPoint >= static_cast<double>(kMinPackedPointWork) && m >= gemm.mr &&
      n >= gemm.nr())
    return slow;
  if (perPoint < static_cast<double>(std::int64_t{1} << 20) || m < 2 * gemm.mr || n < 2 * gemm.nr())
    return std::nullopt;
  // vdpbf16ps does two multiply-adds per f32 lane where the direct nest's FMA does one (bf16
  // 512³ on Zen 4: direct 103, packed pairs 195 GFLOP/s; 128³ 101 -> 129).
  if (gemm.panels == ir::Panels::Bf16Pairs)
    return std::string("bf16 K pairs: vdpbf16ps does two multiply-adds per f32 lane, the direct "
                       "nest's FMA one");
  std::int64_t size = static_cast<std::int64_t>(dtypeSize(direct.dtype));
  for (const ir::TensorAccess& input : direct.inputs) {
    double span = 0;
    for (const ir::Loop& loop : direct.reductionLoops) {
      const ir::LabelStride& stride = input.strides[loop.label];
      if (!stride.sourceDims.empty() && stride.known)
        span += static_cast<double>(std::abs(*stride.known)) *
                static_cast<double>(direct.labels[loop.label].extent) * static_cast<double>(size);
    }
    // Beyond twice the L2 the direct nest's summed walk misses the L2 on every output tile;
    // the packed copy reads each operand block once (S1 1024³: 4 MiB, packed ran ~10 % faster).
    if (span > 2 * static_cast<double>(options.caches.l2))
      return "the direct nest strides through " + spanText(span) + " of " + input.name +
             " per output tile (> 2 x L2 " + std::to_string(options.caches.l2 >> 10) + " KiB)";
  }
  // Nor does the direct nest block for the caches around its output loops: an operand larger
  // than the L2 that it reads again on every step of one comes from the L3 each time, where the
  // packed copy reads each block once. S6 abk,ckd->abcd reads x (4 MiB) 16 times: direct 82,
  // packed 105 GFLOP/s on Zen 4 (two threads: 94, 207). Read a few times only, the copy is not
  // repaid: 64x64x4096 f64 reads y (2 MiB) 8 times, direct 57, packed 48.
  ReRead again = reReadBeyondL2(direct, options.caches);
  if (again.largestFootprint > static_cast<double>(options.caches.l2) &&
      again.largestReads >= kMinReadsToPack)
    return "the direct nest reads " + spanText(again.largestFootprint) + " of " + again.operand +
           " (> L2 " + std::to_string(options.caches.l2 >> 10) + " KiB) " +
           std::to_string(static_cast<std::int64_t>(again.largestReads)) +
           " times, once per step of " + direct.labels[again.loopLabel].name;
  return std::nullopt;
}

ir::LoopNest applyPackedStrategy(ir::LoopNest nest, const LoopOptions& options) {
  if (nest.packed)
    return nest;
  bool forced = nest.strategy == ir::Strategy::Packed;
  // Small nests too: a tiny product whose direct nest sums vectors packs from 16^3 on.
  if (!forced && (options.strategy ||
                  (nest.strategy != ir::Strategy::Direct && nest.strategy != ir::Strategy::Small)))
    return nest;
  PackedChoice choice = schedulePacked(nest, options);
  std::optional<std::string> benefit;
  if (choice.gemm && !forced)
    benefit = packedBenefit(nest, *choice.gemm, options);
  if (!choice.gemm && forced) {
    nest.strategy = ir::Strategy::Direct;
    nest.rationale.push_back("packing does not apply: " + choice.reason + ": direct");
  }
  if (!choice.gemm || (!forced && !benefit))
    return nest;
  if (benefit) {
    // chooseStrategy's last line named the direct nest this replaces.
    if (!nest.rationale.empty() && nest.rationale.back() == "direct")
      nest.rationale.pop_back();
    nest.rationale.push_back(*benefit + ": packed");
  }
  nest.outputLoops.clear();
  nest.reductionLoops.clear();
  nest.packed = choice.gemm;
  nest.strategy = ir::Strategy::Packed;
  ir::verify(nest);
  return nest;
}

} // namespace einjit::passes
