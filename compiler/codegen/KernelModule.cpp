// LoopNest → one LLVM function with the KernelEntry ABI (runtime/KernelAbi.h).
//
// The kernel's contract, for every LoopNest:
//   * The output loops walk the output; at each point a tile of accumulators is zeroed, the
//     reduction loops accumulate Π inputs into it, and the tile is stored as
//     alpha * acc + beta * out (out not read when beta == 0).
//   * The tile is rows × cols × vectors × lanes: `rows` consecutive indices of the unrolled
//     label, `cols` of the second unrolled label (a dot tile; 1 without one), and `vectors`
//     vectors of `lanes` consecutive indices of the vector label. The vector label is an output
//     label (each lane its own output element) or a summed label (lanes summed into one output
//     element at the end, one horizontal sum per element after the reduction loops).
//   * Vector and unrolled loops run their full step while it fits, then narrower copies of the
//     same body. A vector loop goes on one vector at a time, then one element at a time; a
//     vector label of unit stride everywhere (256-bit vectors or wider) ends instead in
//     one masked vector whose loads and stores touch only the lanes below the extent: for an
//     output label, with a constant extent, the narrowest that holds the rest; for a summed
//     label, a full-width one whose lanes past the extent leave the accumulators unchanged.
//     An unrolled loop ends in one
//     tile of the rows left (constant extent) or goes one row at a time. Every extent,
//     including 0, 1 and primes, is covered with no over-read. A copy that cannot run for the
//     constant extents is not emitted.
//   * A tensor whose stride along the vector label is known 1 is read with one vector load; a
//     known 0 (or absent label) is one scalar load broadcast; any other stride is gathered lane
//     by lane (stored lane by lane for the output). A transpose tile (ir::LoopNest::transposedLoop)
//     reads its gathered input along the rows instead and transposes it in registers
//     (TransposeTile.h), its vector remainder in halving widths.
//   * Floating-point accumulation uses llvm.fma in the dtype itself; integers wrap. bf16 and f16
//     are the exception: loads widen them to f32, the tile accumulates in f32 (alpha and beta
//     are f32), and the store rounds once to nearest even (ElementOps).
//   * A complex vector holds its elements' (re, im) pairs interleaved, as memory does (lanes
//     elements in 2 x lanes components, ComplexLanes.cpp); its accumulators sum re(a)·b and
//     im(a)·b apart with real FMAs, the factors without the vector label multiplied first so
//     that a is a broadcast. A gathered or scattered complex vector moves pair by pair.
//   * A fully unrolled loop (constant bounds) is straight-line code: one copy of the body per
//     step, its index a constant.
//   * Non-temporal stores (LoopNest::nontemporalStores): the loop nest is emitted twice. When
//     beta is zero, the output pointer is aligned to the vector's bytes (at most 16) and every
//     output stride other than the vector label's keeps that alignment, every full-vector store
//     of the output is aligned and carries !nontemporal (it bypasses the caches; x86 honours the
//     hint only for aligned stores); the path ends with `fence seq_cst`, which orders those weakly
//     ordered stores before the kernel returns. Otherwise the ordinary path runs.
//   * A parallel outermost loop moves the loop nest into `<symbol>.chunk(ctx, lo, hi)`, which
//     runs that loop over [lo, hi) only; the kernel stores its five arguments in ctx and calls
//     einjit_rt_parallel_for (runtime/ThreadPool.h) with chunks of whole steps. Each chunk owns
//     distinct output elements and every element is computed as on one thread, so the results
//     are bitwise identical for any thread count.
//   * The kernel returns kStatusOk: it allocates nothing, so it cannot fail (the status is for
//     one ABI with the packed kernel, which can). A parallel kernel returns what
//     einjit_rt_parallel_for returns.
#include "codegen/ElementOps.h"
#include "codegen/LLVMCodegen.h"
#include "codegen/TransposeTile.h"

#include <llvm/IR/Verifier.h>
#include <llvm/Support/raw_ostream.h>

#include <algorithm>
#include <array>
#include <bit>
#include <functional>
#include <map>
#include <tuple>

namespace einjit::codegen {

namespace {

/// The shape of one copy of the tile body (see the contract above).
struct Tile {
  int rows = 1;
  int cols = 1; ///< indices of the second unrolled label (a dot tile's columns)
  int vectors = 1;
  int lanes = 1;
  bool masked = false; ///< one vector whose lanes past the extent are off (laneMask_)
};

class KernelBuilder {
public:
  KernelBuilder(const ir::LoopNest& nest, llvm::Module& module, const llvm::TargetMachine& machine)
      : nest_(nest), module_(module), machine_(machine), builder_(module.getContext()),
        ops_(builder_, nest.dtype, machine), outOps_(builder_, nest.resultDtype(), machine),
        vector_(nest.vectorLoop()) {
    std::vector<const ir::Loop*> unrolled = nest.unrolledLoops();
    unrolled_ = unrolled.empty() ? nullptr : unrolled.front();
    columns_ = unrolled.size() > 1 ? unrolled[1] : nullptr;
    for (const ir::Loop& loop : nest.outputLoops)
      if (&loop == vector_)
        vectorInOutput_ = true;
    maskedRemainder_ = maskableRemainder();
    factorOrder_.resize(nest.inputs.size());
    for (std::size_t t = 0; t < factorOrder_.size(); ++t)
      factorOrder_[t] = t;
    // A complex vector sum adds re(a)·b and im(a)·b (ComplexLanes.cpp): the factors without the
    // vector label first, so that a is a broadcast whose parts need no shuffle.
    if (vector_ && ops_.isComplex())
      std::stable_partition(factorOrder_.begin(), factorOrder_.end(),
                            [&](std::size_t t) { return !holds(nest.inputs[t], vector_->label); });
  }

  void build(const std::string& symbol) {
    if (!nest_.outputLoops.empty() && nest_.outputLoops.front().parallel) {
      llvm::Function* chunk = buildChunkFunction(symbol + ".chunk");
      buildParallelEntry(symbol, chunk);
      return;
    }
    createFunction(symbol);
    loadArguments(kernelArguments());
    emitBody();
    builder_.CreateRet(statusConstant(builder_, runtime::kStatusOk));
  }

private:
  static constexpr unsigned kKernelArguments =
      static_cast<unsigned>(runtime::abi::kKernelEntry.parameterCount);
  using KernelArguments = std::array<llvm::Value*, kKernelArguments>;

  void createFunction(const std::string& symbol) {
    function_ = createKernelEntry(module_, symbol);
    addTargetAttributes(*function_);
    builder_.SetInsertPoint(llvm::BasicBlock::Create(module_.getContext(), "entry", function_));
  }

  void addTargetAttributes(llvm::Function& function) const {
    function.addFnAttr(llvm::Attribute::NoUnwind);
    function.addFnAttr("target-cpu", machine_.getTargetCPU());
    function.addFnAttr("target-features", machine_.getTargetFeatureString());
  }

  KernelArguments kernelArguments() const {
    KernelArguments arguments{};
    for (unsigned a = 0; a < kKernelArguments; ++a)
      arguments[a] = function_->getArg(a);
    return arguments;
  }

  /// i32 chunk(ctx, lo, hi) (runtime::LoopBody): the loop nest with the parallel loop over
  /// [lo, hi); ctx holds the kernel's five arguments.
  llvm::Function* buildChunkFunction(const std::string& name) {
    function_ = createLoopBody(module_, name);
    addTargetAttributes(*function_);
    builder_.SetInsertPoint(llvm::BasicBlock::Create(module_.getContext(), "entry", function_));
    KernelArguments arguments{};
    for (unsigned a = 0; a < kKernelArguments; ++a)
      arguments[a] = builder_.CreateLoad(
          builder_.getPtrTy(),
          builder_.CreateConstGEP1_64(builder_.getPtrTy(), function_->getArg(0), a));
    loadArguments(arguments);
    parallelRange_ = {function_->getArg(1), function_->getArg(2)};
    emitBody();
    builder_.CreateRet(statusConstant(builder_, runtime::kStatusOk));
    return function_;
  }

  /// The kernel itself: einjit_rt_parallel_for(0, extent, step, work per index, chunk, ctx).
  void buildParallelEntry(const std::string& symbol, llvm::Function* chunk) {
    createFunction(symbol);
    llvm::Type* pointer = builder_.getPtrTy();
    llvm::Type* i64 = builder_.getInt64Ty();
    llvm::Value* context =
        builder_.CreateAlloca(llvm::ArrayType::get(pointer, kKernelArguments), nullptr, "ctx");
    KernelArguments arguments = kernelArguments();
    for (unsigned a = 0; a < kKernelArguments; ++a)
      builder_.CreateStore(arguments[a], builder_.CreateConstGEP1_64(pointer, context, a));
    const ir::Loop& parallel = nest_.outputLoops.front();
    auto extentOf = [&](std::size_t label) -> llvm::Value* {
      if (nest_.constantExtents)
        return builder_.getInt64(nest_.labels[label].extent);
      return builder_.CreateLoad(i64, builder_.CreateConstGEP1_64(i64, arguments[2], label));
    };
    llvm::Value* workPerIndex = builder_.getInt64(1);
    for (std::size_t label = 0; label < nest_.labels.size(); ++label)
      if (label != parallel.label)
        workPerIndex = builder_.CreateMul(workPerIndex, extentOf(label));
    llvm::FunctionCallee parallelFor =
        declareRuntimeFunction(module_, runtime::abi::Function::ParallelFor);
    builder_.CreateRet(builder_.CreateCall(
        parallelFor, {builder_.getInt64(0), extentOf(parallel.label),
                      builder_.getInt64(parallel.step()), workPerIndex, chunk, context}));
  }

  const ir::TensorAccess& tensor(std::size_t t) const {
    return t < nest_.inputs.size() ? nest_.inputs[t] : nest_.output;
  }

  static bool holds(const ir::TensorAccess& tensor, std::size_t label) {
    return !tensor.strides[label].sourceDims.empty();
  }

  void loadArguments(const KernelArguments& arguments) {
    llvm::Value* data = arguments[0];
    llvm::Value* strides = arguments[1];
    llvm::Value* extents = arguments[2];
    llvm::Type* i64 = builder_.getInt64Ty();
    std::size_t labels = nest_.labels.size();
    for (std::size_t t = 0; t <= nest_.inputs.size(); ++t) {
      bases_.push_back(builder_.CreateLoad(
          builder_.getPtrTy(), builder_.CreateConstGEP1_64(builder_.getPtrTy(), data, t)));
      std::vector<llvm::Value*> row;
      for (std::size_t l = 0; l < labels; ++l) {
        const ir::LabelStride& stride = tensor(t).strides[l];
        row.push_back(stride.known ? static_cast<llvm::Value*>(builder_.getInt64(*stride.known))
                                   : builder_.CreateLoad(i64, builder_.CreateConstGEP1_64(
                                                                  i64, strides, t * labels + l)));
      }
      strides_.push_back(std::move(row));
    }
    for (std::size_t l = 0; l < labels; ++l)
      extents_.push_back(
          nest_.constantExtents
              ? static_cast<llvm::Value*>(builder_.getInt64(nest_.labels[l].extent))
              : builder_.CreateLoad(i64, builder_.CreateConstGEP1_64(i64, extents, l)));
    alpha_ = ops_.loadScalar(arguments[3]);
    beta_ = ops_.loadScalar(arguments[4]);
    betaIsZero_ = ops_.isZero(beta_);
    plainStores_ = builder_.CreateAnd(betaIsZero_, ops_.isOne(alpha_));
    index_.assign(labels, nullptr);
  }

  /// The loop nest, once or (non-temporal stores) on two paths; see the contract above.
  void emitBody() {
    if (!nest_.nontemporalStores) {
      emitOutputLoops(0, Tile{});
      return;
    }
    llvm::LLVMContext& context = module_.getContext();
    auto* streaming = llvm::BasicBlock::Create(context, "nontemporal", function_);
    auto* cached = llvm::BasicBlock::Create(context, "cached", function_);
    auto* done = llvm::BasicBlock::Create(context, "done", function_);
    builder_.CreateCondBr(builder_.CreateAnd(betaIsZero_, outputAligned()), streaming, cached);
    builder_.SetInsertPoint(streaming);
    nontemporal_ = true;
    emitOutputLoops(0, Tile{});
    builder_.CreateFence(llvm::AtomicOrdering::SequentiallyConsistent);
    builder_.CreateBr(done);
    builder_.SetInsertPoint(cached);
    nontemporal_ = false;
    emitOutputLoops(0, Tile{});
    builder_.CreateBr(done);
    builder_.SetInsertPoint(done);
  }

  /// True when every full-vector output store lands on a vector-aligned address: the base is
  /// aligned and each other label's stride keeps it so (the vector label's index is a multiple
  /// of the lanes at every full vector, and its stride is 1).
  llvm::Value* outputAligned() {
    std::size_t out = nest_.inputs.size();
    llvm::Type* i64 = builder_.getInt64Ty();
    std::uint64_t bytes = nontemporalAlignment();
    auto elements = static_cast<std::int64_t>(bytes / dtypeSize(nest_.resultDtype()));
    llvm::Value* aligned = builder_.CreateICmpEQ(
        builder_.CreateAnd(builder_.CreatePtrToInt(bases_[out], i64), bytes - 1),
        builder_.getInt64(0));
    for (std::size_t label = 0; label < nest_.labels.size(); ++label)
      if (label != vector_->label && holds(nest_.output, label))
        aligned = builder_.CreateAnd(
            aligned, builder_.CreateICmpEQ(
                         builder_.CreateSRem(strides_[out][label], builder_.getInt64(elements)),
                         builder_.getInt64(0)));
    return aligned;
  }

  /// The alignment the non-temporal path needs: the vector's bytes up to 16, the alignment of
  /// x86's narrowest vector non-temporal store, which LLVM uses for a wider vector aligned to only
  /// 16 bytes. Allocators give 16 bytes, so ordinary tensors take the non-temporal path.
  std::uint64_t nontemporalAlignment() const {
    return std::min<std::uint64_t>(16, static_cast<std::uint64_t>(vector_->lanes) *
                                           dtypeSize(nest_.resultDtype()));
  }

  /// for (iv = begin; iv < end; iv += step) body(iv), with no loop at all when the bounds are
  /// constants that give zero or one iteration, or when `unrollFully` and the bounds are
  /// constants (one copy of the body per step).
  void emitLoop(llvm::Value* begin, llvm::Value* end, std::int64_t step,
                const std::function<void(llvm::Value*)>& body, bool unrollFully = false) {
    auto* constantBegin = llvm::dyn_cast<llvm::ConstantInt>(begin);
    auto* constantEnd = llvm::dyn_cast<llvm::ConstantInt>(end);
    if (constantBegin && constantEnd) {
      std::int64_t first = constantBegin->getSExtValue();
      std::int64_t last = constantEnd->getSExtValue();
      if (last - first <= 0)
        return;
      if (last - first <= step) {
        body(begin);
        return;
      }
      if (unrollFully) {
        for (std::int64_t index = first; index < last; index += step)
          body(builder_.getInt64(index));
        return;
      }
    }
    emitCountedLoop(builder_, begin, end, step, body);
  }

  /// Runs `label` from 0 to its extent (the parallel label: from lo to hi, both multiples of
  /// every step but hi == extent) in consecutive pieces, the i-th with step steps[i] for as
  /// long as whole steps fit (the last piece reaches the end). `maskedLast`: the last piece is
  /// one masked step over whatever the others leave.
  void emitPieces(std::size_t label, const std::vector<std::int64_t>& steps,
                  const std::function<void(std::size_t piece)>& body, bool unrollFully,
                  bool maskedLast = false) {
    bool parallel = parallelRange_.first && label == nest_.outputLoops.front().label;
    llvm::Value* extent = parallel ? parallelRange_.second : extents_[label];
    llvm::Value* begin = parallel ? parallelRange_.first : builder_.getInt64(0);
    // A chunk's bounds are run-time values, but whole steps of the first piece: the narrower
    // pieces only run in the last chunk, over what the constant extent leaves, and a piece that
    // would run no step there is not emitted at all.
    std::vector<std::size_t> pieces;
    std::int64_t left = parallel && nest_.constantExtents ? nest_.labels[label].extent : -1;
    for (std::size_t piece = 0; piece < steps.size(); ++piece) {
      bool masked = maskedLast && piece + 1 == steps.size();
      if (piece == 0 || left < 0 || left >= (masked ? 1 : steps[piece]))
        pieces.push_back(piece);
      if (left >= 0 && !masked)
        left %= steps[piece];
    }
    for (std::size_t piece : pieces) {
      std::int64_t step = steps[piece];
      // As many whole steps as fit from where the previous piece stopped.
      llvm::Value* end =
          piece == pieces.back() || step == 1
              ? extent
              : builder_.CreateSub(extent, builder_.CreateURem(builder_.CreateSub(extent, begin),
                                                               builder_.getInt64(step)));
      emitLoop(
          begin, end, step,
          [&](llvm::Value* iv) {
            index_[label] = iv;
            body(piece);
          },
          unrollFully);
      begin = end;
    }
  }

  /// Whether the vector loop's last piece is one masked vector rather than single elements: an
  /// output vector label (lanes past the extent are computed but never stored) of unit stride in
  /// every tensor that holds it, and at least 256 bits wide (AVX's masked moves; narrower
  /// targets would split them into scalar branches). 104 columns of f32 on AVX-512 leave 8:
  /// element by element they took half the kernel's time (G 104^3: 71 GFLOP/s against 117 for
  /// 112^3).
  /// A summed vector label (a dot tile's K) ends the same way, in one full-width masked vector
  /// added into the same accumulators: 600 = 37 x 16 + 8 left a 5x5 tile 200 scalar multiply-adds
  /// beside its 925 vector ones.
  bool maskableRemainder() const {
    if (!vector_ || vector_->lanes * static_cast<int>(dtypeSize(nest_.dtype)) * 8 < 256)
      return false;
    auto unitOrAbsent = [&](const ir::TensorAccess& access) {
      return !holds(access, vector_->label) ||
             access.strides[vector_->label].known == std::optional<std::int64_t>(1);
    };
    return std::all_of(nest_.inputs.begin(), nest_.inputs.end(), unitOrAbsent) &&
           unitOrAbsent(nest_.output);
  }

  /// The steps of an unrolled loop: its factor, then, with a constant extent, one tile of
  /// whatever rows the factor leaves (100 rows in tiles of 8: one of 4), else one row at a time.
  /// A tile of one row keeps only `vectors` sums in flight, too few to cover the FMA latency.
  std::vector<std::int64_t> rowSteps(const ir::Loop& loop) const {
    std::int64_t left = nest_.constantExtents ? nest_.labels[loop.label].extent % loop.factor : 1;
    if (left == 0)
      return {loop.factor};
    return {loop.factor, left};
  }

  /// The steps of a vector loop and the tile of each piece.
  std::vector<std::pair<std::int64_t, Tile>> vectorPieces(const ir::Loop& loop, Tile tile) const {
    std::vector<std::pair<std::int64_t, Tile>> pieces;
    pieces.push_back(
        {loop.lanes * loop.factor, Tile{tile.rows, tile.cols, loop.factor, loop.lanes}});
    if (loop.factor > 1)
      pieces.push_back({loop.lanes, Tile{tile.rows, tile.cols, 1, loop.lanes}});
    if (!maskedRemainder_) {
      // A transpose tile's remainder in narrower transposes, halving down to two lanes.
      for (int lanes = loop.lanes / 2; nest_.transposedLoop() && lanes >= 2; lanes /= 2)
        pieces.push_back({lanes, Tile{tile.rows, tile.cols, 1, lanes}});
      pieces.push_back({1, Tile{tile.rows, tile.cols, 1, 1}});
      return pieces;
    }
    // With a constant extent, the narrowest vector that holds what is left: on Zen 4 a 256- or
    // 128-bit FMA takes half the issue slots of a 512-bit one (G 100^3, 4 columns left: ~103 ->
    // ~108 GFLOP/s).
    int lanes = loop.lanes;
    if (nest_.constantExtents) {
      auto left = static_cast<std::uint64_t>(nest_.labels[loop.label].extent % loop.lanes);
      lanes = static_cast<int>(std::max<std::uint64_t>(std::bit_ceil(left), 1));
    }
    // A summed vector label keeps its full-width accumulators; the mask leaves the lanes past
    // the extent unchanged (emitUpdate).
    if (!vectorInOutput_)
      lanes = loop.lanes;
    pieces.push_back({lanes, Tile{tile.rows, tile.cols, 1, lanes, lanes > 1}});
    return pieces;
  }

  /// Lanes iv + 0 .. iv + lanes - 1 of `label` that are below its extent.
  llvm::Value* laneMask(std::size_t label, int lanes) {
    llvm::Type* i64 = builder_.getInt64Ty();
    std::vector<llvm::Constant*> offsets;
    for (int lane = 0; lane < lanes; ++lane)
      offsets.push_back(llvm::ConstantInt::get(i64, static_cast<std::uint64_t>(lane)));
    llvm::Value* indices =
        builder_.CreateAdd(builder_.CreateVectorSplat(static_cast<unsigned>(lanes), index_[label]),
                           llvm::ConstantVector::get(offsets));
    return builder_.CreateICmpSLT(
        indices, builder_.CreateVectorSplat(static_cast<unsigned>(lanes), extents_[label]));
  }

  void emitOutputLoops(std::size_t level, Tile tile) {
    if (level == nest_.outputLoops.size()) {
      emitTile(tile);
      return;
    }
    const ir::Loop& loop = nest_.outputLoops[level];
    emitLoopOf(loop, tile, [&](Tile inner) { emitOutputLoops(level + 1, inner); });
  }

  void emitReductionLoops(std::size_t level, Tile tile) {
    if (level == nest_.reductionLoops.size()) {
      emitUpdate(tile);
      return;
    }
    const ir::Loop& loop = nest_.reductionLoops[level];
    emitLoopOf(loop, tile, [&](Tile inner) { emitReductionLoops(level + 1, inner); });
  }

  void emitLoopOf(const ir::Loop& loop, Tile tile, const std::function<void(Tile)>& body) {
    switch (loop.kind) {
    case ir::LoopKind::Serial:
      emitPieces(
          loop.label, {1}, [&](std::size_t) { body(tile); }, loop.fullUnroll);
      break;
    case ir::LoopKind::Unrolled: {
      std::vector<std::int64_t> steps = rowSteps(loop);
      emitPieces(
          loop.label, steps,
          [&](std::size_t piece) {
            Tile rows = tile;
            (&loop == columns_ ? rows.cols : rows.rows) = static_cast<int>(steps[piece]);
            body(rows);
          },
          loop.fullUnroll);
      break;
    }
    case ir::LoopKind::Vector: {
      std::vector<std::pair<std::int64_t, Tile>> pieces = vectorPieces(loop, tile);
      std::vector<std::int64_t> steps;
      for (const auto& piece : pieces)
        steps.push_back(piece.first);
      emitPieces(
          loop.label, steps,
          [&](std::size_t piece) {
            const Tile& inner = pieces[piece].second;
            if (inner.masked)
              laneMask_ = laneMask(loop.label, inner.lanes);
            body(inner);
          },
          loop.fullUnroll, pieces.back().second.masked);
      break;
    }
    }
  }

  bool reductionVector() const { return vector_ && !vectorInOutput_; }

  /// A position in the tile: row of the unrolled label, column of the second unrolled label,
  /// vector of the vector label.
  struct At {
    int row = 0;
    int col = 0;
    int vector = 0;
  };

  Slot slot(int lanes, At at) {
    int vectors = vector_ ? vector_->factor : 1;
    int cols = columns_ ? columns_->factor : 1;
    std::vector<Slot>& slots = slots_[lanes];
    if (slots.empty()) {
      int rows = unrolled_ ? unrolled_->factor : 1;
      for (int s = 0; s < rows * cols * vectors; ++s)
        slots.push_back(ops_.allocateSlot(lanes));
    }
    return slots[static_cast<std::size_t>((at.row * cols + at.col) * vectors + at.vector)];
  }

  void emitTile(Tile tile) {
    for (int row = 0; row < tile.rows; ++row)
      for (int col = 0; col < tile.cols; ++col) {
        if (reductionVector()) {
          for (int vector = 0; vector < vector_->factor; ++vector)
            ops_.write(slot(vector_->lanes, {row, col, vector}), ops_.zero(vector_->lanes));
          ops_.write(slot(1, {row, col, 0}), ops_.zero(1));
        } else {
          for (int vector = 0; vector < tile.vectors; ++vector)
            ops_.write(slot(tile.lanes, {row, col, vector}), ops_.zero(tile.lanes));
        }
      }
    emitReductionLoops(0, tile);
    emitEpilogue(tile);
  }

  /// The index of `label` at tile position `at`.
  llvm::Value* indexOf(std::size_t label, At at, int lanes) {
    llvm::Value* index = index_[label];
    if (unrolled_ && label == unrolled_->label && at.row > 0)
      index = builder_.CreateAdd(index, builder_.getInt64(at.row));
    if (columns_ && label == columns_->label && at.col > 0)
      index = builder_.CreateAdd(index, builder_.getInt64(at.col));
    if (vector_ && label == vector_->label && at.vector > 0)
      index = builder_.CreateAdd(index, builder_.getInt64(at.vector * lanes));
    return index;
  }

  llvm::Value* offsetOf(std::size_t t, At at, int lanes) {
    llvm::Value* offset = builder_.getInt64(0);
    for (std::size_t label = 0; label < nest_.labels.size(); ++label)
      if (holds(tensor(t), label))
        offset = builder_.CreateAdd(
            offset, builder_.CreateMul(indexOf(label, at, lanes), strides_[t][label]));
    return offset;
  }

  /// Tensor t at tile position `at`: a vector load (masked in a masked tile), a broadcast or a
  /// gather.
  Element loadTensor(std::size_t t, At at, int lanes, bool masked) {
    const ir::TensorAccess& access = tensor(t);
    llvm::Value* offset = offsetOf(t, at, lanes);
    Element value;
    std::optional<std::int64_t> vectorStride;
    if (vector_ && holds(access, vector_->label))
      vectorStride = access.strides[vector_->label].known;
    else
      vectorStride = 0;
    if (lanes == 1 || vectorStride == std::optional<std::int64_t>(0))
      value = ops_.broadcast(ops_.load(bases_[t], offset, 1, nullptr), lanes);
    else if (vectorStride == std::optional<std::int64_t>(1))
      value = masked ? ops_.maskedLoad(bases_[t], offset, lanes, laneMask_)
                     : ops_.load(bases_[t], offset, lanes, nullptr);
    else
      value = ops_.load(bases_[t], offset, lanes, strides_[t][vector_->label]);
    return access.conj ? ops_.conjugate(value) : value;
  }

  void emitUpdate(Tile tile) {
    // One load per distinct position: a tensor without the unrolled label serves every row, one
    // without the vector label every vector.
    std::map<std::tuple<std::size_t, int, int, int>, Element> loaded;
    auto operand = [&](std::size_t t, At at) {
      const ir::TensorAccess& access = tensor(t);
      At key{unrolled_ && holds(access, unrolled_->label) ? at.row : 0,
             columns_ && holds(access, columns_->label) ? at.col : 0,
             vector_ && holds(access, vector_->label) ? at.vector : 0};
      auto keyTuple = std::make_tuple(t, key.row, key.col, key.vector);
      auto found = loaded.find(keyTuple);
      if (found == loaded.end())
        found = loaded.emplace(keyTuple, loadTensor(t, key, tile.lanes, tile.masked)).first;
      return found->second;
    };
    std::vector<llvm::Value*> transposed = transposedInput(tile);
    if (!transposed.empty())
      for (int row = 0; row < tile.rows; ++row)
        loaded.emplace(std::make_tuple(0, row, 0, 0),
                       Element{transposed[static_cast<std::size_t>(row)]});
    std::size_t inputs = nest_.inputs.size();
    // A masked step of a summed vector label leaves the lanes past the extent as they were.
    llvm::Value* update = tile.masked && reductionVector() ? laneMask_ : nullptr;
    for (int row = 0; row < tile.rows; ++row)
      for (int col = 0; col < tile.cols; ++col)
        for (int vector = 0; vector < tile.vectors; ++vector) {
          At at{row, col, vector};
          Element product = operand(factorOrder_[0], at);
          for (std::size_t t = 1; t + 1 < inputs; ++t)
            product = ops_.multiply(product, operand(factorOrder_[t], at));
          Element last = inputs == 1 ? Element{} : operand(factorOrder_[inputs - 1], at);
          ops_.accumulate(slot(tile.lanes, at), product, last, update);
        }
  }

  /// A transpose tile's input (ir::LoopNest::transposedLoop), one vector per row, read along the
  /// rows and transposed in registers; empty where the tile is gathered as usual (a masked or
  /// scalar step).
  std::vector<llvm::Value*> transposedInput(Tile tile) {
    if (!nest_.transposedLoop() || tile.masked || tile.vectors != 1 || tile.lanes < 2 ||
        !std::has_single_bit(static_cast<unsigned>(tile.lanes)))
      return {};
    return transposeColumns(builder_, tile.lanes, tile.rows, [&](int v, int row, int count) {
      llvm::Value* offset =
          builder_.CreateAdd(offsetOf(0, {row, 0, 0}, tile.lanes),
                             builder_.CreateMul(builder_.getInt64(v), strides_[0][vector_->label]));
      return ops_.load(bases_[0], offset, count, nullptr).re;
    });
  }

  /// The output tile: alpha * acc, plus beta * out unless beta is zero (then out is not read);
  /// acc itself when alpha is one and beta zero.
  void emitEpilogue(Tile tile) {
    struct Result {
      At at;
      int lanes;
      Element value;
    };
    std::vector<Result> results;
    // A summed vector label: each element's vectors added, then the lanes of all the tile's
    // elements summed together (horizontalSums), then the scalar remainder's sum.
    std::vector<Element> vectorSums;
    for (int row = 0; row < tile.rows && reductionVector(); ++row)
      for (int col = 0; col < tile.cols; ++col) {
        Element sum = ops_.read(slot(vector_->lanes, {row, col, 0}));
        for (int vector = 1; vector < vector_->factor; ++vector)
          sum = ops_.add(sum, ops_.read(slot(vector_->lanes, {row, col, vector})));
        vectorSums.push_back(sum);
      }
    if (reductionVector())
      vectorSums = ops_.horizontalSums(vectorSums);
    for (int row = 0; row < tile.rows; ++row)
      for (int col = 0; col < tile.cols; ++col) {
        if (reductionVector()) {
          Element total = ops_.add(ops_.read(slot(1, {row, col, 0})),
                                   vectorSums[static_cast<std::size_t>(row * tile.cols + col)]);
          results.push_back({{row, col, 0}, 1, total});
        } else {
          for (int vector = 0; vector < tile.vectors; ++vector)
            results.push_back(
                {{row, col, vector}, tile.lanes, ops_.read(slot(tile.lanes, {row, col, vector}))});
        }
      }
    std::size_t out = nest_.inputs.size();
    llvm::Value* laneStride = nullptr;
    if (tile.lanes > 1 &&
        nest_.output.strides[vector_->label].known != std::optional<std::int64_t>(1))
      laneStride = strides_[out][vector_->label];
    auto scaleByAlpha = [&] {
      for (Result& result : results)
        result.value = ops_.multiply(ops_.broadcast(alpha_, result.lanes), result.value);
    };
    // A masked tile reads and writes only its lanes below the extent.
    auto store = [&](Element value, llvm::Value* offset, int lanes) {
      if (tile.masked)
        outOps_.maskedStore(value, bases_[out], offset, laneMask_);
      else
        outOps_.store(value, bases_[out], offset, lanes, laneStride);
    };
    auto load = [&](llvm::Value* offset, int lanes) {
      return tile.masked ? outOps_.maskedLoad(bases_[out], offset, lanes, laneMask_)
                         : outOps_.load(bases_[out], offset, lanes, laneStride);
    };
    if (nontemporal_) {
      // Only reached when beta is zero (emitBody).
      scaleByAlpha();
      for (const Result& result : results) {
        llvm::Value* offset = offsetOf(out, result.at, result.lanes);
        if (tile.masked)
          store(result.value, offset, result.lanes);
        else
          storeOutput(result.value, offset, result.lanes, laneStride);
      }
      return;
    }
    llvm::LLVMContext& context = module_.getContext();
    auto* plain = llvm::BasicBlock::Create(context, "plain", function_);
    auto* scaled = llvm::BasicBlock::Create(context, "scaled", function_);
    auto* overwrite = llvm::BasicBlock::Create(context, "store", function_);
    auto* update = llvm::BasicBlock::Create(context, "update", function_);
    auto* done = llvm::BasicBlock::Create(context, "stored", function_);
    // alpha one and beta zero, the common call, stores the sums as they are: a tile of 16
    // vectors otherwise spends 16 multiplies, ~2 % of B64's time (Zen 4).
    auto storeResults = [&] {
      for (const Result& result : results)
        store(result.value, offsetOf(out, result.at, result.lanes), result.lanes);
    };
    builder_.CreateCondBr(plainStores_, plain, scaled);
    builder_.SetInsertPoint(plain);
    storeResults();
    builder_.CreateBr(done);
    builder_.SetInsertPoint(scaled);
    scaleByAlpha();
    builder_.CreateCondBr(betaIsZero_, overwrite, update);
    builder_.SetInsertPoint(overwrite);
    storeResults();
    builder_.CreateBr(done);
    builder_.SetInsertPoint(update);
    for (const Result& result : results) {
      llvm::Value* offset = offsetOf(out, result.at, result.lanes);
      Element old = load(offset, result.lanes);
      store(ops_.multiplyAdd(ops_.broadcast(beta_, result.lanes), old, result.value), offset,
            result.lanes);
    }
    builder_.CreateBr(done);
    builder_.SetInsertPoint(done);
  }

  /// On the non-temporal path, a full contiguous vector is one aligned !nontemporal store;
  /// anything else is stored as usual.
  void storeOutput(Element value, llvm::Value* offset, int lanes, llvm::Value* laneStride) {
    std::size_t out = nest_.inputs.size();
    if (lanes != vector_->lanes || laneStride) {
      outOps_.store(value, bases_[out], offset, lanes, laneStride);
      return;
    }
    llvm::Value* pointer = outOps_.pointerTo(bases_[out], offset);
    llvm::StoreInst* store = builder_.CreateAlignedStore(outOps_.toStorage(value.re), pointer,
                                                         llvm::Align(nontemporalAlignment()));
    llvm::LLVMContext& context = module_.getContext();
    store->setMetadata(
        llvm::LLVMContext::MD_nontemporal,
        llvm::MDNode::get(context, llvm::ConstantAsMetadata::get(builder_.getInt32(1))));
  }

  const ir::LoopNest& nest_;
  llvm::Module& module_;
  const llvm::TargetMachine& machine_;
  llvm::IRBuilder<> builder_;
  ElementOps ops_;    ///< the inputs' dtype, and the arithmetic
  ElementOps outOps_; ///< the output's dtype: loads and stores of out
  const ir::Loop* vector_;
  const ir::Loop* unrolled_; ///< the tile's rows
  const ir::Loop* columns_;  ///< the tile's columns (a second unrolled loop), or null
  bool vectorInOutput_ = false;
  bool maskedRemainder_ = false; ///< the vector loop ends in a masked step (maskableRemainder)
  std::vector<std::size_t> factorOrder_; ///< the inputs in the order the product multiplies them
  llvm::Value* laneMask_ = nullptr;      ///< the lanes of the current masked tile
  llvm::Function* function_ = nullptr;
  std::vector<llvm::Value*> bases_;
  std::vector<std::vector<llvm::Value*>> strides_;
  std::vector<llvm::Value*> extents_;
  Element alpha_;
  Element beta_;
  llvm::Value* betaIsZero_ = nullptr;
  llvm::Value* plainStores_ = nullptr; ///< alpha is one and beta zero: out = acc
  std::vector<llvm::Value*> index_;
  std::map<int, std::vector<Slot>> slots_;
  /// True while emitting the non-temporal path (emitBody).
  bool nontemporal_ = false;
  /// lo and hi of the chunk function, null outside it.
  std::pair<llvm::Value*, llvm::Value*> parallelRange_{nullptr, nullptr};
};

} // namespace

std::unique_ptr<llvm::Module> buildKernelModule(const ir::LoopNest& nest,
                                                llvm::LLVMContext& context,
                                                const llvm::TargetMachine& machine,
                                                const std::string& symbol) {
  ir::verify(nest);
  auto module = std::make_unique<llvm::Module>("einjit." + symbol, context);
  module->setTargetTriple(machine.getTargetTriple().str());
  module->setDataLayout(machine.createDataLayout());
  if (nest.packed)
    buildPackedKernel(nest, *module, machine, symbol);
  else
    KernelBuilder(nest, *module, machine).build(symbol);
  std::string problems;
  llvm::raw_string_ostream stream(problems);
  if (llvm::verifyModule(*module, &stream))
    codegenFailure("verify", "the generated module is invalid: " + problems);
  return module;
}

} // namespace einjit::codegen
