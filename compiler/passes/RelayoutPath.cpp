// relayoutPath: a binary contraction whose batch labels sit inside an operand or the output runs
// as copies to a batch-outermost layout around a batch of GEMMs. With a batch label innermost
// (AlphaFold's ikc,jkc->ijc, 256x256x128 f32 on Zen 4), the direct nest re-reads an operand
// from L3 per output row (7.5 GFLOP/s) and the packed kernel gathers every panel across cache
// lines (18 GFLOP/s); the copies (two 32 MiB operands and the output, 8.6 + 8.6 + 4.3 ms) and
// the packed cik,cjk->cij (47 ms, 92 GFLOP/s) take 68 ms in all against 288 ms.
#include "passes/Passes.h"
#include "passes/PathCopy.h"

#include "ir/Explain.h"

#include <algorithm>
#include <optional>
#include <set>

namespace einjit::passes {

namespace {

/// Multiply-adds per batch point from which a relayout pays: the packed kernel's blocks then
/// amortize their packing (the packed strategy itself starts at 2^20 for nests that are not
/// slow anyway; a batch of smaller products still packs well from here, kMinPackedPointWork).
constexpr double kMinRelayoutPointWork = 32768;
/// Flops per byte the copies move (read and write) from which a relayout pays. Measured on Zen 4
/// (GFLOP/s direct -> relayout): ikc,jkc->ijc at 96x32x128 (4 flop/B) 33 -> 44, at 96x16x128
/// (3 flop/B) 38 -> 35, at 96x8x128 (1 flop/B) 38 -> 18.
constexpr double kMinRelayoutIntensity = 4;

std::string labelsText(const std::vector<std::string>& labels) {
  std::string text;
  for (const std::string& label : labels)
    text += label;
  return text;
}

/// True when the batch labels come before every other label of `indices`; labels of extent 1
/// are no matter where they stand.
bool batchOutermost(const std::vector<ir::Index>& indices, const std::set<std::string>& batch,
                    const std::map<std::string, std::int64_t>& extents) {
  bool other = false;
  for (const ir::Index& index : indices) {
    if (extents.at(index.label) == 1)
      continue;
    if (!batch.count(index.label))
      other = true;
    else if (other)
      return false;
  }
  return true;
}

/// The batch labels, in the output's order, then each group's labels of `indices` in turn, in
/// their order there: a row-major GEMM operand (M then K, or K then N) or result (M then N).
std::vector<ir::Index> grouped(const std::vector<ir::Index>& indices,
                               const std::vector<std::string>& batchOrder,
                               const std::vector<const std::set<std::string>*>& groups) {
  std::vector<ir::Index> ordered;
  for (const std::string& label : batchOrder)
    ordered.push_back(ir::Index::of(label));
  for (const std::set<std::string>* group : groups)
    for (const ir::Index& index : indices)
      if (group->count(index.label))
        ordered.push_back(index);
  return ordered;
}

/// True when the innermost label of `indices` (of extent above 1) is a batch label: the packed
/// kernel then gathers every panel across cache lines. A batch label between others (attention's
/// bqhd) it walks through offset tables at full speed.
bool batchInnermost(const std::vector<ir::Index>& indices, const std::set<std::string>& batch,
                    const std::map<std::string, std::int64_t>& extents) {
  for (auto index = indices.rbegin(); index != indices.rend(); ++index)
    if (extents.at(index->label) > 1)
      return batch.count(index->label) > 0;
  return false;
}

/// Indices of a chunk's label from which a chunked path pays: the product's register tile
/// takes up to eight rows, and fewer leave its kernel calls short.
constexpr std::int64_t kMinChunk = 8;

/// The chunks a relayout path that copies the output back runs in, or none. The product's
/// temporary goes out to the L3 once it exceeds half the L2, and the copy back reads it from
/// there: Transformer-XL's ibnd,jbnd->ijbn (150 x 300 x 40 x 41 f32) wrote 7 MB, and the copy
/// back took a third of the run (Zen 4). In chunks of the output's outermost label, each
/// chunk's temporary stays in the L2 from the product to the copy back, as long as the
/// product's other operand, which every chunk reads whole, stays in the L3.
std::optional<PathChunks> chooseChunks(const ir::IndexProgram& program,
                                       const std::set<std::string>& m,
                                       const std::set<std::string>& n,
                                       const std::map<std::string, std::int64_t>& extents,
                                       const support::CacheSizes& caches) {
  std::optional<std::string> label;
  for (const ir::Index& index : program.output)
    if (extents.at(index.label) > 1) {
      label = index.label;
      break;
    }
  if (!label || (!m.count(*label) && !n.count(*label)))
    return std::nullopt;
  double size = static_cast<double>(dtypeSize(program.dtype));
  double temporary = size * elementsOf(program.output, extents);
  double half = static_cast<double>(caches.l2) / 2;
  const ir::Operand& whole = program.operands[m.count(*label) ? 1 : 0];
  if (temporary <= half || size * elementsOf(whole.indices, extents) > double(caches.l3) / 4)
    return std::nullopt;
  std::int64_t extent = extents.at(*label);
  double perIndex = temporary / static_cast<double>(extent);
  auto fits = static_cast<std::int64_t>(half / perIndex);
  for (std::int64_t chunk = std::min(fits, extent - 1); chunk >= std::min(kMinChunk, extent);
       --chunk)
    if (extent % chunk == 0)
      return PathChunks{*label, chunk, extent / chunk, 0};
  return std::nullopt;
}

} // namespace

ContractionPath relayoutPath(const ir::IndexProgram& program, const support::CacheSizes& caches) {
  ContractionPath none;
  DType dtype = program.dtype;
  if (program.operands.size() != 2 || !program.prologues.empty() || isHalfPrecision(dtype) ||
      isInteger(dtype) || program.outputDtype)
    return none;
  std::set<std::string> names{program.outputName};
  for (const ir::Operand& operand : program.operands)
    names.insert(operand.name);
  const ir::Operand& x = program.operands[0];
  const ir::Operand& y = program.operands[1];
  if (!plainIndices(x.indices) || !plainIndices(y.indices) || !plainIndices(program.output))
    return none;

  // The groups, and the batch labels in the output's order.
  std::set<std::string> batch, m, n, k;
  std::vector<std::string> batchOrder;
  for (const std::string& label : program.labels()) {
    bool inX = holdsLabel(x.indices, label), inY = holdsLabel(y.indices, label);
    bool inOut = holdsLabel(program.output, label);
    if (inX && inY && inOut)
      batch.insert(label);
    else if (inX && inY)
      k.insert(label);
    else if (inOut && inX)
      m.insert(label);
    else if (inOut && inY)
      n.insert(label);
    else
      return none; // summed inside one operand: not a product of GEMMs
  }
  if (batch.empty() || m.empty() || n.empty() || k.empty())
    return none;
  for (const ir::Index& index : program.output)
    if (batch.count(index.label))
      batchOrder.push_back(index.label);

  std::map<std::string, std::int64_t> extents = program.labelExtents();
  bool moveX = !batchOutermost(x.indices, batch, extents);
  bool moveY = !batchOutermost(y.indices, batch, extents);
  bool moveOut = !batchOutermost(program.output, batch, extents);
  if ((!moveX && !moveY && !moveOut) ||
      (!batchInnermost(x.indices, batch, extents) && !batchInnermost(y.indices, batch, extents) &&
       !batchInnermost(program.output, batch, extents)))
    return none;

  double madds = 1;
  for (const auto& [label, extent] : extents)
    madds *= static_cast<double>(extent);
  double points = 1;
  for (const std::string& label : batch)
    points *= static_cast<double>(extents.at(label));
  double size = static_cast<double>(dtypeSize(dtype));
  // A copy reads and writes each element once.
  double copied =
      2 * size *
      ((moveX ? elementsOf(x.indices, extents) : 0) + (moveY ? elementsOf(y.indices, extents) : 0) +
       (moveOut ? elementsOf(program.output, extents) : 0));
  // Real multiply-adds: a complex one is four (the complex kernel's four real FMAs).
  double real = isComplex(dtype) ? 4 : 1;
  double perPoint = real * madds / points;
  double intensity = 2 * real * madds / copied;
  // Operands within the L2 keep the direct nest fast whatever the layout (64x64x16 and
  // 32x32x64 of ikc,jkc->ijc run at 44-45 GFLOP/s direct, 28 and 11 relayout).
  double operandBytes = size * (elementsOf(x.indices, extents) + elementsOf(y.indices, extents));
  if (perPoint < kMinRelayoutPointWork || intensity < kMinRelayoutIntensity ||
      operandBytes <= static_cast<double>(caches.l2))
    return none;

  ContractionPath path;
  path.fusedMultiplyAdds = ir::multiplyAdds(program);
  path.multiplyAdds = path.fusedMultiplyAdds;
  // A chunked path's steps that hold the chunk's label are programs of one chunk.
  path.chunks = moveOut ? chooseChunks(program, m, n, extents, caches) : std::nullopt;
  std::map<std::string, std::int64_t> stepExtents = extents;
  if (path.chunks)
    stepExtents[path.chunks->label] = path.chunks->chunk;
  int fresh = 0;
  auto freshName = [&] { return freshTemporaryName(names, fresh); };
  std::size_t operandCount = program.operands.size();
  auto copyStep = [&](const ir::Operand& operand, std::size_t source, std::vector<ir::Index> target,
                      const std::string& outputName) {
    return appendCopyStep(path, operandCount, dtype, operand, source, std::move(target), outputName,
                          stepExtents);
  };
  // The copies are laid out as the packed kernel reads a row-major GEMM fastest: A as M × K, B
  // as K × N (K in x's order in both), the product as M × N.
  std::vector<ir::Index> kOrder = grouped(x.indices, {}, {&k});
  auto moved = [&](const ir::Operand& operand, std::size_t t, bool move, bool isX) {
    if (!move) {
      ir::Operand read = operand;
      read.shape.clear();
      for (const ir::Index& index : operand.indices)
        read.shape.push_back(stepExtents.at(index.label));
      return std::pair{read, t};
    }
    std::vector<ir::Index> ordered = isX ? grouped(operand.indices, batchOrder, {&m, &k})
                                         : grouped(operand.indices, batchOrder, {&n});
    if (!isX)
      ordered.insert(ordered.begin() + static_cast<std::ptrdiff_t>(batchOrder.size()),
                     kOrder.begin(), kOrder.end());
    std::string name = freshName();
    std::size_t value = copyStep(operand, t, ordered, name);
    ir::Operand copy;
    copy.name = name;
    copy.indices = ordered;
    for (const ir::Index& index : ordered)
      copy.shape.push_back(stepExtents.at(index.label));
    return std::pair{copy, value};
  };
  // The copy that runs once, of the operand without the chunk's label, comes first.
  std::pair<ir::Operand, std::size_t> first, second;
  bool yFirst = path.chunks && holdsLabel(x.indices, path.chunks->label);
  first = yFirst ? moved(y, 1, moveY, false) : moved(x, 0, moveX, true);
  second = yFirst ? moved(x, 0, moveX, true) : moved(y, 1, moveY, false);
  auto [a, aValue] = yFirst ? second : first;
  auto [b, bValue] = yFirst ? first : second;
  PathStep product;
  product.program.dtype = dtype;
  product.program.operands = {a, b};
  product.reads = {aValue, bValue};
  if (moveOut) {
    std::vector<ir::Index> rows = grouped(x.indices, batchOrder, {&m});
    std::vector<ir::Index> columns = grouped(y.indices, {}, {&n});
    rows.insert(rows.end(), columns.begin(), columns.end());
    product.program.output = rows;
    product.program.outputName = freshName();
  } else {
    product.program.output = program.output;
    product.program.outputName = program.outputName;
  }
  ir::verify(product.program);
  product.multiplyAdds = ir::multiplyAdds(product.program); // of one chunk, where chunked
  ir::Operand result;
  result.name = product.program.outputName;
  result.indices = product.program.output;
  for (const ir::Index& index : result.indices)
    result.shape.push_back(stepExtents.at(index.label));
  path.steps.push_back(std::move(product));
  if (moveOut)
    copyStep(result, operandCount + path.steps.size() - 1, program.output, program.outputName);

  std::vector<std::string> moves;
  if (moveX)
    moves.push_back(x.name);
  if (moveY)
    moves.push_back(y.name);
  if (moveOut)
    moves.push_back(program.outputName);
  std::string list;
  for (std::size_t i = 0; i < moves.size(); ++i)
    list += (i == 0 ? "" : i + 1 == moves.size() ? " and " : ", ") + moves[i];
  path.relayout = "batch labels " + labelsText(batchOrder) + " are not outermost in " + list +
                  ": copied batch-first; " + std::to_string(static_cast<std::int64_t>(perPoint)) +
                  " real multiply-adds per batch point, " +
                  std::to_string(static_cast<int>(intensity)) + " flop per copied byte, operands " +
                  std::to_string(static_cast<std::int64_t>(operandBytes) >> 10) + " KiB > L2 " +
                  std::to_string(caches.l2 >> 10) + " KiB";
  if (path.chunks) {
    PathChunks& chunks = *path.chunks;
    while (!holdsLabel(path.steps[chunks.firstChunkedStep].program.output, chunks.label))
      ++chunks.firstChunkedStep;
    path.relayout +=
        "; in " + std::to_string(chunks.count) + " chunks of " + std::to_string(chunks.chunk) +
        " " + chunks.label + ", the product's " +
        std::to_string(static_cast<std::int64_t>(size * elementsOf(program.output, extents)) >>
                       10) +
        " KiB temporary > L2/2";
  }
  return path;
}

ContractionPath pathOf(const ir::IndexProgram& program, const support::CacheSizes& caches) {
  if (program.operands.size() >= 3)
    return choosePath(program);
  ContractionPath batchFirst = relayoutPath(program, caches);
  return batchFirst.steps.empty() ? innermostRelayoutPath(program, caches) : batchFirst;
}

} // namespace einjit::passes
