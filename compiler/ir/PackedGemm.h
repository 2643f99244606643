// PackedGemm: the blocked, packed schedule of one binary contraction (the GETT/BLIS scheme).
// Labels fall into batch / M / N / K groups; for each batch point and each block of output
// columns the kernel runs the BLIS loops
//   for jc step NC: for pc step KC: pack B → for ic step MC: pack A → for jr step NR: for ir
//   step MR: micro-kernel
// Packing reads A and B straight from their strides (through per-group offset tables, so any
// permutation or stride is folded into the copy) into MR- and NR-wide zero-padded micro-panels;
// the MR × NR micro-kernel keeps its tile in vector registers and stores it with alpha/beta.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace einjit::ir {

struct LoopNest;

/// What the packed panels hold. f32 and f64 pack their own values (Dtype). bf16 and f16 pack
/// values widened to f32 for the f32 micro-kernel (F32), or, for bf16 on a CPU with
/// AVX512-BF16, pairs of K-adjacent bf16 values for its dot-product instruction vdpbf16ps
/// (Bf16Pairs), which multiplies and sums a pair into one f32 lane.
enum class Panels : std::uint8_t { Dtype, F32, Bf16Pairs };

struct PackedGemm {
  std::size_t a = 0; ///< the input holding the M labels (an index into LoopNest::inputs)
  std::size_t b = 1; ///< the input holding the N labels
  /// Labels of each group, outermost first: batch (in A, B and the output), M (A and output),
  /// N (B and output), K (A and B, summed).
  std::vector<std::size_t> batch, m, n, k;
  int mr = 1;          ///< micro-tile rows: M indices, one broadcast each
  int lanes = 1;       ///< elements per vector
  int vectors = 1;     ///< vectors per micro-tile row
  std::int64_t mc = 1; ///< M indices per packed A block (a multiple of mr)
  std::int64_t kc = 1; ///< K indices per packed panel
  std::int64_t nc = 1; ///< N indices per packed B block (a multiple of nr())
  /// Batch points × NR-column units are split across threads (each unit writes its own
  /// output columns, so results do not depend on the thread count).
  bool parallel = false;
  Panels panels = Panels::Dtype;

  int nr() const { return lanes * vectors; }
  bool operator==(const PackedGemm&) const = default;
};

/// The packed part of the loop-nest text (after the tensors' stride lines): groups, tile and
/// block sizes, buffers, the BLIS loops. With positionalNames, tensors print as in0, in1, out;
/// without extents, extents print as "?".
std::string packedText(const LoopNest& nest, bool positionalNames, bool extents);
/// Throws Error(Internal) when the packed schedule does not fit the nest: each label in exactly
/// one group and held by the tensors its group says, tile and block sizes positive and
/// multiples of each other, two inputs.
void verifyPacked(const LoopNest& nest);
/// Bytes of one value in the packed panels: the dtype's size, or 4 (F32), or 2 (Bf16Pairs).
std::int64_t panelValueBytes(const LoopNest& nest);
/// K indices one packed panel holds per block: KC, rounded up to even for K pairs.
std::int64_t panelDepth(const LoopNest& nest);
/// True when a 16-bit output is summed in an f32 block of MC × NC values across several K
/// blocks and rounded once after the last (a 16-bit C would otherwise round once per K block).
bool summedInF32Block(const LoopNest& nest);
/// The packed text's name of `panels` ("f32", "bf16 pairs"); empty for Dtype.
std::string panelsName(Panels panels);
/// Product of the extents of `labels`.
std::int64_t groupExtent(const LoopNest& nest, const std::vector<std::size_t>& labels);

} // namespace einjit::ir
