// The packed strategy's kernel builder, shared by the files that emit its parts: the driver (the
// entry, the units, scratch, offset tables and the BLIS loops: PackedKernel.cpp), the packing
// copies (PackedPacking.cpp) and the micro-kernel with its tile store (MicroKernel.cpp). Each of
// those files opens with its part of the kernel's contract. For the codegen .cpp files only.
#pragma once

#include "codegen/ElementOps.h"
#include "codegen/LLVMCodegen.h"

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace einjit::codegen {

inline constexpr auto kPackedKernelArguments =
    static_cast<unsigned>(runtime::abi::kKernelEntry.parameterCount);

/// Bytes of the six offset tables, of the A block, of the B block and of the f32 C block (a
/// 16-bit output summed over several K blocks, ir::summedInF32Block; else 0) (PackedKernel.cpp).
struct ScratchLayout {
  std::int64_t tables;
  std::int64_t aBlock;
  std::int64_t bBlock;
  std::int64_t cBlock;
  std::int64_t total() const { return tables + aBlock + bBlock + cBlock; }
};

/// The scratch layout of a packed nest, each part aligned to 64 bytes.
ScratchLayout scratchLayout(const ir::LoopNest& nest);

class PackedKernelBuilder {
public:
  PackedKernelBuilder(const ir::LoopNest& nest, llvm::Module& module,
                      const llvm::TargetMachine& machine)
      : nest_(nest), gemm_(*nest.packed), module_(module), machine_(machine),
        builder_(module.getContext()), ops_(builder_, nest.dtype, machine),
        outOps_(builder_, nest.resultDtype(), machine),
        compute_(builder_, isHalfPrecision(nest.dtype) ? DType::f32 : nest.dtype, machine),
        pairs_(gemm_.panels == ir::Panels::Bf16Pairs), inF32Block_(ir::summedInF32Block(nest)),
        m_(ir::groupExtent(nest, gemm_.m)), n_(ir::groupExtent(nest, gemm_.n)),
        k_(ir::groupExtent(nest, gemm_.k)), batch_(ir::groupExtent(nest, gemm_.batch)),
        nr_(gemm_.nr()), tiles_((n_ + nr_ - 1) / nr_), layout_(scratchLayout(nest)) {}

  void build(const std::string& symbol);
  /// The micro-kernel and its tile store alone as `symbol` (MicroKernelEntry, Codegen.h), for
  /// tests: the same code the kernel runs per MR × NR tile (MicroKernel.cpp).
  void buildMicroKernel(const std::string& symbol);

private:
  // ---- functions -------------------------------------------------------------------------

  llvm::Type* i64() { return builder_.getInt64Ty(); }
  llvm::Value* constant(std::int64_t value) { return builder_.getInt64(value); }

  void addTargetAttributes(llvm::Function& function) const;

  /// A runtime function of the ABI table (runtime/KernelAbi.h).
  llvm::FunctionCallee runtimeFunction(runtime::abi::Function function);

  /// The runtime function for this kernel's dtype, of the four given.
  llvm::FunctionCallee typedRuntimeFunction(runtime::abi::Function f32, runtime::abi::Function f64,
                                            runtime::abi::Function bf16,
                                            runtime::abi::Function f16);

  /// The runtime's tile store for the output's dtype (PackedEdges.h).
  llvm::FunctionCallee storeTileFunction();

  /// The type of one packed panel value: the compute type, or i16 for bf16 pairs.
  llvm::Type* panelType();
  /// K indices a panel holds for a block of kc: kc, or kc rounded up to even for pairs.
  llvm::Value* panelDepth(llvm::Value* kc);

  void startFunction(llvm::Function* function);

  /// The KernelEntry: stores its arguments in a context, runs every unit and returns their
  /// status.
  void buildEntry(const std::string& symbol, llvm::Function* units);

  /// i32 units(ctx, lo, hi) (runtime::LoopBody).
  llvm::Function* buildUnitsFunction(const std::string& name);

  // ---- arguments, scratch, tables --------------------------------------------------------

  const ir::TensorAccess& tensor(std::size_t t) const;

  void loadArguments(const std::array<llvm::Value*, kPackedKernelArguments>& arguments);

  std::size_t outputTensor() const { return nest_.inputs.size(); }

  llvm::Value* allocateScratch();

  void carveScratch(llvm::Value* scratch);

  enum Table { AM, CM, BN, CN, AK, BK };

  /// table[i] = Σ digit_l(i) · stride(tensor, l) over the group's labels, i decomposed with the
  /// innermost label fastest.
  llvm::Value* offsetOf(llvm::Value* index, const std::vector<std::size_t>& labels,
                        std::size_t tensorIndex);

  /// The six tables, by the runtime (runtime/OffsetTable.h), from each group's extents and
  /// strides.
  void fillTables();

  /// The address of table[index], and its value.
  llvm::Value* entryFrom(llvm::Value* table, llvm::Value* index);
  llvm::Value* entryAt(llvm::Value* table, llvm::Value* index);
  llvm::Value* tableFrom(Table table, llvm::Value* index);
  llvm::Value* tableAt(Table table, llvm::Value* index) { return entryAt(tables_[table], index); }

  // ---- the BLIS loops ---------------------------------------------------------------------

  /// Output columns [nLo, nHi) of one batch point.
  void emitBatchPoint(llvm::Value* point, llvm::Value* nLo, llvm::Value* nHi);

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
                                    const std::vector<std::size_t>& rowLabels, std::int64_t width);

  bool unitInnermost(std::size_t tensorIndex, const std::vector<std::size_t>& labels) const;

  /// True when indices [start, start + count) of a group whose innermost label has unit stride
  /// stay within one run of that label, so that their offsets are consecutive.
  llvm::Value* withinRun(llvm::Value* start, llvm::Value* count, std::size_t innermost);

  /// True when the panel of `width` rows from firstRow is whole (all rows valid) and its rows
  /// are consecutive in memory, so that each K index copies as one vector.
  llvm::Value* consecutivePanel(const PackSource& source, llvm::Value* begin, llvm::Value* firstRow,
                                llvm::Value* valid, std::int64_t width);

  /// Copies the group's rows [begin, begin + valid) by kc K indices from pc into micro-panels
  /// of `width` rows, panel[p][k][w] for row p·width + w, rows past `valid` zero. When the rows
  /// are consecutive in memory, a full panel copies one `width`-wide vector per k; when K is
  /// consecutive, lanes × lanes blocks are transposed in registers; the rest goes element by
  /// element through the runtime.
  void pack(const PackSource& source, llvm::Value* begin, llvm::Value* valid, llvm::Value* pc,
            llvm::Value* kc, std::int64_t width, llvm::Value* block);

  /// body(start, length) for each run of consecutive K offsets in the K block [pc, pc + kc): a
  /// run ends where K's innermost label (unit stride) wraps, or at the block's end.
  void emitKRuns(llvm::Value* pc, llvm::Value* kc,
                 const std::function<void(llvm::Value*, llvm::Value*)>& body);

  /// K indices [0, blocked) of one whole panel whose rows start at group index `firstRow`, K
  /// consecutive from kBase: per group of `lanes` rows and `lanes` K indices (`lanes` a power of
  /// two up to the kernel's, `blocked` a multiple of it), one vector load per row and a
  /// transpose by shuffles (log2(lanes) rounds, each swapping one bit of the row and lane
  /// indices), then one store per K index.
  void packTransposed(const PackSource& source, llvm::Value* firstRow, llvm::Value* kBase,
                      llvm::Value* blocked, std::int64_t width, llvm::Value* block,
                      llvm::Value* panelBase, int lanes);

  /// A row's `lanes` values from K unit k0 on (rowOffset: the row's offset in its tensor).
  using RowLoad = std::function<llvm::Value*(llvm::Value* rowOffset, llvm::Value* k0)>;
  /// Stores the first `count` lanes of `value` at panel unit `destination`.
  using PanelStore = std::function<void(llvm::Value* value, llvm::Value* destination, int count)>;
  /// The transpose of packTransposed over units of its own: K indices of the dtype's values,
  /// or K pairs as 32-bit words.
  void packTransposed(const PackSource& source, llvm::Value* firstRow, llvm::Value* blocked,
                      std::int64_t width, llvm::Value* panelBase, int lanes, const RowLoad& loadRow,
                      const PanelStore& storeRow);

  /// Exchanges each bit of the row index below rows.size() (a power of two, at most `lanes`)
  /// with the same bit of the lane index: a square block is transposed (rows[i][j] becomes
  /// rows[j][i]); fewer rows leave lane j of row w holding the old row j mod rows.size() at lane
  /// (j - j mod rows.size()) + w.
  void transposeInPlace(std::vector<llvm::Value*>& rows, int lanes);

  void packA(llvm::Value* aBase, llvm::Value* ic, llvm::Value* mc, llvm::Value* pc,
             llvm::Value* kc);

  void packB(llvm::Value* bBase, llvm::Value* jc, llvm::Value* nc, llvm::Value* pc,
             llvm::Value* kc);

  /// pack() for bf16 pair panels: a whole panel of consecutive rows by vector loads of two K
  /// indices interleaved; any other panel by the runtime (einjit_rt_pack_pairs_bf16).
  void packPairs(const PackSource& source, llvm::Value* begin, llvm::Value* valid, llvm::Value* pc,
                 llvm::Value* kc, std::int64_t width, llvm::Value* block);

  // ---- micro-kernel and store -------------------------------------------------------------

  Slot accumulator(int row, int vector);

  /// The MR × NR tile of one A panel by one B panel over kc: every accumulator zeroed, the first
  /// `vectors` of each row summed (fewer than gemm_.vectors where the tile's columns fit in
  /// fewer: the others stay zero, past the columns the store writes).
  void emitMicroKernel(llvm::Value* aPanel, llvm::Value* bPanel, llvm::Value* kc, int vectors);
  /// The micro-kernel's K loop over bf16 pair panels: per pair of K indices, one vdpbf16ps per
  /// accumulator (AVX512-BF16).
  void emitPairsLoop(llvm::Value* aPanel, llvm::Value* bPanel, llvm::Value* kc, int vectors);

  /// A whole tile into the f32 C block (row stride NC) at row m0, column n0 of the block:
  /// stored when `first`, else added.
  void emitBlockStore(llvm::Value* m0, llvm::Value* n0, llvm::Value* first);
  /// The f32 C block's mv rows by nv columns into out at rows m0.., columns n0..: alpha * block
  /// (+ beta * out), rounded once to the 16-bit dtype.
  void emitBlockToOutput(llvm::Value* cBase, llvm::Value* m0, llvm::Value* mv, llvm::Value* n0,
                         llvm::Value* nv);

  /// out = alpha * value (`plain`: the first K block with beta zero, out not read), else
  /// out = alpha * value + betaHere * out, at out + offset.
  /// Lanes 0 .. lanes - 1 below `count` (any i64, negative too) as an i1 vector.
  llvm::Value* columnMask(llvm::Value* count);
  /// With a `mask` (one bit per lane), only the lanes it sets are read and written.
  void storeOne(Element value, llvm::Value* cBase, llvm::Value* offset, int lanes, bool plain,
                llvm::Value* betaHere, llvm::Value* mask = nullptr);

  /// body(true) where `condition` holds, body(false) elsewhere.
  void emitIf(llvm::Value* condition, const std::function<void(bool)>& body);

  /// The tile of rows [m0, m0 + mv) and columns [n0, n0 + nv).
  void emitStore(llvm::Value* cBase, llvm::Value* m0, llvm::Value* mv, llvm::Value* n0,
                 llvm::Value* nv, llvm::Value* first);

  // ---- loops and arithmetic ----------------------------------------------------------------

  llvm::Value* minOf(llvm::Value* x, llvm::Value* y);
  llvm::Value* maxOf(llvm::Value* x, llvm::Value* y);

  /// for (iv = begin; iv < end; iv += step) body(iv).
  void emitLoop(llvm::Value* begin, llvm::Value* end, std::int64_t step,
                const std::function<void(llvm::Value*)>& body, bool asWritten = true);

  /// Loop metadata that keeps LLVM from vectorizing or unrolling a loop: the vectors are
  /// explicit already, and the copies and stores would only grow (and slow the compile).
  llvm::MDNode* loopAsWritten();

  const ir::LoopNest& nest_;
  const ir::PackedGemm& gemm_;
  llvm::Module& module_;
  const llvm::TargetMachine& machine_;
  llvm::IRBuilder<> builder_;
  ElementOps ops_;     ///< the inputs' dtype: reading A and B
  ElementOps outOps_;  ///< the output's dtype: reading and writing out
  ElementOps compute_; ///< what the panels, the accumulators and the C block compute in: f32 for
                       ///< bf16 and f16, else the dtype
  bool pairs_;         ///< bf16 K-pair panels (vdpbf16ps)
  bool inF32Block_;    ///< a 16-bit output summed in the f32 C block
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
  llvm::Value* cBlock_ = nullptr;
  std::vector<Slot> accumulators_;
  llvm::Value* tile_ = nullptr;
};

} // namespace einjit::codegen
