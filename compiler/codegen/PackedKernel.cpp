// The packed strategy's kernel (ir/PackedGemm.h) as LLVM IR, with the KernelEntry ABI
// (runtime/KernelAbi.h).
//
// The kernel's contract:
//   * Work is split into units, one per batch point and NR output columns; `<symbol>.units(ctx,
//     lo, hi)` runs units [lo, hi), the entry calls it once or through
//     einjit_rt_parallel_for_per_thread (one chunk per thread: every chunk packs all of A). Each
//     unit writes only its own output columns, and every output element is summed in the same order
//     whatever the split, so results do not depend on the thread count.
//   * Scratch memory (runtime/Scratch.h, per thread) holds six offset tables — for every index
//     of a group, its tensor offset: A and C along M, B and C along N, A and B along K, filled
//     by the runtime (runtime/OffsetTable.h) — then the packed A block and the packed B block.
//     If the scratch allocation fails, the units do nothing and return kStatusOutOfMemory,
//     which the entry returns (through einjit_rt_parallel_for_per_thread when parallel, which
//     returns a failing chunk's status): the caller learns of it from this call's result alone.
//   * Packing copies A[ic.., pc..] into MR-row micro-panels (k-major, MR values per k) and
//     B[pc.., jc..] into NR-column micro-panels (NR values per k), zero beyond the edges, so the
//     micro-kernel always computes a full MR × NR tile; any stride or permutation of A and B is
//     folded into the offset tables the copies read through. The copies are functions of their
//     own, `<symbol>.pack_a` and `.pack_b`, marked for codegen to compile beside the rest
//     (kPartAttribute). Rows that are neither consecutive nor K-consecutive, and edge panels,
//     are copied by the runtime (runtime/PackedEdges.h) rather than by code of their own in
//     every kernel.
//   * The micro-kernel keeps MR × vectors accumulators in registers: per k it loads the B row's
//     vectors and broadcasts MR values of A into llvm.fma.
//   * The tile is stored as alpha * acc + beta * out on the first K block (out not read when
//     beta is zero) and added to out on later ones. A full tile whose columns are consecutive in
//     out (the innermost N label has stride 1 and the tile does not cross its end) is stored
//     with vector loads and stores; any other tile is spilled to a stack copy that the runtime
//     stores element by element.
#include "codegen/ElementOps.h"
#include "codegen/LLVMCodegen.h"

#include <llvm/IR/Verifier.h>

#include <algorithm>
#include <array>
#include <functional>

namespace einjit::codegen {

namespace {

namespace abi = runtime::abi;

constexpr auto kKernelArguments = static_cast<unsigned>(abi::kKernelEntry.parameterCount);
constexpr std::int64_t kBufferAlignment = 64;

std::int64_t alignUp(std::int64_t value) {
  return (value + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
}

/// Bytes of the six offset tables, of the A block and of the B block (see the contract above).
struct ScratchLayout {
  std::int64_t tables;
  std::int64_t aBlock;
  std::int64_t bBlock;
  std::int64_t total() const { return tables + aBlock + bBlock; }
};

ScratchLayout scratchLayout(const ir::LoopNest& nest) {
  const ir::PackedGemm& gemm = *nest.packed;
  auto size = static_cast<std::int64_t>(dtypeSize(nest.dtype));
  std::int64_t m = ir::groupExtent(nest, gemm.m);
  std::int64_t n = ir::groupExtent(nest, gemm.n);
  std::int64_t k = ir::groupExtent(nest, gemm.k);
  return {alignUp(16 * (m + n + k)), alignUp(gemm.mc * gemm.kc * size),
          alignUp(gemm.nc * gemm.kc * size)};
}

class PackedKernelBuilder {
public:
  PackedKernelBuilder(const ir::LoopNest& nest, llvm::Module& module,
                      const llvm::TargetMachine& machine)
      : nest_(nest), gemm_(*nest.packed), module_(module), machine_(machine),
        builder_(module.getContext()), ops_(builder_, nest.dtype),
        size_(static_cast<std::int64_t>(dtypeSize(nest.dtype))), m_(ir::groupExtent(nest, gemm_.m)),
        n_(ir::groupExtent(nest, gemm_.n)), k_(ir::groupExtent(nest, gemm_.k)),
        batch_(ir::groupExtent(nest, gemm_.batch)), nr_(gemm_.nr()), tiles_((n_ + nr_ - 1) / nr_),
        layout_(scratchLayout(nest)) {}

  void build(const std::string& symbol) {
    packA_ = buildPackFunction(symbol + ".pack_a", gemm_.a, gemm_.m, gemm_.mr);
    packB_ = buildPackFunction(symbol + ".pack_b", gemm_.b, gemm_.n, nr_);
    llvm::Function* units = buildUnitsFunction(symbol + ".units");
    buildEntry(symbol, units);
  }

private:
  // ---- functions -------------------------------------------------------------------------

  llvm::Type* i64() { return builder_.getInt64Ty(); }
  llvm::Value* constant(std::int64_t value) { return builder_.getInt64(value); }

  void addTargetAttributes(llvm::Function& function) const {
    function.addFnAttr(llvm::Attribute::NoUnwind);
    function.addFnAttr("target-cpu", machine_.getTargetCPU());
    function.addFnAttr("target-features", machine_.getTargetFeatureString());
  }

  /// A runtime function of the ABI table (runtime/KernelAbi.h).
  llvm::FunctionCallee runtimeFunction(abi::Function function) {
    return declareRuntimeFunction(module_, function);
  }

  /// The runtime function for this kernel's element type: `f32` or `f64`.
  llvm::FunctionCallee typedRuntimeFunction(abi::Function f32, abi::Function f64) {
    return runtimeFunction(size_ == 4 ? f32 : f64);
  }

  void startFunction(llvm::Function* function) {
    function_ = function;
    addTargetAttributes(*function);
    builder_.SetInsertPoint(llvm::BasicBlock::Create(module_.getContext(), "entry", function));
  }

  /// The KernelEntry: stores its arguments in a context, runs every unit and returns their
  /// status.
  void buildEntry(const std::string& symbol, llvm::Function* units) {
    llvm::Type* pointer = builder_.getPtrTy();
    llvm::Function* entry = createKernelEntry(module_, symbol);
    startFunction(entry);
    llvm::Value* context =
        builder_.CreateAlloca(llvm::ArrayType::get(pointer, kKernelArguments), nullptr, "ctx");
    for (unsigned a = 0; a < kKernelArguments; ++a)
      builder_.CreateStore(entry->getArg(a), builder_.CreateConstGEP1_64(pointer, context, a));
    llvm::Value* unitCount = constant(batch_ * tiles_);
    llvm::Value* status = nullptr;
    if (gemm_.parallel) {
      llvm::FunctionCallee parallelFor = runtimeFunction(abi::Function::ParallelForPerThread);
      status = builder_.CreateCall(parallelFor, {constant(0), unitCount, constant(1),
                                                 constant(m_ * k_ * nr_), units, context});
    } else {
      status = builder_.CreateCall(units, {context, constant(0), unitCount});
    }
    builder_.CreateRet(status);
  }

  /// i32 units(ctx, lo, hi) (runtime::LoopBody).
  llvm::Function* buildUnitsFunction(const std::string& name) {
    llvm::Type* pointer = builder_.getPtrTy();
    llvm::Function* function = createLoopBody(module_, name);
    startFunction(function);
    std::array<llvm::Value*, kKernelArguments> arguments{};
    for (unsigned a = 0; a < kKernelArguments; ++a)
      arguments[a] = builder_.CreateLoad(
          pointer, builder_.CreateConstGEP1_64(pointer, function->getArg(0), a));
    loadArguments(arguments);

    auto* ready = llvm::BasicBlock::Create(module_.getContext(), "scratch.ready", function);
    auto* failed = llvm::BasicBlock::Create(module_.getContext(), "scratch.failed", function);
    llvm::Value* scratch = allocateScratch();
    builder_.CreateCondBr(builder_.CreateIsNull(scratch), failed, ready);
    builder_.SetInsertPoint(failed);
    builder_.CreateRet(statusConstant(builder_, runtime::kStatusOutOfMemory));
    builder_.SetInsertPoint(ready);
    carveScratch(scratch);
    fillTables();

    llvm::Value* lo = function->getArg(1);
    llvm::Value* hi = function->getArg(2);
    llvm::Value* tiles = constant(tiles_);
    llvm::Value* firstBatch = builder_.CreateUDiv(lo, tiles);
    llvm::Value* endBatch =
        builder_.CreateUDiv(builder_.CreateAdd(hi, constant(tiles_ - 1)), tiles);
    emitLoop(firstBatch, endBatch, 1, [&](llvm::Value* point) {
      llvm::Value* start = builder_.CreateMul(point, tiles);
      llvm::Value* t0 = maxOf(builder_.CreateSub(lo, start), constant(0));
      llvm::Value* t1 = minOf(builder_.CreateSub(hi, start), tiles);
      llvm::Value* nLo = builder_.CreateMul(t0, constant(nr_));
      llvm::Value* nHi = minOf(builder_.CreateMul(t1, constant(nr_)), constant(n_));
      emitBatchPoint(point, nLo, nHi);
    });
    builder_.CreateRet(statusConstant(builder_, runtime::kStatusOk));
    return function;
  }

  // ---- arguments, scratch, tables --------------------------------------------------------

  const ir::TensorAccess& tensor(std::size_t t) const {
    return t < nest_.inputs.size() ? nest_.inputs[t] : nest_.output;
  }

  void loadArguments(const std::array<llvm::Value*, kKernelArguments>& arguments) {
    llvm::Type* pointer = builder_.getPtrTy();
    std::size_t labels = nest_.labels.size();
    for (std::size_t t = 0; t <= nest_.inputs.size(); ++t) {
      bases_.push_back(
          builder_.CreateLoad(pointer, builder_.CreateConstGEP1_64(pointer, arguments[0], t)));
      std::vector<llvm::Value*> row;
      for (std::size_t l = 0; l < labels; ++l) {
        const ir::LabelStride& stride = tensor(t).strides[l];
        row.push_back(stride.known
                          ? constant(*stride.known)
                          : builder_.CreateLoad(i64(), builder_.CreateConstGEP1_64(
                                                           i64(), arguments[1], t * labels + l)));
      }
      strides_.push_back(std::move(row));
    }
    alpha_ = ops_.loadScalar(arguments[3]);
    beta_ = ops_.loadScalar(arguments[4]);
    betaIsZero_ = ops_.isZero(beta_);
  }

  std::size_t outputTensor() const { return nest_.inputs.size(); }

  llvm::Value* allocateScratch() {
    return builder_.CreateCall(runtimeFunction(abi::Function::Scratch),
                               {constant(layout_.total())});
  }

  void carveScratch(llvm::Value* scratch) {
    auto at = [&](std::int64_t bytes) {
      return builder_.CreateConstGEP1_64(builder_.getInt8Ty(), scratch, bytes);
    };
    std::int64_t offset = 0;
    for (std::int64_t entries : {m_, m_, n_, n_, k_, k_}) {
      tables_.push_back(at(offset));
      offset += 8 * entries;
    }
    aBlock_ = at(layout_.tables);
    bBlock_ = at(layout_.tables + layout_.aBlock);
  }

  enum Table { AM, CM, BN, CN, AK, BK };

  /// table[i] = Σ digit_l(i) · stride(tensor, l) over the group's labels, i decomposed with the
  /// innermost label fastest.
  llvm::Value* offsetOf(llvm::Value* index, const std::vector<std::size_t>& labels,
                        std::size_t tensorIndex) {
    llvm::Value* offset = constant(0);
    llvm::Value* rest = index;
    for (auto label = labels.rbegin(); label != labels.rend(); ++label) {
      llvm::Value* extent = constant(nest_.labels[*label].extent);
      llvm::Value* digit = label + 1 == labels.rend() ? rest : builder_.CreateURem(rest, extent);
      offset = builder_.CreateAdd(offset, builder_.CreateMul(digit, strides_[tensorIndex][*label]));
      if (label + 1 != labels.rend())
        rest = builder_.CreateUDiv(rest, extent);
    }
    return offset;
  }

  /// The six tables, by the runtime (runtime/OffsetTable.h), from each group's extents and
  /// strides.
  void fillTables() {
    struct Fill {
      Table table;
      const std::vector<std::size_t>* labels;
      std::size_t tensorIndex;
    };
    std::size_t most = std::max({gemm_.m.size(), gemm_.n.size(), gemm_.k.size(), std::size_t{1}});
    llvm::IRBuilder<> entry(&function_->getEntryBlock(), function_->getEntryBlock().begin());
    llvm::Value* extents = entry.CreateAlloca(i64(), constant(static_cast<std::int64_t>(most)));
    llvm::Value* strides = entry.CreateAlloca(i64(), constant(static_cast<std::int64_t>(most)));
    llvm::FunctionCallee fill = runtimeFunction(abi::Function::FillOffsets);
    for (const Fill& group : {Fill{AM, &gemm_.m, gemm_.a}, Fill{CM, &gemm_.m, outputTensor()},
                              Fill{BN, &gemm_.n, gemm_.b}, Fill{CN, &gemm_.n, outputTensor()},
                              Fill{AK, &gemm_.k, gemm_.a}, Fill{BK, &gemm_.k, gemm_.b}}) {
      for (std::size_t l = 0; l < group.labels->size(); ++l) {
        std::size_t label = (*group.labels)[l];
        llvm::Value* at = constant(static_cast<std::int64_t>(l));
        builder_.CreateStore(constant(nest_.labels[label].extent),
                             builder_.CreateGEP(i64(), extents, at));
        builder_.CreateStore(strides_[group.tensorIndex][label],
                             builder_.CreateGEP(i64(), strides, at));
      }
      builder_.CreateCall(fill, {tables_[group.table],
                                 constant(static_cast<std::int64_t>(group.labels->size())), extents,
                                 strides});
    }
  }

  /// The address of table[index], and its value.
  llvm::Value* entryFrom(llvm::Value* table, llvm::Value* index) {
    return builder_.CreateGEP(i64(), table, index);
  }
  llvm::Value* entryAt(llvm::Value* table, llvm::Value* index) {
    return builder_.CreateLoad(i64(), entryFrom(table, index));
  }
  llvm::Value* tableFrom(Table table, llvm::Value* index) {
    return entryFrom(tables_[table], index);
  }
  llvm::Value* tableAt(Table table, llvm::Value* index) { return entryAt(tables_[table], index); }

  // ---- the BLIS loops ---------------------------------------------------------------------

  /// Output columns [nLo, nHi) of one batch point.
  void emitBatchPoint(llvm::Value* point, llvm::Value* nLo, llvm::Value* nHi) {
    llvm::Value* aBase = builder_.CreateGEP(ops_.componentType(), bases_[gemm_.a],
                                            offsetOf(point, gemm_.batch, gemm_.a));
    llvm::Value* bBase = builder_.CreateGEP(ops_.componentType(), bases_[gemm_.b],
                                            offsetOf(point, gemm_.batch, gemm_.b));
    llvm::Value* cBase = builder_.CreateGEP(ops_.componentType(), bases_[outputTensor()],
                                            offsetOf(point, gemm_.batch, outputTensor()));
    emitLoop(nLo, nHi, gemm_.nc, [&](llvm::Value* jc) {
      llvm::Value* nc = minOf(builder_.CreateSub(nHi, jc), constant(gemm_.nc));
      emitLoop(constant(0), constant(k_), gemm_.kc, [&](llvm::Value* pc) {
        llvm::Value* kc = minOf(builder_.CreateSub(constant(k_), pc), constant(gemm_.kc));
        llvm::Value* first = builder_.CreateICmpEQ(pc, constant(0));
        packB(bBase, jc, nc, pc, kc);
        emitLoop(constant(0), constant(m_), gemm_.mc, [&](llvm::Value* ic) {
          llvm::Value* mc = minOf(builder_.CreateSub(constant(m_), ic), constant(gemm_.mc));
          packA(aBase, ic, mc, pc, kc);
          emitLoop(constant(0), nc, nr_, [&](llvm::Value* jr) {
            llvm::Value* bPanel =
                builder_.CreateGEP(ops_.componentType(), bBlock_, builder_.CreateMul(jr, kc));
            emitLoop(constant(0), mc, gemm_.mr, [&](llvm::Value* ir) {
              llvm::Value* aPanel =
                  builder_.CreateGEP(ops_.componentType(), aBlock_, builder_.CreateMul(ir, kc));
              emitMicroKernel(aPanel, bPanel, kc);
              emitStore(cBase, builder_.CreateAdd(ic, ir),
                        minOf(builder_.CreateSub(mc, ir), constant(gemm_.mr)),
                        builder_.CreateAdd(jc, jr),
                        minOf(builder_.CreateSub(nc, jr), constant(nr_)), first);
            });
          });
        });
      });
    });
  }

  /// Where one operand's packing reads: its base, the offset tables of its rows (M for A, N
  /// for B) and of K, and the labels of its row group.
  struct PackSource {
    llvm::Value* base;
    llvm::Value* rows;
    llvm::Value* columns;
    std::size_t tensor;
    const std::vector<std::size_t>* rowLabels;
  };

  /// void pack(base, rowTable, kTable, begin, valid, pc, kc, block): pack() as a function of
  /// its own, so that the code generator may compile it beside the rest of the kernel
  /// (kPartAttribute).
  llvm::Function* buildPackFunction(const std::string& name, std::size_t tensorIndex,
                                    const std::vector<std::size_t>& rowLabels, std::int64_t width) {
    llvm::Type* pointer = builder_.getPtrTy();
    auto* type = llvm::FunctionType::get(
        builder_.getVoidTy(), {pointer, pointer, pointer, i64(), i64(), i64(), i64(), pointer},
        false);
    auto* function = llvm::Function::Create(type, llvm::Function::InternalLinkage, name, module_);
    for (unsigned a : {0u, 1u, 2u}) {
      function->addParamAttr(a, llvm::Attribute::ReadOnly);
      function->addParamAttr(a, llvm::Attribute::NoCapture);
    }
    // The block is scratch memory that nothing else in the call reads or writes.
    function->addParamAttr(7, llvm::Attribute::NoAlias);
    function->addParamAttr(7, llvm::Attribute::NoCapture);
    function->addFnAttr(kPartAttribute, "pack");
    startFunction(function);
    auto argument = [&](unsigned a) { return function->getArg(a); };
    pack(PackSource{argument(0), argument(1), argument(2), tensorIndex, &rowLabels}, argument(3),
         argument(4), argument(5), argument(6), width, argument(7));
    builder_.CreateRetVoid();
    return function;
  }

  bool unitInnermost(std::size_t tensorIndex, const std::vector<std::size_t>& labels) const {
    return tensor(tensorIndex).strides[labels.back()].known == std::optional<std::int64_t>(1);
  }

  /// True when indices [start, start + count) of a group whose innermost label has unit stride
  /// stay within one run of that label, so that their offsets are consecutive.
  llvm::Value* withinRun(llvm::Value* start, llvm::Value* count, std::size_t innermost) {
    llvm::Value* extent = constant(nest_.labels[innermost].extent);
    return builder_.CreateICmpSLE(builder_.CreateAdd(builder_.CreateURem(start, extent), count),
                                  extent);
  }

  /// Copies the group's rows [begin, begin + valid) by kc K indices from pc into micro-panels
  /// of `width` rows, panel[p][k][w] for row p·width + w, rows past `valid` zero. When the rows
  /// are consecutive in memory, a full panel copies one `width`-wide vector per k; when K is
  /// consecutive, lanes × lanes blocks are transposed in registers; the rest goes element by
  /// element through the runtime.
  void pack(const PackSource& source, llvm::Value* begin, llvm::Value* valid, llvm::Value* pc,
            llvm::Value* kc, std::int64_t width, llvm::Value* block) {
    llvm::Value* panels =
        builder_.CreateUDiv(builder_.CreateAdd(valid, constant(width - 1)), constant(width));
    bool rowsMayBeConsecutive = unitInnermost(source.tensor, *source.rowLabels);
    emitLoop(constant(0), panels, 1, [&](llvm::Value* panel) {
      llvm::Value* firstRow = builder_.CreateMul(panel, constant(width));
      llvm::Value* whole = builder_.getFalse();
      if (rowsMayBeConsecutive)
        whole = builder_.CreateAnd(
            builder_.CreateICmpSLE(builder_.CreateAdd(firstRow, constant(width)), valid),
            withinRun(builder_.CreateAdd(begin, firstRow), constant(width),
                      source.rowLabels->back()));
      emitIf(whole, [&](bool vectors) {
        if (!vectors) {
          // Rows apart in memory. Where K is consecutive (a transposed operand), run by run of
          // K's innermost label: lanes × lanes blocks transposed in registers, the rest of the
          // run by the runtime; otherwise all of it element by element in the runtime
          // (runtime/PackedEdges.h).
          llvm::Value* panelBase =
              builder_.CreateMul(builder_.CreateMul(panel, kc), constant(width));
          auto copyRows = [&](llvm::Value* kFrom, llvm::Value* kTo) {
            llvm::FunctionCallee packRows =
                typedRuntimeFunction(abi::Function::PackRowsF32, abi::Function::PackRowsF64);
            builder_.CreateCall(
                packRows, {source.base, entryFrom(source.rows, builder_.CreateAdd(begin, firstRow)),
                           minOf(builder_.CreateSub(valid, firstRow), constant(width)),
                           entryFrom(source.columns, pc), kFrom, kTo, constant(width),
                           builder_.CreateGEP(ops_.componentType(), block, panelBase)});
          };
          if (!unitInnermost(source.tensor, gemm_.k) || gemm_.lanes < 2) {
            copyRows(constant(0), kc);
            return;
          }
          llvm::Value* whole =
              builder_.CreateICmpSLE(builder_.CreateAdd(firstRow, constant(width)), valid);
          emitIf(whole, [&](bool transpose) {
            if (!transpose) {
              copyRows(constant(0), kc);
              return;
            }
            emitKRuns(pc, kc, [&](llvm::Value* runStart, llvm::Value* runLength) {
              llvm::Value* blocked = builder_.CreateSub(
                  runLength, builder_.CreateURem(runLength, constant(gemm_.lanes)));
              packTransposed(
                  source, builder_.CreateAdd(begin, firstRow),
                  entryAt(source.columns, builder_.CreateAdd(pc, runStart)), blocked, width, block,
                  builder_.CreateAdd(panelBase, builder_.CreateMul(runStart, constant(width))));
              copyRows(builder_.CreateAdd(runStart, blocked),
                       builder_.CreateAdd(runStart, runLength));
            });
          });
          return;
        }
        llvm::Value* rowBase = entryAt(source.rows, builder_.CreateAdd(begin, firstRow));
        llvm::Value* panelBase = builder_.CreateMul(builder_.CreateMul(panel, kc), constant(width));
        emitLoop(constant(0), kc, 1, [&](llvm::Value* k) {
          llvm::Value* column = entryAt(source.columns, builder_.CreateAdd(pc, k));
          Element row = ops_.load(source.base, builder_.CreateAdd(rowBase, column),
                                  static_cast<int>(width), nullptr);
          ops_.store(row, block,
                     builder_.CreateAdd(panelBase, builder_.CreateMul(k, constant(width))),
                     static_cast<int>(width), nullptr);
        });
      });
    });
  }

  /// body(start, length) for each run of consecutive K offsets in the K block [pc, pc + kc): a
  /// run ends where K's innermost label (unit stride) wraps, or at the block's end.
  void emitKRuns(llvm::Value* pc, llvm::Value* kc,
                 const std::function<void(llvm::Value*, llvm::Value*)>& body) {
    llvm::Value* extent = constant(nest_.labels[gemm_.k.back()].extent);
    emitSteppedLoop(builder_, constant(0), kc, [&](llvm::Value* start) {
      llvm::Value* position = builder_.CreateURem(builder_.CreateAdd(pc, start), extent);
      llvm::Value* length =
          minOf(builder_.CreateSub(extent, position), builder_.CreateSub(kc, start));
      body(start, length);
      return length;
    });
  }

  /// K indices [0, blocked) of one whole panel whose rows start at group index `firstRow`, K
  /// consecutive from kBase: per group of `lanes` rows and `lanes` K indices, one vector load
  /// per row and a transpose by shuffles (log2(lanes) rounds, each swapping one bit of the row
  /// and lane indices), then one store per K index.
  void packTransposed(const PackSource& source, llvm::Value* firstRow, llvm::Value* kBase,
                      llvm::Value* blocked, std::int64_t width, llvm::Value* block,
                      llvm::Value* panelBase) {
    int lanes = gemm_.lanes;
    std::vector<llvm::Value*> rowOffsets;
    for (std::int64_t w = 0; w < width; ++w)
      rowOffsets.push_back(entryAt(source.rows, builder_.CreateAdd(firstRow, constant(w))));
    emitLoop(constant(0), blocked, lanes, [&](llvm::Value* k0) {
      llvm::Value* column = builder_.CreateAdd(kBase, k0);
      if (width < lanes && (width & (width - 1)) == 0) {
        // Fewer rows than lanes (8-row panels of 16 floats): `width` loads, log2(width) rounds,
        // after which vector w holds K index q · width + w in its q-th group of `width` lanes.
        std::vector<llvm::Value*> rows;
        for (std::int64_t w = 0; w < width; ++w)
          rows.push_back(
              ops_.load(source.base,
                        builder_.CreateAdd(rowOffsets[static_cast<std::size_t>(w)], column), lanes,
                        nullptr)
                  .re);
        transposeInPlace(rows, lanes);
        for (std::int64_t w = 0; w < width; ++w)
          for (std::int64_t q = 0; q * width < lanes; ++q) {
            std::vector<int> group(static_cast<std::size_t>(width));
            for (std::int64_t lane = 0; lane < width; ++lane)
              group[static_cast<std::size_t>(lane)] = static_cast<int>(q * width + lane);
            llvm::Value* k = builder_.CreateAdd(k0, constant(q * width + w));
            ops_.store(
                Element{builder_.CreateShuffleVector(rows[static_cast<std::size_t>(w)], group)},
                block, builder_.CreateAdd(panelBase, builder_.CreateMul(k, constant(width))),
                static_cast<int>(width), nullptr);
          }
        return;
      }
      for (std::int64_t group = 0; group * lanes < width; ++group) {
        std::int64_t count = std::min<std::int64_t>(lanes, width - group * lanes);
        std::vector<llvm::Value*> rows;
        for (int r = 0; r < lanes; ++r) {
          std::int64_t row = group * lanes + std::min<std::int64_t>(r, count - 1);
          rows.push_back(
              ops_.load(source.base, builder_.CreateAdd(rowOffsets[row], column), lanes, nullptr)
                  .re);
        }
        transposeInPlace(rows, lanes);
        for (int k = 0; k < lanes; ++k) {
          llvm::Value* destination = builder_.CreateAdd(
              panelBase, builder_.CreateAdd(builder_.CreateMul(builder_.CreateAdd(k0, constant(k)),
                                                               constant(width)),
                                            constant(group * lanes)));
          llvm::Value* value = rows[k];
          if (count < lanes) {
            std::vector<int> first(static_cast<std::size_t>(count));
            for (std::int64_t lane = 0; lane < count; ++lane)
              first[static_cast<std::size_t>(lane)] = static_cast<int>(lane);
            value = builder_.CreateShuffleVector(value, first);
          }
          ops_.store(Element{value}, block, destination, static_cast<int>(count), nullptr);
        }
      }
    });
  }

  /// Exchanges each bit of the row index below rows.size() (a power of two, at most `lanes`)
  /// with the same bit of the lane index: a square block is transposed (rows[i][j] becomes
  /// rows[j][i]); fewer rows leave lane j of row w holding the old row j mod rows.size() at lane
  /// (j - j mod rows.size()) + w.
  void transposeInPlace(std::vector<llvm::Value*>& rows, int lanes) {
    int size = static_cast<int>(rows.size());
    for (int bit = 1; bit < size; bit <<= 1) {
      std::vector<int> low(static_cast<std::size_t>(lanes));
      std::vector<int> high(static_cast<std::size_t>(lanes));
      for (int j = 0; j < lanes; ++j) {
        low[static_cast<std::size_t>(j)] = (j & bit) ? lanes + j - bit : j;
        high[static_cast<std::size_t>(j)] = (j & bit) ? lanes + j : j + bit;
      }
      for (int w = 0; w < size; ++w) {
        if (w & bit)
          continue;
        llvm::Value* first = rows[static_cast<std::size_t>(w)];
        llvm::Value* second = rows[static_cast<std::size_t>(w + bit)];
        rows[static_cast<std::size_t>(w)] = builder_.CreateShuffleVector(first, second, low);
        rows[static_cast<std::size_t>(w + bit)] = builder_.CreateShuffleVector(first, second, high);
      }
    }
  }

  void packA(llvm::Value* aBase, llvm::Value* ic, llvm::Value* mc, llvm::Value* pc,
             llvm::Value* kc) {
    builder_.CreateCall(packA_, {aBase, tables_[AM], tables_[AK], ic, mc, pc, kc, aBlock_});
  }

  void packB(llvm::Value* bBase, llvm::Value* jc, llvm::Value* nc, llvm::Value* pc,
             llvm::Value* kc) {
    builder_.CreateCall(packB_, {bBase, tables_[BN], tables_[BK], jc, nc, pc, kc, bBlock_});
  }

  // ---- micro-kernel and store -------------------------------------------------------------

  Slot accumulator(int row, int vector) {
    std::size_t index = static_cast<std::size_t>(row * gemm_.vectors + vector);
    if (accumulators_.empty())
      for (int s = 0; s < gemm_.mr * gemm_.vectors; ++s)
        accumulators_.push_back(ops_.allocateSlot(gemm_.lanes));
    return accumulators_[index];
  }

  void emitMicroKernel(llvm::Value* aPanel, llvm::Value* bPanel, llvm::Value* kc) {
    for (int row = 0; row < gemm_.mr; ++row)
      for (int vector = 0; vector < gemm_.vectors; ++vector)
        ops_.write(accumulator(row, vector), ops_.zero(gemm_.lanes));
    emitLoop(
        constant(0), kc, 1,
        [&](llvm::Value* k) {
          std::vector<Element> b;
          llvm::Value* bRow = builder_.CreateMul(k, constant(nr_));
          for (int vector = 0; vector < gemm_.vectors; ++vector)
            b.push_back(ops_.load(bPanel, builder_.CreateAdd(bRow, constant(vector * gemm_.lanes)),
                                  gemm_.lanes, nullptr));
          llvm::Value* aRow = builder_.CreateMul(k, constant(gemm_.mr));
          for (int row = 0; row < gemm_.mr; ++row) {
            Element a = ops_.broadcast(
                ops_.load(aPanel, builder_.CreateAdd(aRow, constant(row)), 1, nullptr),
                gemm_.lanes);
            for (int vector = 0; vector < gemm_.vectors; ++vector) {
              Slot slot = accumulator(row, vector);
              ops_.write(slot, ops_.multiplyAdd(a, b[vector], ops_.read(slot)));
            }
          }
        },
        false);
  }

  /// out = alpha * value (`plain`: the first K block with beta zero, out not read), else
  /// out = alpha * value + betaHere * out, at out + offset.
  void storeOne(Element value, llvm::Value* cBase, llvm::Value* offset, int lanes, bool plain,
                llvm::Value* betaHere) {
    value = ops_.multiply(ops_.broadcast(alpha_, lanes), value);
    if (!plain) {
      Element old = ops_.load(cBase, offset, lanes, nullptr);
      value = ops_.multiplyAdd(ops_.broadcast(Element{betaHere}, lanes), old, value);
    }
    ops_.store(value, cBase, offset, lanes, nullptr);
  }

  /// body(true) where `condition` holds, body(false) elsewhere.
  void emitIf(llvm::Value* condition, const std::function<void(bool)>& body) {
    if (auto* known = llvm::dyn_cast<llvm::ConstantInt>(condition)) {
      body(known->isOne());
      return;
    }
    auto* yes = llvm::BasicBlock::Create(module_.getContext(), "plain", function_);
    auto* no = llvm::BasicBlock::Create(module_.getContext(), "update", function_);
    auto* done = llvm::BasicBlock::Create(module_.getContext(), "joined", function_);
    builder_.CreateCondBr(condition, yes, no);
    builder_.SetInsertPoint(yes);
    body(true);
    builder_.CreateBr(done);
    builder_.SetInsertPoint(no);
    body(false);
    builder_.CreateBr(done);
    builder_.SetInsertPoint(done);
  }

  /// The tile of rows [m0, m0 + mv) and columns [n0, n0 + nv).
  void emitStore(llvm::Value* cBase, llvm::Value* m0, llvm::Value* mv, llvm::Value* n0,
                 llvm::Value* nv, llvm::Value* first) {
    llvm::Value* overwrite = builder_.CreateAnd(first, betaIsZero_);
    llvm::Value* betaHere =
        builder_.CreateSelect(first, beta_.re, llvm::ConstantFP::get(ops_.componentType(), 1.0));
    llvm::Value* columnBase = tableAt(CN, n0);
    llvm::Value* full = builder_.CreateAnd(builder_.CreateICmpEQ(mv, constant(gemm_.mr)),
                                           builder_.CreateICmpEQ(nv, constant(nr_)));
    // The tile's columns are consecutive in out when N's innermost label has unit stride and
    // the tile does not cross the end of one run of it.
    llvm::Value* consecutive = builder_.getFalse();
    std::size_t innermost = gemm_.n.back();
    if (nest_.output.strides[innermost].known == std::optional<std::int64_t>(1)) {
      std::int64_t extent = nest_.labels[innermost].extent;
      consecutive = builder_.CreateICmpSLE(
          builder_.CreateAdd(builder_.CreateURem(n0, constant(extent)), nv), constant(extent));
    }
    auto* registers = llvm::BasicBlock::Create(module_.getContext(), "tile.registers", function_);
    auto* spilled = llvm::BasicBlock::Create(module_.getContext(), "tile.spilled", function_);
    auto* done = llvm::BasicBlock::Create(module_.getContext(), "tile.done", function_);
    builder_.CreateCondBr(builder_.CreateAnd(full, consecutive), registers, spilled);

    // A whole tile: straight from the accumulators.
    builder_.SetInsertPoint(registers);
    emitIf(overwrite, [&](bool plain) {
      for (int row = 0; row < gemm_.mr; ++row) {
        llvm::Value* rowOffset =
            builder_.CreateAdd(tableAt(CM, builder_.CreateAdd(m0, constant(row))), columnBase);
        for (int vector = 0; vector < gemm_.vectors; ++vector)
          storeOne(ops_.read(accumulator(row, vector)), cBase,
                   builder_.CreateAdd(rowOffset, constant(vector * gemm_.lanes)), gemm_.lanes,
                   plain, betaHere);
      }
    });
    builder_.CreateBr(done);

    // An edge tile, or columns apart in out: spilled to a stack copy and stored element by
    // element by the runtime (runtime/PackedEdges.h).
    builder_.SetInsertPoint(spilled);
    if (!tile_) {
      llvm::IRBuilder<> entry(&function_->getEntryBlock(), function_->getEntryBlock().begin());
      tile_ = entry.CreateAlloca(ops_.componentType(), constant(gemm_.mr * nr_), "tile");
    }
    for (int row = 0; row < gemm_.mr; ++row)
      for (int vector = 0; vector < gemm_.vectors; ++vector)
        ops_.store(ops_.read(accumulator(row, vector)), tile_,
                   constant(row * nr_ + vector * gemm_.lanes), gemm_.lanes, nullptr);
    llvm::FunctionCallee storeTile =
        typedRuntimeFunction(abi::Function::StoreTileF32, abi::Function::StoreTileF64);
    builder_.CreateCall(storeTile, {tile_, constant(nr_), cBase, tableFrom(CM, m0),
                                    tableFrom(CN, n0), mv, nv, alpha_.re, betaHere,
                                    builder_.CreateZExt(overwrite, builder_.getInt32Ty())});
    builder_.CreateBr(done);
    builder_.SetInsertPoint(done);
  }

  // ---- loops and arithmetic ----------------------------------------------------------------

  llvm::Value* minOf(llvm::Value* x, llvm::Value* y) {
    return builder_.CreateSelect(builder_.CreateICmpSLT(x, y), x, y);
  }
  llvm::Value* maxOf(llvm::Value* x, llvm::Value* y) {
    return builder_.CreateSelect(builder_.CreateICmpSGT(x, y), x, y);
  }

  /// for (iv = begin; iv < end; iv += step) body(iv).
  void emitLoop(llvm::Value* begin, llvm::Value* end, std::int64_t step,
                const std::function<void(llvm::Value*)>& body, bool asWritten = true) {
    emitCountedLoop(builder_, begin, end, step, body, asWritten ? loopAsWritten() : nullptr);
  }

  /// Loop metadata that keeps LLVM from vectorizing or unrolling a loop: the vectors are
  /// explicit already, and the copies and stores would only grow (and slow the compile).
  llvm::MDNode* loopAsWritten() {
    llvm::LLVMContext& context = module_.getContext();
    auto flag = [&](const char* name, llvm::Metadata* value) {
      return llvm::MDNode::get(context, {llvm::MDString::get(context, name), value});
    };
    llvm::Metadata* no = llvm::ConstantAsMetadata::get(builder_.getFalse());
    llvm::SmallVector<llvm::Metadata*, 4> operands{
        nullptr, flag("llvm.loop.vectorize.enable", no),
        llvm::MDNode::get(context, {llvm::MDString::get(context, "llvm.loop.unroll.disable")})};
    llvm::MDNode* node = llvm::MDNode::getDistinct(context, operands);
    node->replaceOperandWith(0, node);
    return node;
  }

  const ir::LoopNest& nest_;
  const ir::PackedGemm& gemm_;
  llvm::Module& module_;
  const llvm::TargetMachine& machine_;
  llvm::IRBuilder<> builder_;
  ElementOps ops_;
  std::int64_t size_;
  std::int64_t m_, n_, k_, batch_;
  std::int64_t nr_;
  std::int64_t tiles_; ///< NR-column units per batch point
  ScratchLayout layout_;
  llvm::Function* function_ = nullptr;
  std::vector<llvm::Value*> bases_;
  std::vector<std::vector<llvm::Value*>> strides_;
  Element alpha_;
  Element beta_;
  llvm::Value* betaIsZero_ = nullptr;
  std::vector<llvm::Value*> tables_;
  llvm::Function* packA_ = nullptr;
  llvm::Function* packB_ = nullptr;
  llvm::Value* aBlock_ = nullptr;
  llvm::Value* bBlock_ = nullptr;
  std::vector<Slot> accumulators_;
  llvm::Value* tile_ = nullptr;
};

} // namespace

std::int64_t packedScratchBytes(const ir::LoopNest& nest) {
  return nest.packed ? scratchLayout(nest).total() : 0;
}

void buildPackedKernel(const ir::LoopNest& nest, llvm::Module& module,
                       const llvm::TargetMachine& machine, const std::string& symbol) {
  PackedKernelBuilder(nest, module, machine).build(symbol);
}

} // namespace einjit::codegen
