// The suite's table. Extents and ids follow BENCH.md; flop counts for S8 and S9 are those of the
// best path, as BENCH.md counts them, while einjit may run them as one fused nest.
#include "BenchCases.h"

#include <map>
#include <stdexcept>
#include <utility>

namespace einjit::bench {

namespace {

using Index = std::int64_t;

/// Multiply-adds of the fused nest (the product of every label's extent) and the output's
/// shape, read off a plain einsum string and the operand shapes.
struct EinsumCounts {
  double fusedMultiplyAdds = 1;
  Shape outputShape;
};

EinsumCounts countEinsum(const std::string& expression, const std::vector<Shape>& shapes) {
  std::size_t arrow = expression.find("->");
  std::string inputs = expression.substr(0, arrow);
  std::string output = expression.substr(arrow + 2);
  std::map<char, Index> extents;
  std::size_t operand = 0;
  std::size_t axis = 0;
  for (char label : inputs) {
    if (label == ',') {
      ++operand;
      axis = 0;
      continue;
    }
    if (operand >= shapes.size() || axis >= shapes[operand].size())
      throw std::logic_error("bench case " + expression + ": shapes do not match the subscripts");
    extents[label] = shapes[operand][axis++];
  }
  EinsumCounts counts;
  for (const auto& [label, extent] : extents)
    counts.fusedMultiplyAdds *= static_cast<double>(extent);
  for (char label : output)
    counts.outputShape.push_back(extents.at(label));
  return counts;
}

/// How the peers compute a case: the recipe, its GEMM mapping or extents, and the words for it.
struct PeerRecipe {
  Recipe recipe = Recipe::Gemm;
  GemmMapping gemm;
  std::vector<Index> extents;
  std::string mapping;
};

PeerRecipe gemmRecipe(GemmMapping gemm, std::string mapping) {
  PeerRecipe result;
  result.gemm = std::move(gemm);
  result.mapping = std::move(mapping);
  return result;
}

PeerRecipe otherRecipe(Recipe recipe, std::vector<Index> extents, std::string mapping) {
  PeerRecipe result;
  result.recipe = recipe;
  result.extents = std::move(extents);
  result.mapping = std::move(mapping);
  return result;
}

/// A case whose flops are those of its fused nest; `bestPathMultiplyAdds` overrides them for the
/// three-operand cases.
BenchCase makeCase(std::string id, std::string expression, std::vector<Shape> shapes, DType dtype,
                   Bound bound, PeerRecipe peerRecipe, double bestPathMultiplyAdds = 0) {
  EinsumCounts counts = countEinsum(expression, shapes);
  BenchCase result;
  double elementBytes = static_cast<double>(dtypeSize(dtype));
  result.bytes = static_cast<double>(elementCount(counts.outputShape)) * elementBytes;
  for (const Shape& shape : shapes)
    result.bytes += static_cast<double>(elementCount(shape)) * elementBytes;
  result.fusedFlops = 2 * counts.fusedMultiplyAdds;
  result.flops = bestPathMultiplyAdds > 0 ? 2 * bestPathMultiplyAdds : result.fusedFlops;
  result.id = std::move(id);
  result.expression = std::move(expression);
  result.shapes = std::move(shapes);
  result.outputShape = std::move(counts.outputShape);
  result.dtype = dtype;
  result.bound = bound;
  result.recipe = peerRecipe.recipe;
  result.gemm = std::move(peerRecipe.gemm);
  result.extents = std::move(peerRecipe.extents);
  result.mapping = std::move(peerRecipe.mapping);
  return result;
}

GemmMapping gemmExtents(Index batch, Index m, Index n, Index k) {
  GemmMapping mapping;
  mapping.batch = batch;
  mapping.m = m;
  mapping.n = n;
  mapping.k = k;
  return mapping;
}

std::string gemmName(DType dtype) {
  switch (dtype) {
  case DType::f64:
    return "dgemm";
  case DType::bf16:
    return "gemm_bf16bf16f32";
  case DType::f16:
    return "gemm_f16f16f32";
  default:
    return "sgemm";
  }
}

/// ik,kj->ij with M = i, N = j, K = k.
BenchCase matmulCase(std::string id, Index m, Index n, Index k, DType dtype) {
  return makeCase(std::move(id), "ik,kj->ij", {{m, k}, {k, n}}, dtype, Bound::Compute,
                  gemmRecipe(gemmExtents(1, m, n, k), "one " + gemmName(dtype)));
}

/// bik,bkj->bij as a loop of `batch` GEMMs.
BenchCase batchedMatmulCase(std::string id, Index batch, Index size) {
  return makeCase(std::move(id), "bik,bkj->bij", {{batch, size, size}, {batch, size, size}},
                  DType::f32, Bound::Compute,
                  gemmRecipe(gemmExtents(batch, size, size, size), "loop of sgemm over b"));
}

/// Issue 17's speed cases: bf16 and f16 GEMMs, a batched attention score in bf16 (and in f32,
/// einjit's own reference rate for it) and Gemma's grouped-query logits in f16.
void addLowPrecisionCases(std::vector<BenchCase>& cases) {
  for (DType dtype : {DType::bf16, DType::f16})
    for (Index n : {256, 1024, 2048})
      cases.push_back(matmulCase("H" + std::to_string(n) + "." + std::string(dtypeName(dtype)), n,
                                 n, n, dtype));
  // Attention scores in the layout of Keras' MultiHeadAttention (its score einsum
  // "aecd,abcd->acbe" is this one with the operands swapped): the Transformer-base head split
  // (8 heads of 64, model width 512) over BERT's longest sequence (512) in a batch of 8. The
  // peers run one GEMM per (b, h), reading Q and K in place with leading dimension h·d.
  const Index batch = 8, queries = 512, keys = 512, heads = 8, depth = 64;
  GemmMapping scores = gemmExtents(batch * heads, queries, keys, depth);
  scores.transposeB = true;
  scores.lda = heads * depth;
  scores.ldb = heads * depth;
  scores.batchAxes = {
      {batch, queries * heads * depth, keys * heads * depth, heads * queries * keys},
      {heads, depth, depth, queries * keys}};
  for (DType dtype : {DType::bf16, DType::f32})
    cases.push_back(makeCase("ATT." + std::string(dtypeName(dtype)), "bqhd,bkhd->bhqk",
                             {{batch, queries, heads, depth}, {batch, keys, heads, depth}}, dtype,
                             Bound::Compute,
                             gemmRecipe(scores, "loop of " + gemmName(dtype) +
                                                    " over b, h (lda = ldb = h·d), B transposed")));
  // Gemma's grouped-query attention logits. google-deepmind/gemma, gemma/gm/nn/_modules.py,
  // Attention.__call__ writes them as jnp.einsum('BTKGH,BSKH->BTKGS') (T query positions, K kv
  // heads, G query heads per kv head, H head dim, S cache positions); issue 17 names the
  // head-major layout bghnd,bhsd->bghns (g query heads per kv head, h kv heads, n query
  // positions, s cache positions, d head dim). Extents of Gemma 2 2B (gemma/transformer.py,
  // TransformerConfig.gemma2_2b: num_heads 8, num_kv_heads 4, head_dim 256): g = 2, h = 4,
  // d = 256; a 1024-token prompt (n) against a 1024-entry cache (s, TransformerConfig's default
  // max_cache_length), one sequence. The peers run one GEMM per (b, g, h); the g entries of a
  // kv head share its K.
  const Index sequences = 1, groups = 2, kvHeads = 4, positions = 1024, cache = 1024, headDim = 256;
  GemmMapping logits = gemmExtents(sequences * groups * kvHeads, positions, cache, headDim);
  logits.transposeB = true;
  logits.batchAxes = {{sequences, groups * kvHeads * positions * headDim, kvHeads * cache * headDim,
                       groups * kvHeads * positions * cache},
                      {groups, kvHeads * positions * headDim, 0, kvHeads * positions * cache},
                      {kvHeads, positions * headDim, cache * headDim, positions * cache}};
  cases.push_back(makeCase(
      "GQA.f16", "bghnd,bhsd->bghns",
      {{sequences, groups, kvHeads, positions, headDim}, {sequences, kvHeads, cache, headDim}},
      DType::f16, Bound::Compute,
      gemmRecipe(logits, "loop of gemm_f16f16f32 over b, g, h (K shared by g), B transposed")));
}

std::vector<BenchCase> buildCases() {
  std::vector<BenchCase> cases;
  cases.push_back(matmulCase("S1", 1024, 1024, 1024, DType::f32));
  cases.push_back(batchedMatmulCase("S2", 256, 64));
  cases.push_back(batchedMatmulCase("B8", 10000, 8));
  cases.push_back(batchedMatmulCase("B16", 10000, 16));
  cases.push_back(batchedMatmulCase("B32", 10000, 32));
  cases.push_back(batchedMatmulCase("B64", 64, 64));
  GemmMapping attentionScores = gemmExtents(64, 128, 128, 64);
  attentionScores.transposeB = true;
  cases.push_back(makeCase("S3", "btf,bsf->bts", {{64, 128, 64}, {64, 128, 64}}, DType::f32,
                           Bound::Compute,
                           gemmRecipe(attentionScores, "loop of sgemm over b, B transposed")));
  cases.push_back(makeCase("S4", "bts,bsf->btf", {{64, 128, 128}, {64, 128, 64}}, DType::f32,
                           Bound::Compute,
                           gemmRecipe(gemmExtents(64, 128, 64, 128), "loop of sgemm over b")));
  // abcd,dbef->acef: (ac) rows, (bd) contracted, (ef) columns.
  GemmMapping transposed = gemmExtents(1, 32 * 32, 32 * 32, 24 * 24);
  transposed.permuteA = {0, 2, 1, 3};
  transposed.permuteB = {1, 0, 2, 3};
  cases.push_back(makeCase("S5", "abcd,dbef->acef", {{32, 24, 32, 24}, {24, 24, 32, 32}},
                           DType::f32, Bound::Compute,
                           gemmRecipe(transposed, "permute A→acbd, B→bdef, one sgemm")));
  // abk,ckd->abcd: (ab) rows, k contracted, (cd) columns once B is kcd.
  GemmMapping theanoDot = gemmExtents(1, 64 * 64, 16 * 64, 256);
  theanoDot.permuteB = {1, 0, 2};
  cases.push_back(makeCase("S6", "abk,ckd->abcd", {{64, 64, 256}, {16, 256, 64}}, DType::f32,
                           Bound::Compute, gemmRecipe(theanoDot, "permute B→kcd, one sgemm")));
  cases.push_back(
      makeCase("S7", "ijkl,klm->ijm", {{64, 64, 32, 32}, {32, 32, 128}}, DType::f32, Bound::Compute,
               gemmRecipe(gemmExtents(1, 64 * 64, 128, 32 * 32), "one sgemm (kl folded)")));
  cases.push_back(makeCase(
      "S8", "bi,ij,bj->b", {{4096, 256}, {256, 256}, {4096, 256}}, DType::f32, Bound::Compute,
      otherRecipe(Recipe::Bilinear, {4096, 256, 256}, "sgemm (bi,ij->bj) + sdot per b"),
      4096.0 * 256 * 256 + 4096.0 * 256));
  cases.push_back(makeCase(
      "S9", "ij,jk,kl->il", {{1024, 16}, {16, 1024}, {1024, 16}}, DType::f32, Bound::Compute,
      otherRecipe(Recipe::Chain, {1024, 16, 1024, 16}, "sgemm (jk,kl->jl) + sgemm (ij,jl->il)"),
      16.0 * 1024 * 16 + 1024.0 * 16 * 16));
  cases.push_back(makeCase(
      "S10", "abij,ijcd->abcd", {{24, 24, 16, 16}, {16, 16, 24, 24}}, DType::f32, Bound::Compute,
      gemmRecipe(gemmExtents(1, 24 * 24, 24 * 24, 16 * 16), "one sgemm (ab, ij, cd folded)")));
  cases.push_back(makeCase("S11", "bi,bi->b", {{1000000, 16}, {1000000, 16}}, DType::f32,
                           Bound::Memory,
                           otherRecipe(Recipe::RowDot, {1000000, 16}, "sdot per b")));
  cases.push_back(
      makeCase("S12", "i,j->ij", {{4096}, {4096}}, DType::f32, Bound::Memory,
               otherRecipe(Recipe::OuterProduct, {4096, 4096}, "sgemm with k = 1, beta = 0")));
  for (DType dtype : {DType::f32, DType::f64}) {
    std::string suffix = dtype == DType::f64 ? ".f64" : "";
    for (Index n : {64, 128, 256, 512, 1024, 2048}) {
      // S1 is G1024 in fp32.
      if (n == 1024 && dtype == DType::f32)
        continue;
      cases.push_back(matmulCase("G" + std::to_string(n) + suffix, n, n, n, dtype));
    }
    cases.push_back(matmulCase("G4096x64x64" + suffix, 4096, 64, 64, dtype));
    cases.push_back(matmulCase("G64x64x4096" + suffix, 64, 64, 4096, dtype));
    // Beyond BENCH.md: extents that no vector or register tile divides.
    cases.push_back(matmulCase("G100" + suffix, 100, 100, 100, dtype));
    cases.push_back(matmulCase("G197x131x263" + suffix, 197, 131, 263, dtype));
  }
  addLowPrecisionCases(cases);
  return cases;
}

} // namespace

const std::vector<BenchCase>& benchCases() {
  static const std::vector<BenchCase> cases = buildCases();
  return cases;
}

std::vector<GemmOffsets> gemmBatchOffsets(const GemmMapping& mapping) {
  std::vector<BatchAxis> axes = mapping.batchAxes;
  if (axes.empty())
    axes.push_back(
        {mapping.batch, mapping.m * mapping.k, mapping.k * mapping.n, mapping.m * mapping.n});
  std::vector<GemmOffsets> offsets{GemmOffsets{}};
  for (const BatchAxis& axis : axes) {
    std::vector<GemmOffsets> next;
    next.reserve(offsets.size() * static_cast<std::size_t>(axis.extent));
    for (const GemmOffsets& outer : offsets)
      for (Index step = 0; step < axis.extent; ++step)
        next.push_back({outer.a + step * axis.strideA, outer.b + step * axis.strideB,
                        outer.c + step * axis.strideC});
    offsets = std::move(next);
  }
  if (static_cast<Index>(offsets.size()) != mapping.batch)
    throw std::logic_error("bench GEMM mapping: the batch axes do not multiply to its batch");
  return offsets;
}

std::int64_t leadingA(const GemmMapping& mapping) {
  return mapping.lda != 0 ? mapping.lda : mapping.k;
}

std::int64_t leadingB(const GemmMapping& mapping) {
  if (mapping.ldb != 0)
    return mapping.ldb;
  return mapping.transposeB ? mapping.k : mapping.n;
}

DType peerOutputDType(DType dtype) {
  return isHalfPrecision(dtype) ? DType::f32 : dtype;
}

} // namespace einjit::bench
