// The packed strategy's kernel (ir/PackedGemm.h) as LLVM IR, with the KernelEntry ABI
// (runtime/KernelAbi.h): the driver. The packing copies are PackedPacking.cpp, the micro-kernel
// and its tile store MicroKernel.cpp, each with its part of the contract.
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
//   * The BLIS loops: per batch point and NC columns, per KC block of K, B's block is packed;
//     per MC rows, A's block; then one micro-kernel call and one tile store per MR × NR tile.
//   * bf16 and f16 compute in f32 (ir::Panels): the packing widens them to f32, or packs bf16
//     K pairs for vdpbf16ps, and the output is rounded once. When K takes one block the tile
//     store rounds; when it takes several, the loops run per NC columns, per MC rows, per KC
//     block (B packed again per MC rows), summing whole tiles into an f32 C block in scratch,
//     which is stored with alpha and beta, rounded once, after the last K block.
#include "codegen/PackedKernelBuilder.h"

#include <algorithm>

namespace einjit::codegen {

namespace {

constexpr std::int64_t kBufferAlignment = 64;

std::int64_t alignUp(std::int64_t value) {
  return (value + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
}

} // namespace

namespace abi = runtime::abi;

ScratchLayout scratchLayout(const ir::LoopNest& nest) {
  const ir::PackedGemm& gemm = *nest.packed;
  std::int64_t size = ir::panelValueBytes(nest);
  std::int64_t depth = ir::panelDepth(nest);
  std::int64_t m = ir::groupExtent(nest, gemm.m);
  std::int64_t n = ir::groupExtent(nest, gemm.n);
  std::int64_t k = ir::groupExtent(nest, gemm.k);
  return {alignUp(16 * (m + n + k)), alignUp(gemm.mc * depth * size),
          alignUp(gemm.nc * depth * size),
          ir::summedInF32Block(nest) ? alignUp(gemm.mc * gemm.nc * 4) : 0};
}

void PackedKernelBuilder::build(const std::string& symbol) {
  packA_ = buildPackFunction(symbol + ".pack_a", gemm_.a, gemm_.m, gemm_.mr);
  packB_ = buildPackFunction(symbol + ".pack_b", gemm_.b, gemm_.n, nr_);
  llvm::Function* units = buildUnitsFunction(symbol + ".units");
  buildEntry(symbol, units);
}

void PackedKernelBuilder::addTargetAttributes(llvm::Function& function) const {
  function.addFnAttr(llvm::Attribute::NoUnwind);
  function.addFnAttr("target-cpu", machine_.getTargetCPU());
  function.addFnAttr("target-features", machine_.getTargetFeatureString());
}

llvm::FunctionCallee PackedKernelBuilder::runtimeFunction(abi::Function function) {
  return declareRuntimeFunction(module_, function);
}

llvm::FunctionCallee PackedKernelBuilder::typedRuntimeFunction(abi::Function f32, abi::Function f64,
                                                               abi::Function bf16,
                                                               abi::Function f16) {
  switch (nest_.dtype) {
  case DType::f64:
    return runtimeFunction(f64);
  case DType::bf16:
    return runtimeFunction(bf16);
  case DType::f16:
    return runtimeFunction(f16);
  default:
    return runtimeFunction(f32);
  }
}

llvm::FunctionCallee PackedKernelBuilder::storeTileFunction() {
  switch (nest_.resultDtype()) {
  case DType::f64:
    return runtimeFunction(abi::Function::StoreTileF64);
  case DType::bf16:
    return runtimeFunction(abi::Function::StoreTileBF16);
  case DType::f16:
    return runtimeFunction(abi::Function::StoreTileF16);
  default:
    return runtimeFunction(abi::Function::StoreTileF32);
  }
}

llvm::Type* PackedKernelBuilder::panelType() {
  return pairs_ ? builder_.getInt16Ty() : compute_.componentType();
}

llvm::Value* PackedKernelBuilder::panelDepth(llvm::Value* kc) {
  return pairs_ ? builder_.CreateAdd(kc, builder_.CreateAnd(kc, constant(1))) : kc;
}

void PackedKernelBuilder::startFunction(llvm::Function* function) {
  function_ = function;
  addTargetAttributes(*function);
  builder_.SetInsertPoint(llvm::BasicBlock::Create(module_.getContext(), "entry", function));
}

void PackedKernelBuilder::buildEntry(const std::string& symbol, llvm::Function* units) {
  llvm::Type* pointer = builder_.getPtrTy();
  llvm::Function* entry = createKernelEntry(module_, symbol);
  startFunction(entry);
  llvm::Value* context =
      builder_.CreateAlloca(llvm::ArrayType::get(pointer, kPackedKernelArguments), nullptr, "ctx");
  for (unsigned a = 0; a < kPackedKernelArguments; ++a)
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

llvm::Function* PackedKernelBuilder::buildUnitsFunction(const std::string& name) {
  llvm::Type* pointer = builder_.getPtrTy();
  llvm::Function* function = createLoopBody(module_, name);
  startFunction(function);
  std::array<llvm::Value*, kPackedKernelArguments> arguments{};
  for (unsigned a = 0; a < kPackedKernelArguments; ++a)
    arguments[a] =
        builder_.CreateLoad(pointer, builder_.CreateConstGEP1_64(pointer, function->getArg(0), a));
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
  llvm::Value* endBatch = builder_.CreateUDiv(builder_.CreateAdd(hi, constant(tiles_ - 1)), tiles);
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

const ir::TensorAccess& PackedKernelBuilder::tensor(std::size_t t) const {
  return t < nest_.inputs.size() ? nest_.inputs[t] : nest_.output;
}

void PackedKernelBuilder::loadArguments(
    const std::array<llvm::Value*, kPackedKernelArguments>& arguments) {
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

llvm::Value* PackedKernelBuilder::allocateScratch() {
  return builder_.CreateCall(runtimeFunction(abi::Function::Scratch), {constant(layout_.total())});
}

void PackedKernelBuilder::carveScratch(llvm::Value* scratch) {
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
  cBlock_ = at(layout_.tables + layout_.aBlock + layout_.bBlock);
}

llvm::Value* PackedKernelBuilder::offsetOf(llvm::Value* index,
                                           const std::vector<std::size_t>& labels,
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

void PackedKernelBuilder::fillTables() {
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

llvm::Value* PackedKernelBuilder::entryFrom(llvm::Value* table, llvm::Value* index) {
  return builder_.CreateGEP(i64(), table, index);
}

llvm::Value* PackedKernelBuilder::entryAt(llvm::Value* table, llvm::Value* index) {
  return builder_.CreateLoad(i64(), entryFrom(table, index));
}

llvm::Value* PackedKernelBuilder::tableFrom(Table table, llvm::Value* index) {
  return entryFrom(tables_[table], index);
}

void PackedKernelBuilder::emitBatchPoint(llvm::Value* point, llvm::Value* nLo, llvm::Value* nHi) {
  llvm::Type* stored = ops_.storageType();
  llvm::Value* aBase =
      builder_.CreateGEP(stored, bases_[gemm_.a], offsetOf(point, gemm_.batch, gemm_.a));
  llvm::Value* bBase =
      builder_.CreateGEP(stored, bases_[gemm_.b], offsetOf(point, gemm_.batch, gemm_.b));
  llvm::Value* cBase = builder_.CreateGEP(outOps_.storageType(), bases_[outputTensor()],
                                          offsetOf(point, gemm_.batch, outputTensor()));
  // The MR × NR tiles of one packed A block by one packed B block.
  auto tiles = [&](llvm::Value* ic, llvm::Value* mc, llvm::Value* jc, llvm::Value* nc,
                   llvm::Value* kc, llvm::Value* first) {
    llvm::Value* depth = panelDepth(kc);
    emitLoop(constant(0), nc, nr_, [&](llvm::Value* jr) {
      llvm::Value* bPanel = builder_.CreateGEP(panelType(), bBlock_, builder_.CreateMul(jr, depth));
      // The last panel of N in fewer vectors where its columns fit: ViT's 197 columns end in 5,
      // which a 32-column tile computed whole.
      llvm::Value* narrow = builder_.CreateICmpSLE(builder_.CreateSub(nc, jr),
                                                   constant((gemm_.vectors - 1) * gemm_.lanes));
      emitLoop(constant(0), mc, gemm_.mr, [&](llvm::Value* ir) {
        llvm::Value* aPanel =
            builder_.CreateGEP(panelType(), aBlock_, builder_.CreateMul(ir, depth));
        // Only where N leaves such a panel: the other micro-kernel would never run.
        std::int64_t lastColumns = n_ % nr_;
        if (gemm_.vectors > 1 && lastColumns > 0 &&
            lastColumns <= (gemm_.vectors - 1) * gemm_.lanes)
          emitIf(narrow, [&](bool fewer) {
            emitMicroKernel(aPanel, bPanel, kc, fewer ? gemm_.vectors - 1 : gemm_.vectors);
          });
        else
          emitMicroKernel(aPanel, bPanel, kc, gemm_.vectors);
        if (inF32Block_)
          emitBlockStore(ir, jr, first);
        else
          emitStore(cBase, builder_.CreateAdd(ic, ir),
                    minOf(builder_.CreateSub(mc, ir), constant(gemm_.mr)),
                    builder_.CreateAdd(jc, jr), minOf(builder_.CreateSub(nc, jr), constant(nr_)),
                    first);
      });
    });
  };
  auto kBlock = [&](llvm::Value* pc) {
    return minOf(builder_.CreateSub(constant(k_), pc), constant(gemm_.kc));
  };
  emitLoop(nLo, nHi, gemm_.nc, [&](llvm::Value* jc) {
    llvm::Value* nc = minOf(builder_.CreateSub(nHi, jc), constant(gemm_.nc));
    if (inF32Block_) {
      // A 16-bit C is summed over all of K in the f32 C block, one block of MC rows at a time,
      // then rounded once: B is packed again per MC rows (a 1/MC share of the work).
      emitLoop(constant(0), constant(m_), gemm_.mc, [&](llvm::Value* ic) {
        llvm::Value* mc = minOf(builder_.CreateSub(constant(m_), ic), constant(gemm_.mc));
        emitLoop(constant(0), constant(k_), gemm_.kc, [&](llvm::Value* pc) {
          llvm::Value* kc = kBlock(pc);
          packB(bBase, jc, nc, pc, kc);
          packA(aBase, ic, mc, pc, kc);
          tiles(ic, mc, jc, nc, kc, builder_.CreateICmpEQ(pc, constant(0)));
        });
        emitBlockToOutput(cBase, ic, mc, jc, nc);
      });
      return;
    }
    emitLoop(constant(0), constant(k_), gemm_.kc, [&](llvm::Value* pc) {
      llvm::Value* kc = kBlock(pc);
      llvm::Value* first = builder_.CreateICmpEQ(pc, constant(0));
      packB(bBase, jc, nc, pc, kc);
      emitLoop(constant(0), constant(m_), gemm_.mc, [&](llvm::Value* ic) {
        llvm::Value* mc = minOf(builder_.CreateSub(constant(m_), ic), constant(gemm_.mc));
        packA(aBase, ic, mc, pc, kc);
        tiles(ic, mc, jc, nc, kc, first);
      });
    });
  });
}

void PackedKernelBuilder::emitIf(llvm::Value* condition, const std::function<void(bool)>& body) {
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

llvm::Value* PackedKernelBuilder::minOf(llvm::Value* x, llvm::Value* y) {
  return builder_.CreateSelect(builder_.CreateICmpSLT(x, y), x, y);
}

llvm::Value* PackedKernelBuilder::maxOf(llvm::Value* x, llvm::Value* y) {
  return builder_.CreateSelect(builder_.CreateICmpSGT(x, y), x, y);
}

void PackedKernelBuilder::emitLoop(llvm::Value* begin, llvm::Value* end, std::int64_t step,
                                   const std::function<void(llvm::Value*)>& body, bool asWritten) {
  emitCountedLoop(builder_, begin, end, step, body, asWritten ? loopAsWritten() : nullptr);
}

llvm::MDNode* PackedKernelBuilder::loopAsWritten() {
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

std::int64_t packedScratchBytes(const ir::LoopNest& nest) {
  return nest.packed ? scratchLayout(nest).total() : 0;
}

void buildPackedKernel(const ir::LoopNest& nest, llvm::Module& module,
                       const llvm::TargetMachine& machine, const std::string& symbol) {
  PackedKernelBuilder(nest, module, machine).build(symbol);
}

} // namespace einjit::codegen
