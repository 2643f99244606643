// The strategies' generated code against the reference interpreter, on the paths a random case
// rarely reaches: the Streaming kernel's non-temporal path (aligned output, beta == 0) beside its
// cached path (unaligned output, beta != 0), with every vector remainder; and the Small kernel's
// fully unrolled sums with odd extents, alpha and beta.
#include "JitTestSupport.h"
#include "codegen/Codegen.h"
#include "engine/EngineImpl.h"
#include "jit/Jit.h"
#include "jit/ObjectBundle.h"
#include "reference/Interpreter.h"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstring>
#include <limits>
#include <stdexcept>

#include <sys/mman.h>
#include <unistd.h>

namespace einjit::test {
namespace {

/// Caches so small that any output passes half the L3: Streaming picks non-temporal stores.
passes::LoopOptions tinyCaches(ir::Strategy strategy) {
  passes::LoopOptions options;
  options.caches = support::CacheSizes{256, 512, 1024};
  options.strategy = strategy;
  return options;
}

/// f32 or f64 storage for `elements` elements whose first element sits `offset` elements past a
/// 64-byte boundary, filled with NaN (so a store that is missed shows).
struct AlignedBuffer {
  AlignedBuffer(DType dtype, std::int64_t elements, std::int64_t offset)
      : bytes(static_cast<std::size_t>(elements + offset) * dtypeSize(dtype) + 64) {
    auto address = reinterpret_cast<std::uintptr_t>(bytes.data());
    std::size_t skip =
        (64 - address % 64) % 64 + static_cast<std::size_t>(offset) * dtypeSize(dtype);
    data = bytes.data() + skip;
    for (std::int64_t i = 0; i < elements; ++i) {
      if (dtype == DType::f32)
        reinterpret_cast<float*>(data)[i] = std::numeric_limits<float>::quiet_NaN();
      else
        reinterpret_cast<double*>(data)[i] = std::numeric_limits<double>::quiet_NaN();
    }
  }
  std::vector<std::byte> bytes;
  std::byte* data = nullptr;
};

/// Compiles `nest` for the host and runs it on contiguous views, as Plan::run would.
void runNest(const ir::LoopNest& nest, InputViews inputs, const MutableTensorView& out,
             const RunOptions& options) {
  codegen::TargetDesc target = codegen::hostTarget();
  jit::Jit jit;
  std::string symbol = jit.newSymbol();
  std::shared_ptr<const jit::Kernel> kernel =
      jit.load(jit::bundleObjects(codegen::compileObjects(nest, target, symbol)), symbol, 0);
  std::vector<void*> data;
  std::vector<std::int64_t> strides;
  // The kernel ABI takes every tensor as a void*; kernels write only the output.
  auto addTensor = [&](const ir::TensorAccess& access, const TensorView& view, void* pointer) {
    data.push_back(pointer);
    for (const ir::LabelStride& stride : access.strides) {
      std::int64_t total = 0;
      for (std::size_t dim : stride.sourceDims)
        total += view.strides()[dim];
      strides.push_back(total);
    }
  };
  for (const ir::TensorAccess& input : nest.inputs)
    addTensor(input, inputs[input.source], const_cast<void*>(inputs[input.source].data()));
  addTensor(nest.output, out, out.data());
  std::vector<std::int64_t> extents;
  for (const ir::LoopLabel& label : nest.labels)
    extents.push_back(label.extent);
  // alpha and beta as the kernel reads them: a float or double, or a (re, im) pair of them.
  std::complex<double> alpha64 = options.alpha;
  std::complex<double> beta64 = options.beta;
  std::complex<float> alpha32(alpha64);
  std::complex<float> beta32(beta64);
  bool single = nest.dtype == DType::f32 || nest.dtype == DType::c64;
  kernel->entry()(data.data(), strides.data(), extents.data(),
                  single ? static_cast<const void*>(&alpha32) : &alpha64,
                  single ? static_cast<const void*>(&beta32) : &beta64);
}

/// Runs `program` under `nest` into an output `offset` elements past a 64-byte boundary, and
/// compares with the interpreter.
void expectNestMatches(const ir::IndexProgram& program, const ir::LoopNest& nest,
                       std::int64_t offset, const RunOptions& options) {
  std::mt19937 rng(11);
  std::vector<OwnedView> inputs;
  std::vector<TensorView> views;
  for (std::size_t t = 0; t < program.operands.size(); ++t) {
    inputs.push_back(randomView(program.dtype, program.operands[t].shape, Layout::Contiguous, rng));
    views.push_back(inputs.back().view);
  }
  Shape shape = program.outputShape();
  std::int64_t elements = 1;
  for (std::int64_t extent : shape)
    elements *= extent;
  AlignedBuffer buffer(program.dtype, elements, offset);
  MutableTensorView out(buffer.data, program.dtype, shape);
  Tensor expected(program.dtype, shape);
  if (options.beta != std::complex<double>(0, 0)) {
    // beta reads the output: start both from the same finite values.
    OwnedView initial = randomView(program.dtype, shape, Layout::Contiguous, rng);
    std::memcpy(buffer.data, initial.storage.data(), initial.storage.byteSize());
    std::memcpy(expected.data(), initial.storage.data(), initial.storage.byteSize());
  }
  reference::interpret(program, views, expected.view(), {options.alpha, options.beta});
  runNest(nest, views, out, options);
  expectClose(out, expected.view(), toleranceOf(program.dtype, false),
              toString(program) + "output offset " + std::to_string(offset));
}

/// Runs `program` under a streaming nest with non-temporal stores into an output `offset`
/// elements past a 64-byte boundary, and compares with the interpreter.
void expectStreamingMatches(const ir::IndexProgram& program, std::int64_t offset,
                            const RunOptions& options) {
  ir::LoopNest nest = contiguousNest(program, tinyCaches(ir::Strategy::Streaming));
  ASSERT_TRUE(nest.nontemporalStores) << nest;
  expectNestMatches(program, nest, offset, options);
}

TEST(StreamingStrategy, NontemporalPathHasAlignedHintedStoresAndAFence) {
  ir::LoopNest nest = contiguousNest(programOf("i,j->ij", {{5}, {48}}, DType::f32),
                                     tinyCaches(ir::Strategy::Streaming));
  ASSERT_TRUE(nest.nontemporalStores);
  EXPECT_NE(toString(nest).find("stores non-temporal"), std::string::npos) << nest;
  std::string ir = codegen::emitLLVMIR(nest, codegen::namedTarget("haswell"), "k", false);
  EXPECT_NE(ir.find("!nontemporal"), std::string::npos) << ir;
  EXPECT_NE(ir.find("fence seq_cst"), std::string::npos) << ir;
}

TEST(StreamingStrategy, NontemporalPathMatchesTheInterpreter) {
  // j = 48 (f32) and 24 (f64), whole vectors on every x86 target: a wide step and one-vector
  // steps, every row 16-byte aligned.
  RunOptions twice;
  twice.alpha = 2;
  expectStreamingMatches(programOf("i,j->ij", {{5}, {48}}, DType::f32), 0, twice);
  expectStreamingMatches(programOf("bi,j->bij", {{3, 7}, {24}}, DType::f64), 0, {});
}

TEST(StreamingStrategy, UnalignedOrBetaOutputsTakeTheCachedPath) {
  // One element past the boundary: not aligned, so the ordinary stores run.
  expectStreamingMatches(programOf("i,j->ij", {{5}, {48}}, DType::f32), 1, {});
  RunOptions accumulate;
  accumulate.alpha = -1;
  accumulate.beta = 0.5;
  expectStreamingMatches(programOf("i,j->ij", {{5}, {48}}, DType::f32), 0, accumulate);
}

TEST(StreamingStrategy, AVectorLabelTheLanesDoNotDivideKeepsCachedStores) {
  // Its remainder's ordinary stores would land in lines the non-temporal ones are filling. Odd
  // extents: no vector width divides them, on any x86 target.
  for (const ir::IndexProgram& program :
       {programOf("i,j->ij", {{5}, {45}}, DType::f32),
        programOf("i,j->ij", {{5}, {37}}, DType::f32),
        programOf("bfc,bfe->bfce", {{2, 9, 7}, {2, 9, 7}}, DType::c64)}) {
    ir::LoopNest nest = contiguousNest(program, tinyCaches(ir::Strategy::Streaming));
    ASSERT_NE(nest.vectorLoop(), nullptr) << nest;
    EXPECT_NE(nest.labels[nest.vectorLoop()->label].extent % nest.vectorLoop()->lanes, 0) << nest;
    EXPECT_FALSE(nest.nontemporalStores) << nest;
    expectNestMatches(program, nest, 0, {});
  }
}

TEST(StreamingStrategy, TransposesUnrollTheGatheredInputsUnitLabel) {
  // out[i,j] = x[j,i]: the vector label j is gathered from x, whose unit label i is unrolled by
  // the lanes (the transpose pass: tiles transposed in registers). 43 rows leave 3; 27 columns
  // leave a partial vector; the second program permutes three labels.
  for (const ir::IndexProgram& program : {programOf("ij->ji", {{27, 43}}, DType::f32),
                                          programOf("ijk->kji", {{9, 5, 21}}, DType::f64)}) {
    ir::LoopNest nest = contiguousNest(program, tinyCaches(ir::Strategy::Streaming));
    ASSERT_NE(nest.unrolledLoop(), nullptr) << nest;
    ASSERT_NE(nest.vectorLoop(), nullptr) << nest;
    EXPECT_EQ(nest.unrolledLoop()->factor, nest.vectorLoop()->lanes) << nest;
    EXPECT_EQ(nest.transposedLoop(), nest.unrolledLoop()) << nest;
    EXPECT_EQ(nest.vectorLoop()->factor, 1) << nest;
    RunOptions scaled;
    scaled.alpha = -1.5;
    scaled.beta = 0.5;
    expectNestMatches(program, nest, 0, {});
    expectNestMatches(program, nest, 1, scaled);
  }
}

TEST(StreamingStrategy, SummedVectorsTakeRowsOfIndependentSums) {
  // S11's shape: four output rows per step, each a vectorized sum.
  ir::LoopNest nest = contiguousNest(programOf("bi,bi->b", {{1003, 16}, {1003, 16}}, DType::f32),
                                     tinyCaches(ir::Strategy::Streaming));
  ASSERT_NE(nest.unrolledLoop(), nullptr) << nest;
  EXPECT_EQ(nest.unrolledLoop()->factor, 4);
  EXPECT_FALSE(nest.nontemporalStores) << nest;
}

/// Runs `program` on an engine that forces `strategy`, with alpha and beta, against the
/// interpreter, and returns the loop nest text of the plan.
std::string expectForcedMatches(const ir::IndexProgram& program, Strategy strategy, Layout layout) {
  EngineOptions options;
  options.strategy = strategy;
  options.persistentCache = false;
  Engine engine(options);
  std::mt19937 rng(5);
  std::vector<OwnedView> inputs;
  std::vector<TensorView> views;
  for (std::size_t t = 0; t < program.operands.size(); ++t) {
    inputs.push_back(randomView(program.dtype, program.operands[t].shape, layout, rng));
    views.push_back(inputs.back().view);
  }
  OwnedView initial = randomView(program.dtype, program.outputShape(), layout, rng);
  OwnedView out = copyOf(initial);
  OwnedView expected = copyOf(initial);
  RunOptions run;
  run.alpha = 0.5;
  run.beta = -2;
  reference::interpret(program, views, expected.view, {run.alpha, run.beta});
  Plan plan = EngineAccess::planProgram(engine, program, false);
  plan.run(views, out.view, run);
  expectClose(out.view, expected.view, toleranceOf(program.dtype, false), toString(program));
  return plan.explain(ExplainStage::Loops);
}

TEST(SmallStrategy, FullyUnrolledSumsMatchTheInterpreter) {
  for (DType dtype : {DType::f32, DType::f64, DType::i32}) {
    ir::IndexProgram program = programOf("bik,bkj->bij", {{3, 7, 13}, {3, 13, 9}}, dtype);
    std::string loops = expectForcedMatches(program, Strategy::Small, Layout::Contiguous);
    EXPECT_NE(loops.find("strategy small"), std::string::npos) << loops;
    EXPECT_NE(loops.find("fully unrolled"), std::string::npos) << loops;
    EXPECT_EQ(loops.find("parallel"), std::string::npos) << loops;
    // Transposed and padded views compile their own Small kernels.
    expectForcedMatches(program, Strategy::Small, Layout::Permuted);
    expectForcedMatches(program, Strategy::Small, Layout::Padded);
  }
}

TEST(PackedStrategy, KRunsShorterThanAVectorPackTransposed) {
  // K contiguous in both operands (bik,bjk): packing transposes runs of K in registers, whole
  // vectors, and for K shorter than a vector halves down to four lanes; the rest goes element by
  // element. K of 4, 8, 12 (8 + 4), 13 (8 + 4 + 1), 29 (16 + 13 on AVX-512), with M and N not
  // multiples of the tile.
  for (DType dtype : {DType::f32, DType::f64, DType::bf16})
    for (std::int64_t k : {4, 8, 12, 13, 29}) {
      ir::IndexProgram program = programOf("bik,bjk->bij", {{3, 11, k}, {3, 37, k}}, dtype);
      std::string loops = expectForcedMatches(program, Strategy::Packed, Layout::Contiguous);
      EXPECT_NE(loops.find("strategy packed"), std::string::npos) << loops;
      expectForcedMatches(program, Strategy::Packed, Layout::Padded);
    }
}

TEST(SmallStrategy, RowsDivideTheirExtent) {
  // B16: 16 rows of two vectors; six rows would leave four one-row remainders, four divide 16.
  ir::LoopNest nest =
      contiguousNest(programOf("bik,bkj->bij", {{100, 16, 16}, {100, 16, 16}}, DType::f32),
                     passes::LoopOptions{256, 16});
  EXPECT_EQ(nest.strategy, ir::Strategy::Small) << nest;
  ASSERT_NE(nest.unrolledLoop(), nullptr);
  EXPECT_EQ(nest.unrolledLoop()->factor, 4) << nest;
  ASSERT_FALSE(nest.reductionLoops.empty());
  EXPECT_TRUE(nest.reductionLoops.back().fullUnroll) << nest;
}

TEST(DirectStrategy, RowsOutsideTheVectorLoopMatchTheInterpreter) {
  // An L2 of 16 KiB puts the rows outside (lowerToLoops' rowsOperandStreams). Rows of 70 leave
  // 6 after 8 x 8; j = 24 and 40 leave a narrower vector and single lanes; beta reads the output.
  passes::LoopOptions options{512, 32};
  options.caches = support::CacheSizes{4096, 16384, 1 << 20};
  RunOptions scaled;
  scaled.alpha = 1.5;
  scaled.beta = -0.5;
  for (const ir::IndexProgram& program :
       {programOf("ik,kj->ij", {{70, 40}, {40, 24}}, DType::f32),
        programOf("ik,kj->ij", {{70, 20}, {20, 40}}, DType::f64),
        programOf("bki,bkj->bij", {{3, 60, 37}, {3, 60, 24}}, DType::f32)}) {
    ir::LoopNest nest = contiguousNest(program, options);
    ASSERT_NE(toString(nest).find("rows outside"), std::string::npos) << nest;
    expectNestMatches(program, nest, 0, {});
    expectNestMatches(program, nest, 0, scaled);
  }
}

/// `elements` values of the dtype that end where a page no access may touch begins, so that
/// reading or writing one element past the end faults.
class PageEndBuffer {
public:
  PageEndBuffer(DType dtype, std::int64_t elements)
      : page_(static_cast<std::size_t>(sysconf(_SC_PAGESIZE))),
        bytes_(static_cast<std::size_t>(elements) * dtypeSize(dtype)),
        mapped_((bytes_ + page_ - 1) / page_ * page_ + page_) {
    void* base = mmap(nullptr, mapped_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED)
      throw std::runtime_error("mmap failed");
    base_ = static_cast<std::byte*>(base);
    if (mprotect(base_ + mapped_ - page_, page_, PROT_NONE) != 0)
      throw std::runtime_error("mprotect failed");
  }
  ~PageEndBuffer() { munmap(base_, mapped_); }
  PageEndBuffer(const PageEndBuffer&) = delete;
  PageEndBuffer& operator=(const PageEndBuffer&) = delete;
  std::byte* data() const { return base_ + mapped_ - page_ - bytes_; }

private:
  std::size_t page_;
  std::size_t bytes_;
  std::size_t mapped_;
  std::byte* base_ = nullptr;
};

TEST(MaskedRemainder, ReadsAndWritesNothingPastTheExtent) {
  // y and out end where an unreadable page begins: a masked lane that touched memory past the
  // last column would fault. N = 1..21 on 256-bit vectors covers every remainder of 8 lanes
  // (f32) and 4 (f64) after the two-vector and one-vector steps; beta reads out through the mask.
  RunOptions scaled;
  scaled.alpha = 0.5;
  scaled.beta = -2;
  for (DType dtype : {DType::f32, DType::f64})
    for (std::int64_t n = 1; n <= 21; ++n)
      for (const RunOptions& options : {RunOptions{}, scaled}) {
        ir::IndexProgram program = programOf("ik,kj->ij", {{5, 3}, {3, n}}, dtype);
        ir::LoopNest nest = contiguousNest(program, passes::LoopOptions{});
        std::mt19937 rng(static_cast<unsigned>(n));
        OwnedView x = randomView(dtype, {5, 3}, Layout::Contiguous, rng);
        OwnedView y = randomView(dtype, {3, n}, Layout::Contiguous, rng);
        OwnedView initial = randomView(dtype, {5, n}, Layout::Contiguous, rng);
        PageEndBuffer yGuarded(dtype, 3 * n);
        PageEndBuffer outGuarded(dtype, 5 * n);
        std::memcpy(yGuarded.data(), y.storage.data(), y.storage.byteSize());
        std::memcpy(outGuarded.data(), initial.storage.data(), initial.storage.byteSize());
        TensorView yView(yGuarded.data(), dtype, {3, n});
        MutableTensorView out(outGuarded.data(), dtype, {5, n});
        Tensor expected(dtype, {5, n});
        std::memcpy(expected.data(), initial.storage.data(), initial.storage.byteSize());
        reference::interpret(program, {x.view, yView}, expected.view(),
                             {options.alpha, options.beta});
        runNest(nest, {x.view, yView}, out, options);
        expectClose(out, expected.view(), toleranceOf(dtype, false),
                    toString(program) + " beta " + std::to_string(options.beta.real()));
      }
}

TEST(ForcedStrategies, EveryStrategyComputesTheSameValues) {
  ir::IndexProgram program = programOf("bik,bjk->bij", {{2, 5, 33}, {2, 9, 33}}, DType::f32);
  for (Strategy strategy : {Strategy::Direct, Strategy::Small, Strategy::Streaming}) {
    expectForcedMatches(program, strategy, Layout::Contiguous);
    expectForcedMatches(program, strategy, Layout::Reversed);
  }
}

TEST(DotTile, TransposedOperandsTileRowsAndColumnsOfDotProducts) {
  // Text-matching attention: K = h contiguous in both operands, 10 x 40 outputs per batch. On 32
  // registers, two left spare (Tile.cpp), 6 x 4 (24 sums, 4 column vectors, one row vector) loads
  // fewest vectors over the whole output.
  passes::LoopOptions options{512, 32};
  ir::LoopNest nest = contiguousNest(
      programOf("bih,bjh->bij", {{32, 10, 600}, {32, 40, 600}}, DType::f32), options);
  EXPECT_EQ(nest.strategy, ir::Strategy::Direct) << nest;
  EXPECT_FALSE(nest.packed) << nest;
  std::vector<const ir::Loop*> tile = nest.unrolledLoops();
  ASSERT_EQ(tile.size(), 2u) << nest;
  EXPECT_EQ(nest.labels[tile[0]->label].extent, 10) << nest;
  EXPECT_EQ(tile[0]->factor, 6) << nest;
  EXPECT_EQ(tile[1]->factor, 4) << nest;
  ASSERT_NE(nest.vectorLoop(), nullptr);
  EXPECT_EQ(nest.vectorLoop()->lanes, 16);
  EXPECT_EQ(nest.vectorLoop()->factor, 1);
  EXPECT_NE(toString(nest).find(": dot tile"), std::string::npos) << nest;
  // The shape minimises vector loads over the whole output, edge tiles counted, and never takes
  // the last two registers: 5 x 5 (31 registers) fits 32 but not 30; on 16 registers 2 x 5 (10
  // sums, 2 row vectors, one more: 13) rather than 3 x 4 (16).
  EXPECT_EQ(passes::dotTileShape(nest, options, tile[0]->label, tile[1]->label),
            (std::pair<int, int>{6, 4}));
  EXPECT_EQ(
      passes::dotTileShape(nest, passes::LoopOptions{256, 16}, tile[0]->label, tile[1]->label),
      (std::pair<int, int>{2, 5}));
}

TEST(DotTile, ShortSumsStayPacked) {
  // S3: 64 summed elements per output are four vector steps; the horizontal sums would cost more
  // than packing does (dotTileCost), so the packed kernel stays, its figures in the rationale.
  ir::LoopNest nest =
      contiguousNest(programOf("btf,bsf->bts", {{64, 128, 64}, {64, 128, 64}}, DType::f32),
                     passes::LoopOptions{512, 32});
  EXPECT_TRUE(nest.packed) << nest;
  EXPECT_NE(toString(nest).find("dot tile"), std::string::npos) << nest;
}

TEST(DotTile, TheLargerOperandGoesOutsideAndIsReadOnce) {
  // Llama's o_proj on 32 tokens, x·Wᵀ: K contiguous in both operands, so a dot tile applies. Its
  // inner loop re-reads its operand on every step of the outer: with x's rows outside, W (64 MiB)
  // streamed from DRAM once per 4 rows of x; with W's rows outside it streams once and x (512
  // KiB) is read again from the L2 (Zen 4: 17-23 -> 12.5-15.5 ms against the packed kernel).
  ir::LoopNest nest = contiguousNest(programOf("tk,nk->tn", {{32, 4096}, {4096, 4096}}, DType::f32),
                                     passes::LoopOptions{512, 32});
  EXPECT_FALSE(nest.packed) << nest;
  std::vector<const ir::Loop*> tile = nest.unrolledLoops();
  ASSERT_EQ(tile.size(), 2u) << nest;
  EXPECT_EQ(nest.labels[tile[0]->label].extent, 4096) << nest;
  EXPECT_EQ(toString(nest).find("read again beyond L2"), std::string::npos) << nest;
}

TEST(DotTile, AnOperandReadAgainFromMemoryGoesPacked) {
  // Both operands 16 MiB: whichever goes inside is read again from beyond the L2 once per tile
  // of the other, and the packed kernel, blocked for the caches, reads each once.
  ir::LoopNest nest =
      contiguousNest(programOf("tk,nk->tn", {{2048, 2048}, {2048, 2048}}, DType::f32),
                     passes::LoopOptions{512, 32});
  EXPECT_TRUE(nest.packed) << nest;
  EXPECT_NE(toString(nest).find("read again beyond L2"), std::string::npos) << nest;
}

TEST(DotTile, EveryEdgeMatchesTheInterpreter) {
  // Rows and columns that leave edge tiles, K that leaves a masked vector (37 = 2 x 16 + 5 and
  // 4 x 8 + 5) or fits in two lanes (3), tiles small enough for two vectors per sum; alpha and
  // beta; 512- and 256-bit vectors.
  RunOptions scaled;
  scaled.alpha = 1.5;
  scaled.beta = -0.5;
  for (passes::LoopOptions options : {passes::LoopOptions{512, 32}, passes::LoopOptions{256, 16}})
    for (DType dtype : {DType::f32, DType::f64})
      for (const ir::IndexProgram& program :
           {programOf("bih,bjh->bij", {{3, 7, 37}, {3, 11, 37}}, dtype),
            programOf("ih,jh->ij", {{9, 3}, {6, 3}}, dtype),
            programOf("ih,jh->ji", {{2, 40}, {3, 40}}, dtype),
            programOf("bqhd,bkhd->bhqk", {{2, 5, 3, 20}, {2, 9, 3, 20}}, dtype)}) {
        ir::LoopNest nest = contiguousNest(program, options);
        ASSERT_EQ(nest.unrolledLoops().size(), 2u) << nest;
        expectNestMatches(program, nest, 0, {});
        expectNestMatches(program, nest, 1, scaled);
      }
}

TEST(DotTile, MaskedSumsReadNothingPastTheExtent) {
  // x and y end where an unreadable page begins: K = 1..40 covers every remainder of 16 lanes.
  for (DType dtype : {DType::f32, DType::f64})
    for (std::int64_t k = 2; k <= 40; ++k) {
      ir::IndexProgram program = programOf("ih,jh->ij", {{6, k}, {7, k}}, dtype);
      ir::LoopNest nest = contiguousNest(program, passes::LoopOptions{512, 32});
      ASSERT_EQ(nest.unrolledLoops().size(), 2u) << nest;
      std::mt19937 rng(static_cast<unsigned>(k));
      OwnedView x = randomView(dtype, {6, k}, Layout::Contiguous, rng);
      OwnedView y = randomView(dtype, {7, k}, Layout::Contiguous, rng);
      PageEndBuffer xGuarded(dtype, 6 * k);
      PageEndBuffer yGuarded(dtype, 7 * k);
      std::memcpy(xGuarded.data(), x.storage.data(), x.storage.byteSize());
      std::memcpy(yGuarded.data(), y.storage.data(), y.storage.byteSize());
      TensorView xView(xGuarded.data(), dtype, {6, k});
      TensorView yView(yGuarded.data(), dtype, {7, k});
      Tensor out(dtype, {6, 7});
      Tensor expected(dtype, {6, 7});
      reference::interpret(program, {xView, yView}, expected.view(), {1, 0});
      runNest(nest, {xView, yView}, out.view(), {});
      expectClose(out.view(), expected.view(), toleranceOf(dtype, false), toString(program));
    }
}

TEST(DotTile, InfiniteFactorsOutsideTheMaskAddNothing) {
  // A factor without the summed label is broadcast: an infinite one times the zero lanes past
  // K would add NaN; the masked step leaves those lanes as they were.
  ir::IndexProgram program = programOf("ih,jh,i->ij", {{4, 21}, {5, 21}, {4}}, DType::f32);
  ir::LoopNest nest = contiguousNest(program, passes::LoopOptions{512, 32});
  ASSERT_EQ(nest.unrolledLoops().size(), 2u) << nest;
  // Positive factors: every sum is +inf, a NaN only from a lane past K.
  Tensor x(DType::f32, {4, 21});
  Tensor y(DType::f32, {5, 21});
  Tensor scale(DType::f32, {4});
  for (std::int64_t e = 0; e < 4 * 21; ++e)
    reinterpret_cast<float*>(x.data())[e] = 0.5f;
  for (std::int64_t e = 0; e < 5 * 21; ++e)
    reinterpret_cast<float*>(y.data())[e] = 0.25f;
  for (std::int64_t i = 0; i < 4; ++i)
    reinterpret_cast<float*>(scale.data())[i] = std::numeric_limits<float>::infinity();
  Tensor out(DType::f32, {4, 5});
  runNest(nest, {x.view(), y.view(), scale.view()}, out.view(), {});
  for (std::int64_t e = 0; e < 20; ++e)
    EXPECT_EQ(reinterpret_cast<float*>(out.data())[e], std::numeric_limits<float>::infinity())
        << nest;
}

TEST(DotTile, IntegerAndHalfPrecisionKernelsMatchTheInterpreter) {
  for (DType dtype : {DType::i32, DType::i64, DType::bf16, DType::f16}) {
    ir::IndexProgram program = programOf("bih,bjh->bij", {{2, 5, 37}, {2, 6, 37}}, dtype);
    std::string loops = expectForcedMatches(program, Strategy::Direct, Layout::Contiguous);
    EXPECT_NE(loops.find("dot tile"), std::string::npos) << loops;
  }
}

} // namespace
} // namespace einjit::test
