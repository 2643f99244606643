// The packed kernel's micro-kernel and tile store (PackedKernelBuilder.h).
//
// Their contract:
//   * The micro-kernel multiplies one packed MR-row panel of A (k-major: MR values per k) by one
//     packed NR-column panel of B (NR values per k) over kc values of k, into MR × vectors
//     accumulators of `lanes` values held in registers (NR = vectors × lanes): per k it loads
//     the B row's vectors and broadcasts MR values of A into llvm.fma. It computes whole rows
//     of vectors, past the operands' edges too (packing zero-fills the panels there), but only
//     as many vectors as the caller asks: the last panel of N takes fewer where its columns fit,
//     the others' sums staying zero.
//     With bf16 pair panels the step is a pair of K indices: one 32-bit word (two bf16) of A
//     broadcast, and llvm.x86.avx512bf16.dpbf16ps, which adds both products into each f32
//     lane; an odd K's last pair is completed by a zero.
//   * The tile's valid part, mv ≤ MR rows by nv ≤ NR columns, is stored through the output's
//     offset tables (row r at rowOffsets[r], column c at columnOffsets[c]): as alpha * acc +
//     beta * out on the first K block (out not read when beta is zero) and added to out
//     (alpha * acc + out) on later ones. A tile whose columns are consecutive in out (they lie in
//     one run of N's labels that out stores densely) is stored with vector loads and stores,
//     masked past mv rows and nv columns on an edge; any other tile is spilled to a stack copy
//     that the runtime stores element by element (runtime/PackedEdges.h). Nothing outside the
//     valid part is read or written.
//   * Tests run it alone (buildMicroKernel, MicroKernelEntry) on every edge mv < MR, nv < NR.
#include "codegen/PackedKernelBuilder.h"

#include <llvm/IR/IntrinsicsX86.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/raw_ostream.h>

namespace einjit::codegen {

namespace abi = runtime::abi;

Slot PackedKernelBuilder::accumulator(int row, int vector) {
  std::size_t index = static_cast<std::size_t>(row * gemm_.vectors + vector);
  if (accumulators_.empty())
    for (int s = 0; s < gemm_.mr * gemm_.vectors; ++s)
      accumulators_.push_back(compute_.allocateSlot(gemm_.lanes));
  return accumulators_[index];
}

void PackedKernelBuilder::emitMicroKernel(llvm::Value* aPanel, llvm::Value* bPanel, llvm::Value* kc,
                                          int vectors) {
  for (int row = 0; row < gemm_.mr; ++row)
    for (int vector = 0; vector < gemm_.vectors; ++vector)
      compute_.write(accumulator(row, vector), compute_.zero(gemm_.lanes));
  if (pairs_) {
    emitPairsLoop(aPanel, bPanel, kc, vectors);
    return;
  }
  emitLoop(
      constant(0), kc, 1,
      [&](llvm::Value* k) {
        std::vector<Element> b;
        llvm::Value* bRow = builder_.CreateMul(k, constant(nr_));
        for (int vector = 0; vector < vectors; ++vector)
          b.push_back(compute_.load(bPanel,
                                    builder_.CreateAdd(bRow, constant(vector * gemm_.lanes)),
                                    gemm_.lanes, nullptr));
        llvm::Value* aRow = builder_.CreateMul(k, constant(gemm_.mr));
        for (int row = 0; row < gemm_.mr; ++row) {
          Element a = compute_.broadcast(
              compute_.load(aPanel, builder_.CreateAdd(aRow, constant(row)), 1, nullptr),
              gemm_.lanes);
          for (int vector = 0; vector < vectors; ++vector) {
            Slot slot = accumulator(row, vector);
            compute_.write(slot, compute_.multiplyAdd(a, b[vector], compute_.read(slot)));
          }
        }
      },
      false);
}

void PackedKernelBuilder::emitPairsLoop(llvm::Value* aPanel, llvm::Value* bPanel, llvm::Value* kc,
                                        int vectors) {
  llvm::LLVMContext& context = module_.getContext();
  int lanes = gemm_.lanes;
  llvm::Intrinsic::ID dot = lanes == 16  ? llvm::Intrinsic::x86_avx512bf16_dpbf16ps_512
                            : lanes == 8 ? llvm::Intrinsic::x86_avx512bf16_dpbf16ps_256
                                         : llvm::Intrinsic::x86_avx512bf16_dpbf16ps_128;
  auto* pairVector = llvm::FixedVectorType::get(llvm::Type::getBFloatTy(context),
                                                static_cast<unsigned>(2 * lanes));
  auto* words = llvm::FixedVectorType::get(builder_.getInt32Ty(), static_cast<unsigned>(lanes));
  llvm::Function* dotProduct = llvm::Intrinsic::getDeclaration(&module_, dot);
  llvm::Value* pairs = builder_.CreateLShr(panelDepth(kc), constant(1));
  // Panels are arrays of i32 words here: one word is a pair of K indices of one row.
  emitLoop(
      constant(0), pairs, 1,
      [&](llvm::Value* pair) {
        std::vector<llvm::Value*> b;
        llvm::Value* bRow = builder_.CreateMul(pair, constant(nr_));
        for (int vector = 0; vector < vectors; ++vector)
          b.push_back(builder_.CreateBitCast(
              builder_.CreateAlignedLoad(
                  words,
                  builder_.CreateGEP(builder_.getInt32Ty(), bPanel,
                                     builder_.CreateAdd(bRow, constant(vector * lanes))),
                  llvm::Align(4)),
              pairVector));
        llvm::Value* aRow = builder_.CreateMul(pair, constant(gemm_.mr));
        for (int row = 0; row < gemm_.mr; ++row) {
          llvm::Value* word = builder_.CreateAlignedLoad(
              builder_.getInt32Ty(),
              builder_.CreateGEP(builder_.getInt32Ty(), aPanel,
                                 builder_.CreateAdd(aRow, constant(row))),
              llvm::Align(4));
          llvm::Value* a = builder_.CreateBitCast(
              builder_.CreateVectorSplat(static_cast<unsigned>(lanes), word), pairVector);
          for (int vector = 0; vector < vectors; ++vector) {
            Slot slot = accumulator(row, vector);
            compute_.write(slot, Element{builder_.CreateCall(
                                     dotProduct, {compute_.read(slot).re, a, b[vector]})});
          }
        }
      },
      false);
}

void PackedKernelBuilder::storeOne(Element value, llvm::Value* cBase, llvm::Value* offset,
                                   int lanes, bool plain, llvm::Value* betaHere,
                                   llvm::Value* mask) {
  value = ops_.multiply(ops_.broadcast(alpha_, lanes), value);
  if (!plain) {
    Element old = mask ? outOps_.maskedLoad(cBase, offset, lanes, mask)
                       : outOps_.load(cBase, offset, lanes, nullptr);
    value = ops_.multiplyAdd(ops_.broadcast(Element{betaHere}, lanes), old, value);
  }
  if (mask)
    outOps_.maskedStore(value, cBase, offset, mask);
  else
    outOps_.store(value, cBase, offset, lanes, nullptr);
}

llvm::Value* PackedKernelBuilder::columnMask(llvm::Value* count) {
  std::vector<llvm::Constant*> lanes;
  for (int lane = 0; lane < gemm_.lanes; ++lane)
    lanes.push_back(llvm::ConstantInt::get(i64(), static_cast<std::uint64_t>(lane)));
  return builder_.CreateICmpSLT(
      llvm::ConstantVector::get(lanes),
      builder_.CreateVectorSplat(static_cast<unsigned>(gemm_.lanes), count));
}

void PackedKernelBuilder::emitStore(llvm::Value* cBase, llvm::Value* m0, llvm::Value* mv,
                                    llvm::Value* n0, llvm::Value* nv, llvm::Value* first) {
  llvm::Value* overwrite = builder_.CreateAnd(first, betaIsZero_);
  llvm::Value* betaHere =
      builder_.CreateSelect(first, beta_.re, llvm::ConstantFP::get(ops_.componentType(), 1.0));
  llvm::Value* columnBase = tableAt(CN, n0);
  llvm::Value* full = builder_.CreateAnd(builder_.CreateICmpEQ(mv, constant(gemm_.mr)),
                                         builder_.CreateICmpEQ(nv, constant(nr_)));
  // The tile's columns are consecutive in out when they lie in one run of N's labels that out
  // stores densely: the innermost of unit stride, each further one (outwards) strided by the
  // extents inside it (out[p,r,k,l] with N = [r,k,l] is one run of 2880, not runs of 3).
  llvm::Value* consecutive = builder_.getFalse();
  std::int64_t run = 1;
  for (auto label = gemm_.n.rbegin(); label != gemm_.n.rend(); ++label) {
    if (nest_.output.strides[*label].known != std::optional<std::int64_t>(run))
      break;
    run *= nest_.labels[*label].extent;
  }
  if (run > 1)
    consecutive = builder_.CreateICmpSLE(
        builder_.CreateAdd(builder_.CreateURem(n0, constant(run)), nv), constant(run));
  auto* registers = llvm::BasicBlock::Create(module_.getContext(), "tile.registers", function_);
  auto* spilled = llvm::BasicBlock::Create(module_.getContext(), "tile.spilled", function_);
  auto* done = llvm::BasicBlock::Create(module_.getContext(), "tile.done", function_);
  // Tiles are all whole where MR and NR divide M and N: the masked stores would never run, and
  // are not compiled (a packed kernel's compile time grows with its code).
  bool edgeTiles = m_ % gemm_.mr != 0 || n_ % nr_ != 0;
  builder_.CreateCondBr(edgeTiles ? consecutive : builder_.CreateAnd(full, consecutive), registers,
                        spilled);

  // Columns consecutive in out: straight from the accumulators. An edge tile masks the lanes
  // past nv and the rows past mv (whose row offsets it reads at row mv - 1, inside the table):
  // element by element through the runtime, the edges of AUTOINT's 26 x 26 x 8 products took a
  // fifth of its time (Zen 4, perf).
  builder_.SetInsertPoint(registers);
  auto storeFromRegisters = [&](bool whole) {
    emitIf(overwrite, [&](bool plain) {
      for (int row = 0; row < gemm_.mr; ++row) {
        llvm::Value* index = builder_.CreateAdd(m0, constant(row));
        if (!whole)
          index = minOf(index, builder_.CreateSub(builder_.CreateAdd(m0, mv), constant(1)));
        llvm::Value* rowOffset = builder_.CreateAdd(tableAt(CM, index), columnBase);
        for (int vector = 0; vector < gemm_.vectors; ++vector) {
          llvm::Value* mask =
              whole ? nullptr
                    : builder_.CreateAnd(
                          builder_.CreateVectorSplat(static_cast<unsigned>(gemm_.lanes),
                                                     builder_.CreateICmpSLT(constant(row), mv)),
                          columnMask(builder_.CreateSub(nv, constant(vector * gemm_.lanes))));
          storeOne(ops_.read(accumulator(row, vector)), cBase,
                   builder_.CreateAdd(rowOffset, constant(vector * gemm_.lanes)), gemm_.lanes,
                   plain, betaHere, mask);
        }
      }
    });
  };
  if (edgeTiles)
    emitIf(full, storeFromRegisters);
  else
    storeFromRegisters(true);
  builder_.CreateBr(done);

  // Columns apart in out: spilled to a stack copy and stored element by element by the runtime
  // (runtime/PackedEdges.h).
  builder_.SetInsertPoint(spilled);
  if (!tile_) {
    llvm::IRBuilder<> entry(&function_->getEntryBlock(), function_->getEntryBlock().begin());
    tile_ = entry.CreateAlloca(compute_.componentType(), constant(gemm_.mr * nr_), "tile");
  }
  for (int row = 0; row < gemm_.mr; ++row)
    for (int vector = 0; vector < gemm_.vectors; ++vector)
      compute_.store(compute_.read(accumulator(row, vector)), tile_,
                     constant(row * nr_ + vector * gemm_.lanes), gemm_.lanes, nullptr);
  llvm::FunctionCallee storeTile = storeTileFunction();
  builder_.CreateCall(storeTile,
                      {tile_, constant(nr_), cBase, tableFrom(CM, m0), tableFrom(CN, n0), mv, nv,
                       alpha_.re, betaHere, builder_.CreateZExt(overwrite, builder_.getInt32Ty())});
  builder_.CreateBr(done);
  builder_.SetInsertPoint(done);
}

void PackedKernelBuilder::emitBlockStore(llvm::Value* m0, llvm::Value* n0, llvm::Value* first) {
  emitIf(first, [&](bool store) {
    for (int row = 0; row < gemm_.mr; ++row) {
      llvm::Value* rowOffset = builder_.CreateAdd(
          builder_.CreateMul(builder_.CreateAdd(m0, constant(row)), constant(gemm_.nc)), n0);
      for (int vector = 0; vector < gemm_.vectors; ++vector) {
        llvm::Value* offset = builder_.CreateAdd(rowOffset, constant(vector * gemm_.lanes));
        Element sum = compute_.read(accumulator(row, vector));
        if (!store)
          sum = compute_.add(compute_.load(cBlock_, offset, gemm_.lanes, nullptr), sum);
        compute_.store(sum, cBlock_, offset, gemm_.lanes, nullptr);
      }
    }
  });
}

void PackedKernelBuilder::emitBlockToOutput(llvm::Value* cBase, llvm::Value* m0, llvm::Value* mv,
                                            llvm::Value* n0, llvm::Value* nv) {
  // Through the runtime's tile store, which reads the output's offset tables: once per MC × NC
  // block after all of K, a small share of the work (K here exceeds one K block).
  llvm::FunctionCallee storeTile = storeTileFunction();
  builder_.CreateCall(storeTile, {cBlock_, constant(gemm_.nc), cBase, tableFrom(CM, m0),
                                  tableFrom(CN, n0), mv, nv, alpha_.re, beta_.re,
                                  builder_.CreateZExt(betaIsZero_, builder_.getInt32Ty())});
}

void PackedKernelBuilder::buildMicroKernel(const std::string& symbol) {
  llvm::Type* pointer = builder_.getPtrTy();
  auto* type = llvm::FunctionType::get(builder_.getVoidTy(),
                                       {pointer, pointer, i64(), pointer, pointer, pointer, i64(),
                                        i64(), pointer, pointer, builder_.getInt32Ty()},
                                       false);
  auto* function = llvm::Function::Create(type, llvm::Function::ExternalLinkage, symbol, module_);
  startFunction(function);
  auto argument = [&](unsigned a) { return function->getArg(a); };
  // The output's offset tables are the caller's; the tile is the one at row 0, column 0.
  tables_.assign(6, nullptr);
  tables_[CM] = argument(4);
  tables_[CN] = argument(5);
  alpha_ = ops_.loadScalar(argument(8));
  beta_ = ops_.loadScalar(argument(9));
  betaIsZero_ = ops_.isZero(beta_);
  emitMicroKernel(argument(0), argument(1), argument(2), gemm_.vectors);
  emitStore(argument(3), constant(0), argument(6), constant(0), argument(7),
            builder_.CreateICmpNE(argument(10), builder_.getInt32(0)));
  builder_.CreateRetVoid();
}

std::string compileMicroKernel(const ir::LoopNest& nest, const TargetDesc& target,
                               const std::string& symbol) {
  if (!nest.packed)
    codegenFailure("build", "a micro-kernel needs a packed loop nest");
  llvm::LLVMContext context;
  std::unique_ptr<llvm::TargetMachine> machine = createTargetMachine(target);
  auto module = std::make_unique<llvm::Module>("einjit.micro." + symbol, context);
  module->setTargetTriple(machine->getTargetTriple().str());
  module->setDataLayout(machine->createDataLayout());
  PackedKernelBuilder(nest, *module, *machine).buildMicroKernel(symbol);
  std::string problems;
  llvm::raw_string_ostream stream(problems);
  if (llvm::verifyModule(*module, &stream))
    codegenFailure("verify", "the micro-kernel module is invalid: " + problems);
  optimizeModule(*module, *machine);
  return emitMachineCode(*module, *machine, llvm::CodeGenFileType::ObjectFile);
}

} // namespace einjit::codegen
