// The passes that take an IndexProgram to a LoopNest (docs/architecture.md §4), one free function
// per file, and the Contraction they transform: a prologue-free IndexProgram plus, for every tensor
// dimension, where its run-time stride comes from and whether the kernel may assume its value.
#pragma once

#include "ir/IndexProgram.h"
#include "ir/LoopNest.h"
#include "support/CacheSizes.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace einjit::passes {

/// What a kernel may assume about one tensor's strides, per dimension of the tensor as the
/// kernel reads it: the stride when it is fixed (0 or 1, or any value when the whole tensor is
/// contiguous and extents are constants), nullopt when it is only known at run time.
using StrideClass = std::vector<std::optional<std::int64_t>>;

/// The class of a view's strides: every stride known when the view is row-major contiguous
/// (dimensions of extent 1 ignored) and `contiguousKnown`; otherwise strides 0 and 1 only.
/// Dimensions of extent 1 always read as known 0: they are never stepped.
StrideClass strideClassOf(const Shape& shape, const Strides& strides, bool contiguousKnown);
/// True when `strides` lay `shape` out row-major and contiguous (dimensions of extent 1 ignored).
/// Inline, with dimStrideClass: every cached run checks its views with them.
inline bool isRowMajorContiguous(const Shape& shape, const Strides& strides) {
  std::int64_t expected = 1;
  for (std::size_t d = shape.size(); d-- > 0;) {
    if (shape[d] == 1)
      continue;
    if (strides[d] != expected)
      return false;
    expected *= shape[d];
  }
  return true;
}
/// One dimension's entry of a stride class: 0 for extent 1, the stride when the view counts as
/// contiguous or the stride is 0 or 1, nullopt otherwise.
inline std::optional<std::int64_t> dimStrideClass(std::int64_t extent, std::int64_t stride,
                                                  bool contiguous) {
  if (extent == 1)
    return 0;
  if (contiguous || stride == 0 || stride == 1)
    return stride;
  return std::nullopt;
}
/// The class of a contiguous row-major tensor of `shape`.
StrideClass contiguousStrideClass(const Shape& shape, bool contiguousKnown);
/// "[12,?,1]".
std::string toString(const StrideClass& strideClass);

/// One dimension of a tensor under lowering: the user's dimension its stride comes from, and the
/// stride when the kernel may assume it.
struct DimLayout {
  std::size_t sourceDim = 0;
  std::optional<std::int64_t> knownStride;
  bool operator==(const DimLayout&) const = default;
};

/// The dimensions of one tensor under lowering, parallel to its indices in the program.
using TensorLayout = std::vector<DimLayout>;

/// A contraction on its way to a LoopNest.
struct Contraction {
  ir::IndexProgram program;           ///< no prologues; shapes are the shapes the kernel reads
  std::vector<std::size_t> sources;   ///< operand t is operand sources[t] of the program given
  std::vector<TensorLayout> operands; ///< parallel to program.operands
  TensorLayout output;                ///< parallel to program.output
  bool constantExtents = true;        ///< the kernel may assume the extents
  bool operator==(const Contraction&) const = default;
};

/// Wraps `program` for lowering. Prologues are the runtime's job (DESIGN choice: they run before
/// the kernel on a contiguous copy), so the operands become the shapes after the prologues and
/// the prologues are dropped. `operandClasses` and `outputClass` are per dimension of those
/// shapes. Throws Error(Internal) when a class does not fit its tensor's rank.
Contraction makeContraction(const ir::IndexProgram& program,
                            const std::vector<StrideClass>& operandClasses,
                            const StrideClass& outputClass, bool constantExtents);

/// The statement followed by one line per tensor with its layout, e.g.
/// "  x: a<-0 c<-1 strides [?,1]".
std::string toString(const Contraction& contraction);
std::ostream& operator<<(std::ostream& os, const Contraction& contraction);

/// Canonical form, so that contractions that differ only in label names or in the order of two
/// operands become equal:
///   1. labels are renamed a, b, c, … (then A…Z, then l52, l53, …) in order of first
///      appearance, the output first, then the operands left to right;
///   2. for exactly two operands, both orders are renamed and the one whose text (statement,
///      shapes, layouts, conj) sorts first is kept.
/// Operand names are kept; `sources` follows the reordering.
Contraction canonicalize(Contraction contraction);

/// Removes every dimension of extent 1 (labels of extent 1 and literal 0s) from the operands and
/// the output: such a dimension is only ever indexed at 0.
Contraction dropUnitDims(Contraction contraction);

/// Merges label pairs (l1, l2) that every tensor holding either of them holds exactly once as
/// adjacent dimensions l1 l2 with known strides s1 == extent(l2) * s2. The merged label keeps
/// l1's name, has extent extent(l1) * extent(l2) and l2's stride. Repeats until no pair folds.
/// Needs constant extents; otherwise returns the contraction unchanged.
Contraction foldLabels(Contraction contraction);

/// GETT-style groups of the labels of a contraction. For two operands x and y: batch (output,
/// x and y), M (output and x only), N (output and y only), K (summed, in x and y). Labels summed
/// inside one operand only are listed per operand. With one operand or more than two, M holds
/// every free label and N is empty; K holds labels summed across two or more operands.
struct LabelGroups {
  std::vector<std::string> batch;
  std::vector<std::string> m;
  std::vector<std::string> n;
  std::vector<std::string> k;
  std::vector<std::vector<std::string>> summedInOne; ///< per operand
  bool operator==(const LabelGroups&) const = default;
};
/// Labels in each group in order of first appearance (IndexProgram::labels()).
LabelGroups classifyLabels(const ir::IndexProgram& program);
/// "batch [b] M [i] N [j] K [k]" plus "summed in x [s]" for non-empty groups.
std::string toString(const LabelGroups& groups, const ir::IndexProgram& program);

/// What the schedule needs to know about the target, and an optional forced strategy.
struct LoopOptions {
  unsigned vectorBits = 256;       ///< width of the widest vector register
  unsigned vectorRegisters = 16;   ///< vector registers available for a register tile
  support::CacheSizes caches = {}; ///< working sets are sized against these
  /// Forces a strategy; nullopt lets chooseStrategy pick one.
  std::optional<ir::Strategy> strategy = std::nullopt;
  /// The target has AVX512-BF16's dot product (vdpbf16ps): packed bf16 panels hold K pairs.
  bool bf16DotProduct = false;
};

/// A strategy and the cost figures that decided it, one line each.
struct StrategyChoice {
  ir::Strategy strategy = ir::Strategy::Direct;
  std::vector<std::string> rationale;
};

/// The plain loop nest of a contraction, the input of the scheduling passes: one serial loop per
/// label, output loops in the output's order around the reduction loops, these ordered by their
/// smallest known stride (largest outermost); strategy direct, no rationale.
ir::LoopNest lowerToNest(const Contraction& contraction);

/// Picks the schedule family of a plain (canonical, folded) loop nest from its cost figures:
///   1. a forced options.strategy wins ("forced");
///   2. extents known only at run time: Direct (nothing to size against);
///   3. figures: multiply-adds, bytes moved (each input read once, the output written once),
///      arithmetic intensity (2 flops per multiply-add per byte), batch elements (labels in the
///      output and every operand) and the working set of one batch element;
///   4. Small when two or more operands contract (a summed label and a free non-batch label),
///      one batch element's working set fits in half the L1d and every non-batch extent is at
///      most kMaxSmallExtent: a tiny product, best fully unrolled, each on one thread;
///   5. Streaming when the intensity is below 1 flop/B and the bytes moved exceed the L2: the
///      memory bus is the limit (non-temporal stores once the output passes half the L3);
///   6. Direct otherwise.
StrategyChoice chooseStrategy(const ir::LoopNest& nest, const LoopOptions& options);
/// chooseStrategy of the contraction's plain nest.
StrategyChoice chooseStrategy(const Contraction& contraction, const LoopOptions& options);

/// Non-batch extents above this never take the Small strategy.
inline constexpr std::int64_t kMaxSmallExtent = 64;

// The scheduling passes, LoopNest -> LoopNest, in the order the pipeline runs them (loopPasses).
// Each returns the nest unchanged where it does not apply; each output verifies.

/// "strategy": the nest's strategy and rationale from chooseStrategy.
ir::LoopNest decideStrategy(ir::LoopNest nest, const LoopOptions& options);
/// "vectorize": the vector label — the output label of unit output stride if some operand has
/// unit stride along it too, else (complex, something summed) the innermost output label of unit
/// stride in every operand that holds it, else the summed label of unit stride in the most
/// operands, else the output label of unit output stride, else an output label of unit stride in
/// some operand (a complex nest with nothing summed only when that label is unit-stride in the
/// output and every operand that holds it, else it stays scalar);
/// lanes = vector bits / element bits (bf16 and f16 count as the f32 they compute in; a complex
/// element is both its parts, interleaved in the vector, and a "vectorize:" rationale line says
/// so), or the largest power of two within a constant extent (none below two). Its loop moves
/// innermost of its group.
ir::LoopNest vectorize(ir::LoopNest nest, const LoopOptions& options);
/// "tile": a register tile when something is summed. A dot tile when the vector label is summed
/// with unit stride in every input that holds it (K contiguous in both operands, as in
/// 'bih,bjh->bij'): the two output labels that share the most vector loads (those absent from
/// most inputs holding the vector label; the later of equals) are unrolled, rows (the earlier in
/// the output) outside columns, innermost of the output loops, by dotTileShape; each of the
/// rows × cols output elements sums a vector over the vector label (two, when the tile has
/// fewer than eight sums), with one horizontal sum per element after the reduction loops.
/// Otherwise the vector loop takes two vectors per
/// step if its extent allows, and the output label that best shares the vector loads (the one
/// absent from the operands that hold the vector label) is unrolled by as many rows as the
/// vector registers hold (at most 8; a complex sum takes two registers), innermost of the output
/// loops after the vector loop;
/// before it instead (Direct) when the rows' operand over the rows and the sums exceeds half the
/// L2 and the vector operand over the vector label and the sums fits in it, so that the larger
/// operand streams once (a "tile:" rationale line says so).
ir::LoopNest tile(ir::LoopNest nest, const LoopOptions& options);
/// The rows × cols of a dot tile over `rowsLabel` and `colsLabel`: the fewest vector loads per
/// multiply-add over the whole rows-by-columns output, edge tiles included (each tile loads
/// rows + cols vectors per step of the summed label for rows × cols multiply-adds), ties to the
/// larger tile, within the registers: rows × cols sums (two vectors each for complex), the
/// smaller side's vectors and one more. Run-time extents count as long.
std::pair<int, int> dotTileShape(const ir::LoopNest& nest, const LoopOptions& options,
                                 std::size_t rowsLabel, std::size_t colsLabel);
/// "unroll", Small only: the unrolled rows divide their extent where a divisor of at least half
/// the rows exists (not a dot tile's); the innermost serial reduction loops are fully unrolled
/// while their trip counts multiply to at most kMaxFullUnrollTrip and the tile updates to at most
/// 256.
ir::LoopNest unroll(ir::LoopNest nest, const LoopOptions& options);
/// "stream", Streaming only: four vectors per step when nothing is summed (one vector and eight
/// rows of the gathered input's unit-stride label when an input is gathered, as in a transpose);
/// with a summed vector label and no unrolled loop the innermost output label takes four rows,
/// so that four independent sums overlap; non-temporal stores when the output exceeds half the
/// L3 and the vector label is an output label of unit output stride.
ir::LoopNest stream(ir::LoopNest nest, const LoopOptions& options);
/// "transpose": a permutation copy (one real input, nothing summed) whose input is gathered along
/// the vector label, an output label of unit output stride, and has unit stride along another
/// output label: that label is unrolled by the vector's lanes (its extent when shorter), the
/// vector loop takes one vector per step, and the kernel transposes lanes x lanes tiles in
/// registers (ir::LoopNest::transposedLoop). The two loops go innermost, the rows inside. Other
/// nests, and nests with another unrolled label, are returned unchanged.
ir::LoopNest transposeTiles(ir::LoopNest nest, const LoopOptions& options);
/// "parallelize": with constant extents, the outermost output loop is parallel when the product
/// of all extents is at least twice runtime::kMinWorkPerThread and it has two whole steps (for
/// Small, the batch: each tiny product stays on one thread).
ir::LoopNest parallelize(ir::LoopNest nest, const LoopOptions& options);

/// The packed (GETT/BLIS) schedule of a two-input nest, or why it does not apply.
struct PackedChoice {
  std::optional<ir::PackedGemm> gemm;
  std::string reason; ///< why not, when gemm is empty
};
/// Applies to real floating-point nests with constant extents whose labels all fall into batch
/// / M / N / K with M, N and K non-empty. A holds M, B holds N, chosen so that the output's
/// unit-stride label is in N (the micro-kernel's vectors run along N); groups are ordered by
/// the output's strides (K by A's), largest outermost. The micro-tile takes two vectors of the
/// widest width (one when N is narrower) and as many rows as the remaining registers allow, at
/// most 12; KC fits a B micro-panel in the L1, MC an A block in half the L2, NC a B block in a
/// quarter of the L3, each split into equal blocks. Parallel over batch × NR-column units above
/// the work cutoff.
PackedChoice schedulePacked(const ir::LoopNest& nest, const LoopOptions& options);
/// Why the packed schedule `gemm` should beat the direct (or small) nest `direct` (the cost
/// figures, as text), or nullopt when it should not. Packing costs a copy of A and B per block.
/// When the direct nest vectorizes a summed label or gathers an operand along its vector label,
/// it is slow at any size, and packing pays from 4096 multiply-adds per batch point and one
/// micro-tile each way along M and N. Otherwise it pays when each batch point has at least 2^20
/// multiply-adds, M and N span two micro-tiles, and the direct nest's summed loops stride
/// through more than 2 × L2 of one operand per output tile (cache and TLB misses that packing
/// turns into one sequential copy).
std::optional<std::string> packedBenefit(const ir::LoopNest& direct, const ir::PackedGemm& gemm,
                                         const LoopOptions& options);
/// "packed", the last pass: a nest forced to Packed gets its packed schedule (or becomes direct,
/// the rationale saying why packing does not apply); a direct or small nest the strategy was not
/// forced for becomes packed when packedBenefit says so (the benefit goes into the rationale).
/// Other nests are returned unchanged.
ir::LoopNest applyPackedStrategy(ir::LoopNest nest, const LoopOptions& options);

/// What a nest's operands cost when read again from beyond the L2 (ReRead.cpp). In the nest's
/// loop order (outermost first, reductions innermost; nothing blocks for the caches), an operand
/// whose labels a loop does not carry is read again on every step of that loop once the loop's
/// body touches more than the L2 holds; the outermost such loop counts, with every loop around
/// it. What is read again streams from the L3 when it fits in half of it, else from DRAM (at
/// bytes per cycle measured on Zen 4). An operand read once costs nothing here.
struct ReRead {
  double bytes = 0;            ///< read beyond the first time
  double cycles = 0;           ///< those bytes at L3 or DRAM bandwidth
  double largestFootprint = 0; ///< the most bytes of one operand one step of its loop reads
  double largestReads = 0;     ///< how many times over that operand is read in all
  std::string operand;         ///< that operand
  std::size_t loopLabel = 0;   ///< and the label of that loop
};
ReRead reReadBeyondL2(const ir::LoopNest& nest, const support::CacheSizes& caches);

/// What a dot-tiled nest (tile: two unrolled loops around a summed vector label) and the packed
/// schedule `gemm` of the same nest cost, counted in vector instructions, with loads issuing
/// beside the arithmetic (the busier bounds a loop). The dot tile: max(its FMAs, one per output
/// element per vector step of the summed labels, plus the horizontal sums, the tile's vectors
/// folded together in pairs, two shuffles and an add each, and one extract per element, a
/// 512-bit shuffle counted as two FMA slots; its
/// loads, rows + cols vectors per tile per step, edge tiles included). The packed schedule:
/// max(FMAs, loads) of the micro-kernel over whole MR x NR tiles, plus the packing copies that
/// run before it (a load and a store per vector of every padded panel, and a shuffle per
/// halving where the operand's K has unit stride and the copy transposes). The dot tile does not
/// block for the caches: an operand it reads again from beyond `caches.l2` (a loop it does not
/// depend on, around a body larger than the L2) bounds it too, counted in cycles of DRAM or L3
/// bandwidth. `text` gives both with their parts. Zero when the nest has no dot tile.
struct DotTileCost {
  double dot = 0;
  double packed = 0;
  std::string text;
};
DotTileCost dotTileCost(const ir::LoopNest& nest, const ir::PackedGemm& gemm,
                        const support::CacheSizes& caches);
/// "packed" as the pipeline runs it: a direct or small nest with a dot tile, not forced and with
/// constant extents, stays as it is when packing applies but dotTileCost says the dot tile costs
/// no more (the figures go into the rationale); everything else goes to applyPackedStrategy.
ir::LoopNest packedUnlessDotTile(ir::LoopNest nest, const LoopOptions& options);

/// A scheduling pass: its name (`einjit opt --pass=NAME`) and its function.
struct LoopPass {
  const char* name;
  ir::LoopNest (*run)(ir::LoopNest, const LoopOptions&);
};
/// The scheduling passes in pipeline order: strategy, vectorize, tile, unroll, stream,
/// transpose (transposeTiles), parallelize, packed (packedUnlessDotTile).
const std::vector<LoopPass>& loopPasses();
/// The pass called `name`, or nullptr.
const LoopPass* findLoopPass(std::string_view name);

/// The pass pipeline, one linear function: canonicalize, dropUnitDims, foldLabels, canonicalize
/// (Contraction -> Contraction), lowerToNest (logged as lowerToLoops), then loopPasses(), each
/// output verified. When `log` is given it receives the IR after every pass ("-- PASS", then
/// the contraction or the nest's toIRText; "(unchanged)" when a pass did nothing).
ir::LoopNest lowerContraction(const Contraction& contraction, const LoopOptions& options,
                              std::ostream* log = nullptr);
/// The schedule before the packed pass: lowerToNest and the passes strategy … parallelize. The
/// nest of the strategy chooseStrategy picks (or options.strategy forces), never packed.
ir::LoopNest lowerToLoops(const Contraction& contraction, const LoopOptions& options);

/// One step of a path: a prologue-free binary program (a pairwise contraction), or a unary one
/// (a relayout copy, relayoutPath), whose operands are original operands (as the statement reads
/// them, after their prologues) or temporaries made by earlier steps.
struct PathStep {
  ir::IndexProgram program;
  /// Per operand of `program`: the value it reads, an original operand t < n (the program's
  /// operand count) or n + k, the temporary step k writes.
  std::vector<std::size_t> reads;
  std::int64_t multiplyAdds = 0; ///< iterations of the step's loop nest (a copy's: elements)
};

/// A relayout path run in chunks of one label (relayoutPath): its first `firstChunkedStep` steps
/// run once; the rest, whose programs hold `label` at extent `chunk`, run `count` times, the
/// chunk-th time on indices [chunk × c, chunk × (c + 1)) of `label` of the operand and the output
/// that hold it, into temporaries of one chunk. `chunk` divides the label's extent.
struct PathChunks {
  std::string label;
  std::int64_t chunk = 0;
  std::int64_t count = 0;
  std::size_t firstChunkedStep = 0;
  bool operator==(const PathChunks&) const = default;
};

/// The pairwise contractions chosen for a program of three or more operands. The last step
/// writes the program's output; every temporary is a contiguous tensor of its program's shape.
struct ContractionPath {
  std::vector<PathStep> steps;
  std::int64_t multiplyAdds = 0; ///< the steps' sum
  /// What one fused loop nest over every label costs: iterations times (operands - 1), as it
  /// multiplies that many factors per iteration. Saturates at the int64 maximum.
  std::int64_t fusedMultiplyAdds = 0;
  /// Why a binary contraction runs as relayout copies around its product (relayoutPath,
  /// innermostRelayoutPath); empty for a path of pairwise contractions.
  std::string relayout;
  /// Set where the relayout path runs in chunks (PathChunks).
  std::optional<PathChunks> chunks;
  /// True when the steps cost fewer multiply-adds than the fused nest (never for an empty path).
  bool beatsFused() const { return !steps.empty() && multiplyAdds < fusedMultiplyAdds; }
  /// True when the plan runs the steps: a relayout path always, a pairwise one when it beats
  /// the fused nest.
  bool runs() const { return relayout.empty() ? beatsFused() : !steps.empty(); }
};

/// The order of pairwise contractions of `program` that minimises total multiply-adds: exact
/// dynamic programming over operand subsets for up to eight operands, greedy (cheapest next
/// pair) beyond. An intermediate keeps the labels that other operands or the output still need,
/// so an outer (broadcast) product is a candidate like any other pair; in their order in its
/// operands, or in the output's where the last step sums nothing (an element-wise scaling then
/// reads it as it writes out). Conj stays on its
/// operand; literal 0 indices stay on the original operands. Returns an empty path for fewer
/// than three operands.
ContractionPath choosePath(const ir::IndexProgram& program);
/// A binary contraction whose batch labels are not the outermost labels of an operand or of the
/// output, one of them innermost somewhere (AlphaFold's ikc,jkc->ijc; Transformer-XL's
/// ibnd,jnd->ijbn) as a relayout path: each such tensor is copied to a batch-outermost layout
/// (batch labels first, in the output's order, then its other labels in their own order), the
/// product runs on the copies as a batch of GEMMs the packed kernel takes at full speed, and a last
/// copy writes the output (with alpha and beta). Empty unless it pays by the cost figures the
/// reason states: real or complex floating point (not bf16/f16, whose paths would widen), no
/// prologues, no literal 0 or repeated label, batch, M, N and K labels all present, at least
/// kMinRelayoutPointWork real multiply-adds per batch point (a complex one is four),
/// kMinRelayoutIntensity flops per byte the copies move, and operands larger than the L2 (within it
/// the direct nest is fast in any layout). Where the product's temporary exceeds half the L2 and
/// is copied back, the path runs in chunks of the output's outermost label (PathChunks) when that
/// label is one operand's, the other operand's copy fits in a quarter of the L3, and a divisor of
/// the label's extent from 8 up keeps a chunk's temporary within half the L2.
ContractionPath relayoutPath(const ir::IndexProgram& program, const support::CacheSizes& caches);
/// A binary contraction whose output's innermost label (of extent at least 4) is held by one
/// operand, not innermost there, as a path of two steps: that operand copied with the label
/// innermost, then the product, which the direct nest then vectorizes along the output's
/// contiguous label (speech dereverberation's fdtk,fetl->fkdle). Empty unless it pays by the
/// figures the reason states: real or complex floating point, no prologues, no literal 0 or
/// repeated label, no label summed inside one operand, no summed label innermost in both
/// operands (the dot tile's), at most kMaxSumsPerOutput sums per output element (the output's
/// stores dominate), at least kMinOutputPerCopied output elements per copied one, and an output
/// larger than the L2.
ContractionPath innermostRelayoutPath(const ir::IndexProgram& program,
                                      const support::CacheSizes& caches);
/// The path a plan considers: choosePath for three or more operands; for two, relayoutPath,
/// else innermostRelayoutPath (it runs when ContractionPath::runs()).
ContractionPath pathOf(const ir::IndexProgram& program, const support::CacheSizes& caches);
/// One line per step ("t0[j,l] = sum_k x1[j,k] * x2[k,l]   262144 multiply-adds") and the total
/// beside the fused nest's count (for a relayout path, its reason).
std::string toString(const ContractionPath& path);

} // namespace einjit::passes
