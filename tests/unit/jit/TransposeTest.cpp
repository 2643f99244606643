// Transpose tiles (passes/Transpose.cpp, codegen/TransposeTile.h): a permutation copy whose input
// is gathered along the vector label reads lanes x lanes tiles along the input's unit-stride label
// and transposes them in registers. The pass's choice under pinned vector widths, and runs against
// the interpreter: every dtype, extents below, at and past the lanes, strided and reversed views,
// alpha and beta (beta zero over a NaN output), batch labels outside, and a relayout path.
#include "JitTestSupport.h"
#include "engine/EngineImpl.h"
#include "reference/Interpreter.h"

#include <gtest/gtest.h>

namespace einjit::test {
namespace {

TEST(TransposePass, UnrollsTheInputsUnitLabelByTheLanes) {
  // out[j,i] = x[i,j] under pinned vector widths: the vector label i is gathered from x, whose
  // unit label j is unrolled by the lanes; 16-bit values compute in f32 lanes.
  for (unsigned bits : {128u, 256u, 512u})
    for (DType dtype : {DType::f32, DType::f64, DType::bf16, DType::f16, DType::i32, DType::i64}) {
      passes::LoopOptions options{bits, 32};
      ir::LoopNest nest = contiguousNest(programOf("ij->ji", {{300, 40}}, dtype), options);
      std::size_t computeBytes = isHalfPrecision(dtype) ? 4 : dtypeSize(dtype);
      int lanes = static_cast<int>(bits / (8 * computeBytes));
      std::string context = std::to_string(bits) + " bits " + std::string(dtypeName(dtype));
      const ir::Loop* rows = nest.transposedLoop();
      ASSERT_NE(rows, nullptr) << context << "\n" << nest;
      EXPECT_EQ(rows->factor, lanes) << context << "\n" << nest;
      ASSERT_NE(nest.vectorLoop(), nullptr);
      EXPECT_EQ(nest.vectorLoop()->lanes, lanes) << context;
      EXPECT_EQ(nest.vectorLoop()->factor, 1) << context;
      // The rows inside: the input is read in sequential streams.
      EXPECT_EQ(&nest.outputLoops.back(), rows) << context << "\n" << nest;
      EXPECT_NE(toString(nest).find("why: transpose: x is gathered along"), std::string::npos)
          << nest;
    }
}

TEST(TransposePass, LeavesOtherNestsAlone) {
  passes::LoopOptions options{256, 16};
  // A copy that keeps the unit-stride label, a product, complex values, a plain copy.
  for (const ir::IndexProgram& program :
       {programOf("ijk->jik", {{30, 20, 40}}, DType::f32),
        programOf("ij,j->ji", {{30, 20}, {20}}, DType::f32),
        programOf("ij->ji", {{30, 20}}, DType::c64), programOf("ij->ij", {{30, 20}}, DType::f32)}) {
    ir::LoopNest nest = contiguousNest(program, options);
    EXPECT_EQ(nest.transposedLoop(), nullptr) << nest;
    EXPECT_EQ(passes::transposeTiles(nest, options), nest) << nest;
  }
  // Shorter rows than the lanes: as many as there are.
  ir::LoopNest narrow = contiguousNest(programOf("ij->ji", {{50, 3}}, DType::f32), options);
  ASSERT_NE(narrow.transposedLoop(), nullptr) << narrow;
  EXPECT_EQ(narrow.transposedLoop()->factor, 3) << narrow;
}

struct Case {
  std::string spec;
  Shape shape;
};

/// Runs each case on `engine` in every dtype, layout and alpha/beta against the interpreter.
void expectCopiesMatch(Engine& engine, const std::vector<Case>& cases,
                       const std::vector<DType>& dtypes) {
  std::mt19937 rng(18);
  for (const Case& copy : cases)
    for (DType dtype : dtypes)
      for (Layout layout : {Layout::Contiguous, Layout::Permuted, Layout::Padded, Layout::Reversed})
        for (RunOptions run : {RunOptions{}, RunOptions{.alpha = -1.5, .beta = 0.5},
                               RunOptions{.alpha = 2, .beta = 0, .threads = 2}}) {
          ir::IndexProgram program = programOf(copy.spec, {copy.shape}, dtype);
          std::string shape;
          for (std::int64_t extent : copy.shape)
            shape += std::to_string(extent) + " ";
          std::string context = copy.spec + " " + shape + std::string(dtypeName(dtype)) + " " +
                                layoutName(layout) + " alpha " + std::to_string(run.alpha.real()) +
                                " beta " + std::to_string(run.beta.real());
          Plan plan = EngineAccess::planProgram(engine, program, false);
          OwnedView input = randomView(dtype, copy.shape, layout, rng);
          // beta zero must not read the output: NaN there would show.
          OwnedView initial =
              randomView(dtype, program.outputShape(), layout, rng, run.beta == 0.0);
          OwnedView out = copyOf(initial);
          OwnedView expected = copyOf(initial);
          reference::interpret(program, {input.view}, expected.view, {run.alpha, run.beta});
          plan.run({input.view}, out.view, run);
          expectClose(out.view, expected.view, toleranceOf(dtype, false), context);
          std::string loops = plan.explain(ExplainStage::Loops);
          // Contiguous real copies that move the unit-stride label transpose in registers.
          bool square = copy.shape.size() >= 2 && copy.shape.back() > 1 &&
                        copy.shape[copy.shape.size() - 2] > 1;
          if (layout == Layout::Contiguous && !isComplex(dtype) && square) {
            EXPECT_NE(loops.find("transpose:"), std::string::npos) << context << "\n" << loops;
          }
        }
}

TEST(TransposeRun, EveryDtypeEdgeAndLayoutMatchesTheInterpreter) {
  // Extents of 1, below the lanes, at them, past them by a few, and a row remainder of every
  // power-of-two part (16 + 8 + 4 + 2 + 1 = 31).
  const std::vector<Case> cases{
      {"ij->ji", {1, 7}},   {"ij->ji", {2, 3}},   {"ij->ji", {4, 4}},
      {"ij->ji", {16, 16}}, {"ij->ji", {31, 33}}, {"ij->ji", {40, 67}},
  };
  for (unsigned bits : {128u, 0u}) {
    EngineOptions options;
    options.persistentCache = false;
    options.maxVectorBits = bits;
    Engine engine(options);
    expectCopiesMatch(engine, cases,
                      {DType::f32, DType::f64, DType::bf16, DType::f16, DType::i32, DType::i64,
                       DType::c64, DType::c128});
  }
}

TEST(TransposeRun, BatchLabelsOutsideAndLargeCopiesMatchTheInterpreter) {
  // Batch labels stay outside the tile; 'bnij->ijbn' folds to a two-label transpose; the large
  // ones run in parallel with non-temporal stores where the output passes half the L3.
  const std::vector<Case> cases{
      {"bij->bji", {3, 17, 35}},
      {"bnij->ijbn", {2, 3, 20, 37}},
      {"ijk->kji", {9, 5, 21}},
      {"ij->ji", {520, 1030}},
  };
  EngineOptions options;
  options.persistentCache = false;
  options.cacheSizes = CacheSizes{4096, 16384, 65536};
  Engine engine(options);
  expectCopiesMatch(engine, cases, {DType::f32, DType::f64, DType::bf16});
}

TEST(TransposeRun, RelayoutCopiesTranspose) {
  // Transformer-XL's ibnd,jbnd->ijbn as a relayout path: its last copy out[i,j,b,n] = t2[b,n,i,j]
  // transposes (b, n) with (i, j).
  EngineOptions options;
  options.persistentCache = false;
  options.cacheSizes = CacheSizes{4096, 16384, 65536};
  Engine engine(options);
  ir::IndexProgram program =
      programOf("ibnd,jbnd->ijbn", {{50, 2, 3, 80}, {47, 2, 3, 80}}, DType::f32);
  Plan plan = EngineAccess::planProgram(engine, program, false);
  ASSERT_NE(plan.explain(ExplainStage::Path).find("relayout:"), std::string::npos);
  EXPECT_NE(plan.explain(ExplainStage::Loops).find("transpose:"), std::string::npos)
      << plan.explain(ExplainStage::Loops);
  std::mt19937 rng(7);
  for (RunOptions run : {RunOptions{}, RunOptions{.alpha = 0.5, .beta = -2, .threads = 2}}) {
    OwnedViews inputs =
        randomViews(DType::f32, {{50, 2, 3, 80}, {47, 2, 3, 80}}, Layout::Contiguous, rng);
    OwnedView initial =
        randomView(DType::f32, program.outputShape(), Layout::Contiguous, rng, run.beta == 0.0);
    OwnedView out = copyOf(initial);
    OwnedView expected = copyOf(initial);
    reference::interpret(program, inputs.views, expected.view, {run.alpha, run.beta});
    plan.run(inputs.views, out.view, run);
    expectClose(out.view, expected.view, toleranceOf(DType::f32, false), "ibnd,jbnd->ijbn");
  }
}

} // namespace
} // namespace einjit::test
