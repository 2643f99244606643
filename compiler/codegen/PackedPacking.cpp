// The packed kernel's packing copies (PackedKernelBuilder.h).
//
// Their contract: packing copies A[ic.., pc..] into MR-row micro-panels (k-major, MR values per
// k) and B[pc.., jc..] into NR-column micro-panels (NR values per k), zero beyond the edges, so
// the micro-kernel always computes a full MR × NR tile; any stride or permutation of A and B is
// folded into the offset tables the copies read through. The copies are functions of their own,
// `<symbol>.pack_a` and `.pack_b`, marked for codegen to compile beside the rest
// (kPartAttribute). Rows that are neither consecutive nor K-consecutive, edge panels, and what a
// K run leaves past its whole vectors (past four-lane transposes where K is shorter than a vector)
// are copied by the runtime (runtime/PackedEdges.h) rather than by code of their own in every
// kernel.
#include "codegen/PackedKernelBuilder.h"
#include "codegen/TransposeTile.h"

#include <algorithm>

namespace einjit::codegen {

namespace abi = runtime::abi;

namespace {

/// The narrowest transpose for the end of a K run: four lanes (a 128-bit vector of f32); below
/// that the runtime's element copy is as fast.
constexpr int kMinTransposeLanes = 4;

} // namespace

llvm::Function* PackedKernelBuilder::buildPackFunction(const std::string& name,
                                                       std::size_t tensorIndex,
                                                       const std::vector<std::size_t>& rowLabels,
                                                       std::int64_t width) {
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

bool PackedKernelBuilder::unitInnermost(std::size_t tensorIndex,
                                        const std::vector<std::size_t>& labels) const {
  return tensor(tensorIndex).strides[labels.back()].known == std::optional<std::int64_t>(1);
}

llvm::Value* PackedKernelBuilder::consecutivePanel(const PackSource& source, llvm::Value* begin,
                                                   llvm::Value* firstRow, llvm::Value* valid,
                                                   std::int64_t width) {
  if (!unitInnermost(source.tensor, *source.rowLabels))
    return builder_.getFalse();
  return builder_.CreateAnd(
      builder_.CreateICmpSLE(builder_.CreateAdd(firstRow, constant(width)), valid),
      withinRun(builder_.CreateAdd(begin, firstRow), constant(width), source.rowLabels->back()));
}

llvm::Value* PackedKernelBuilder::withinRun(llvm::Value* start, llvm::Value* count,
                                            std::size_t innermost) {
  llvm::Value* extent = constant(nest_.labels[innermost].extent);
  return builder_.CreateICmpSLE(builder_.CreateAdd(builder_.CreateURem(start, extent), count),
                                extent);
}

void PackedKernelBuilder::pack(const PackSource& source, llvm::Value* begin, llvm::Value* valid,
                               llvm::Value* pc, llvm::Value* kc, std::int64_t width,
                               llvm::Value* block) {
  if (pairs_) {
    packPairs(source, begin, valid, pc, kc, width, block);
    return;
  }
  llvm::Value* panels =
      builder_.CreateUDiv(builder_.CreateAdd(valid, constant(width - 1)), constant(width));
  emitLoop(constant(0), panels, 1, [&](llvm::Value* panel) {
    llvm::Value* firstRow = builder_.CreateMul(panel, constant(width));
    emitIf(consecutivePanel(source, begin, firstRow, valid, width), [&](bool vectors) {
      if (!vectors) {
        // Rows apart in memory. Where K is consecutive (a transposed operand), run by run of
        // K's innermost label: lanes × lanes blocks transposed in registers, the rest of the
        // run by the runtime; otherwise all of it element by element in the runtime
        // (runtime/PackedEdges.h).
        llvm::Value* panelBase = builder_.CreateMul(builder_.CreateMul(panel, kc), constant(width));
        auto copyRows = [&](llvm::Value* kFrom, llvm::Value* kTo) {
          llvm::FunctionCallee packRows =
              typedRuntimeFunction(abi::Function::PackRowsF32, abi::Function::PackRowsF64,
                                   abi::Function::PackRowsBF16, abi::Function::PackRowsF16);
          builder_.CreateCall(
              packRows, {source.base, entryFrom(source.rows, builder_.CreateAdd(begin, firstRow)),
                         minOf(builder_.CreateSub(valid, firstRow), constant(width)),
                         entryFrom(source.columns, pc), kFrom, kTo, constant(width),
                         builder_.CreateGEP(panelType(), block, panelBase)});
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
            // Whole vectors of the run, then halves down to four lanes: K runs shorter than a
            // vector (AUTOINT's and AlphaFold's K of 8 f32) went element by element.
            llvm::Value* kBase = entryAt(source.columns, builder_.CreateAdd(pc, runStart));
            llvm::Value* done = constant(0);
            // Only where K's innermost extent is shorter than a vector, so that no run has a
            // whole one: there the runtime copied everything. A longer run's rest is a fraction
            // of it, and each narrower transpose adds compile time (S5's runs of 24: no faster).
            bool shortRuns = nest_.labels[gemm_.k.back()].extent < gemm_.lanes;
            int narrowest = shortRuns ? std::min(gemm_.lanes, kMinTransposeLanes) : gemm_.lanes;
            for (int lanes = gemm_.lanes; lanes >= narrowest; lanes /= 2) {
              llvm::Value* left = builder_.CreateSub(runLength, done);
              llvm::Value* blocked =
                  builder_.CreateSub(left, builder_.CreateURem(left, constant(lanes)));
              llvm::Value* k = builder_.CreateAdd(runStart, done);
              packTransposed(source, builder_.CreateAdd(begin, firstRow),
                             builder_.CreateAdd(kBase, done), blocked, width, block,
                             builder_.CreateAdd(panelBase, builder_.CreateMul(k, constant(width))),
                             lanes);
              done = builder_.CreateAdd(done, blocked);
            }
            copyRows(builder_.CreateAdd(runStart, done), builder_.CreateAdd(runStart, runLength));
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
        compute_.store(row, block,
                       builder_.CreateAdd(panelBase, builder_.CreateMul(k, constant(width))),
                       static_cast<int>(width), nullptr);
      });
    });
  });
}

void PackedKernelBuilder::emitKRuns(llvm::Value* pc, llvm::Value* kc,
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

void PackedKernelBuilder::packTransposed(const PackSource& source, llvm::Value* firstRow,
                                         llvm::Value* kBase, llvm::Value* blocked,
                                         std::int64_t width, llvm::Value* block,
                                         llvm::Value* panelBase, int lanes) {
  packTransposed(
      source, firstRow, blocked, width, panelBase, lanes,
      [&](llvm::Value* rowOffset, llvm::Value* k0) {
        return ops_
            .load(source.base, builder_.CreateAdd(rowOffset, builder_.CreateAdd(kBase, k0)), lanes,
                  nullptr)
            .re;
      },
      [&](llvm::Value* value, llvm::Value* destination, int count) {
        compute_.store(Element{value}, block, destination, count, nullptr);
      });
}

void PackedKernelBuilder::packTransposed(const PackSource& source, llvm::Value* firstRow,
                                         llvm::Value* blocked, std::int64_t width,
                                         llvm::Value* panelBase, int lanes, const RowLoad& loadRow,
                                         const PanelStore& storeRow) {
  std::vector<llvm::Value*> rowOffsets;
  for (std::int64_t w = 0; w < width; ++w)
    rowOffsets.push_back(entryAt(source.rows, builder_.CreateAdd(firstRow, constant(w))));
  emitLoop(constant(0), blocked, lanes, [&](llvm::Value* k0) {
    if (width < lanes && (width & (width - 1)) == 0) {
      // Fewer rows than lanes (8-row panels of 16 floats): `width` loads, log2(width) rounds,
      // after which vector w holds K index q · width + w in its q-th group of `width` lanes.
      std::vector<llvm::Value*> rows;
      for (std::int64_t w = 0; w < width; ++w)
        rows.push_back(loadRow(rowOffsets[static_cast<std::size_t>(w)], k0));
      transposeInPlace(rows, lanes);
      for (std::int64_t w = 0; w < width; ++w)
        for (std::int64_t q = 0; q * width < lanes; ++q) {
          std::vector<int> group(static_cast<std::size_t>(width));
          for (std::int64_t lane = 0; lane < width; ++lane)
            group[static_cast<std::size_t>(lane)] = static_cast<int>(q * width + lane);
          llvm::Value* k = builder_.CreateAdd(k0, constant(q * width + w));
          storeRow(builder_.CreateShuffleVector(rows[static_cast<std::size_t>(w)], group),
                   builder_.CreateAdd(panelBase, builder_.CreateMul(k, constant(width))),
                   static_cast<int>(width));
        }
      return;
    }
    for (std::int64_t group = 0; group * lanes < width; ++group) {
      std::int64_t count = std::min<std::int64_t>(lanes, width - group * lanes);
      std::vector<llvm::Value*> rows;
      for (int r = 0; r < lanes; ++r) {
        std::int64_t row = group * lanes + std::min<std::int64_t>(r, count - 1);
        rows.push_back(loadRow(rowOffsets[static_cast<std::size_t>(row)], k0));
      }
      transposeInPlace(rows, lanes);
      for (int k = 0; k < lanes; ++k) {
        llvm::Value* destination = builder_.CreateAdd(
            panelBase, builder_.CreateAdd(
                           builder_.CreateMul(builder_.CreateAdd(k0, constant(k)), constant(width)),
                           constant(group * lanes)));
        llvm::Value* value = rows[k];
        if (count < lanes) {
          std::vector<int> first(static_cast<std::size_t>(count));
          for (std::int64_t lane = 0; lane < count; ++lane)
            first[static_cast<std::size_t>(lane)] = static_cast<int>(lane);
          value = builder_.CreateShuffleVector(value, first);
        }
        storeRow(value, destination, static_cast<int>(count));
      }
    }
  });
}

void PackedKernelBuilder::transposeInPlace(std::vector<llvm::Value*>& rows, int lanes) {
  codegen::transposeInPlace(builder_, rows, lanes);
}

void PackedKernelBuilder::packPairs(const PackSource& source, llvm::Value* begin,
                                    llvm::Value* valid, llvm::Value* pc, llvm::Value* kc,
                                    std::int64_t width, llvm::Value* block) {
  llvm::Type* i16 = builder_.getInt16Ty();
  auto* rowType = llvm::FixedVectorType::get(i16, static_cast<unsigned>(width));
  llvm::Value* depth = panelDepth(kc);
  llvm::Value* pairs = builder_.CreateLShr(depth, constant(1));
  llvm::Value* panels =
      builder_.CreateUDiv(builder_.CreateAdd(valid, constant(width - 1)), constant(width));
  // Lane 2w holds row w's lower K index, lane 2w + 1 its upper one.
  std::vector<int> interleave;
  for (int w = 0; w < width; ++w) {
    interleave.push_back(w);
    interleave.push_back(static_cast<int>(width) + w);
  }
  emitLoop(constant(0), panels, 1, [&](llvm::Value* panel) {
    llvm::Value* firstRow = builder_.CreateMul(panel, constant(width));
    llvm::Value* panelBase = builder_.CreateMul(panel, builder_.CreateMul(depth, constant(width)));
    emitIf(consecutivePanel(source, begin, firstRow, valid, width), [&](bool vectors) {
      if (!vectors) {
        auto copyRows = [&](llvm::Value* kFrom) {
          builder_.CreateCall(runtimeFunction(abi::Function::PackPairsBF16),
                              {source.base,
                               entryFrom(source.rows, builder_.CreateAdd(begin, firstRow)),
                               minOf(builder_.CreateSub(valid, firstRow), constant(width)),
                               entryFrom(source.columns, pc), kFrom, kc, constant(width),
                               builder_.CreateGEP(i16, block, panelBase)});
        };
        // K consecutive in memory (one K label of unit stride, as A of a row-major GEMM): a
        // pair of one row is one 32-bit word, so lanes x lanes blocks of words are transposed
        // in registers like f32 values; the last pairs (and an odd K's half pair) go to the
        // runtime.
        if (gemm_.k.size() != 1 || !unitInnermost(source.tensor, gemm_.k) || gemm_.lanes < 2) {
          copyRows(constant(0));
          return;
        }
        llvm::Value* full =
            builder_.CreateICmpSLE(builder_.CreateAdd(firstRow, constant(width)), valid);
        emitIf(full, [&](bool transpose) {
          if (!transpose) {
            copyRows(constant(0));
            return;
          }
          llvm::Value* wholePairs = builder_.CreateLShr(kc, constant(1));
          llvm::Value* blocked = builder_.CreateSub(
              wholePairs, builder_.CreateURem(wholePairs, constant(gemm_.lanes)));
          llvm::Type* word = builder_.getInt32Ty();
          auto* words = llvm::FixedVectorType::get(word, static_cast<unsigned>(gemm_.lanes));
          llvm::Value* kStart = entryAt(source.columns, pc);
          packTransposed(
              source, builder_.CreateAdd(begin, firstRow), blocked, width,
              builder_.CreateLShr(panelBase, constant(1)), gemm_.lanes,
              [&](llvm::Value* rowOffset, llvm::Value* pair) {
                llvm::Value* element = builder_.CreateAdd(builder_.CreateAdd(rowOffset, kStart),
                                                          builder_.CreateShl(pair, constant(1)));
                return builder_.CreateAlignedLoad(
                    words, builder_.CreateGEP(i16, source.base, element), llvm::Align(2));
              },
              [&](llvm::Value* value, llvm::Value* destination, int) {
                builder_.CreateAlignedStore(value, builder_.CreateGEP(word, block, destination),
                                            llvm::Align(4));
              });
          copyRows(builder_.CreateShl(blocked, constant(1)));
        });
        return;
      }
      llvm::Value* rowBase = entryAt(source.rows, builder_.CreateAdd(begin, firstRow));
      emitLoop(constant(0), pairs, 1, [&](llvm::Value* pair) {
        llvm::Value* k = builder_.CreateShl(pair, constant(1));
        auto rowAt = [&](llvm::Value* index) {
          llvm::Value* column = entryAt(source.columns, builder_.CreateAdd(pc, index));
          return builder_.CreateAlignedLoad(
              rowType, builder_.CreateGEP(i16, source.base, builder_.CreateAdd(rowBase, column)),
              llvm::Align(2));
        };
        llvm::Value* lower = rowAt(k);
        // An odd kc's last pair has no upper K index: zero, which adds nothing.
        llvm::Value* upperK = builder_.CreateAdd(k, constant(1));
        llvm::Value* upper = llvm::Constant::getNullValue(rowType);
        llvm::BasicBlock* before = builder_.GetInsertBlock();
        auto* load = llvm::BasicBlock::Create(module_.getContext(), "pair.upper", function_);
        auto* joined = llvm::BasicBlock::Create(module_.getContext(), "pair.joined", function_);
        builder_.CreateCondBr(builder_.CreateICmpSLT(upperK, kc), load, joined);
        builder_.SetInsertPoint(load);
        llvm::Value* loaded = rowAt(upperK);
        builder_.CreateBr(joined);
        builder_.SetInsertPoint(joined);
        llvm::PHINode* upperRow = builder_.CreatePHI(rowType, 2);
        upperRow->addIncoming(upper, before);
        upperRow->addIncoming(loaded, load);
        builder_.CreateAlignedStore(
            builder_.CreateShuffleVector(lower, upperRow, interleave),
            builder_.CreateGEP(
                i16, block, builder_.CreateAdd(panelBase, builder_.CreateMul(k, constant(width)))),
            llvm::Align(2));
      });
    });
  });
}

void PackedKernelBuilder::packA(llvm::Value* aBase, llvm::Value* ic, llvm::Value* mc,
                                llvm::Value* pc, llvm::Value* kc) {
  builder_.CreateCall(packA_, {aBase, tables_[AM], tables_[AK], ic, mc, pc, kc, aBlock_});
}

void PackedKernelBuilder::packB(llvm::Value* bBase, llvm::Value* jc, llvm::Value* nc,
                                llvm::Value* pc, llvm::Value* kc) {
  builder_.CreateCall(packB_, {bBase, tables_[BN], tables_[BK], jc, nc, pc, kc, bBlock_});
}

} // namespace einjit::codegen
