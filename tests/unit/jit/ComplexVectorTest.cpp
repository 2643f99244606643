// Complex kernels in vectors (codegen/ComplexLanes.cpp): the vectorize pass picks a vector label
// for c64 and c128 and says so, the kernel computes in interleaved (re, im) vectors with real
// FMAs, and every such kernel matches the reference interpreter: vector label extents of 1,
// below the lanes, not a multiple of them and large; the label in the output (broadcast, vector
// and gathered operands, scattered output) or summed (a dot tile, a streaming sum); one, two and
// three operands; conjugated operands; contiguous, transposed, padded and reversed views;
// complex alpha and beta, beta zero over a NaN-filled output; constant and run-time extents;
// 128-, 256-bit and the host's vectors; each strategy forced.
#include "JitTestSupport.h"
#include "codegen/Codegen.h"
#include "engine/EngineImpl.h"
#include "reference/Interpreter.h"

#include <gtest/gtest.h>

#include <complex>
#include <sstream>

namespace einjit::test {
namespace {

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

passes::LoopOptions optionsOf(const codegen::TargetDesc& target) {
  return passes::LoopOptions{target.vectorBits, target.vectorRegisters, {}, {}};
}

TEST(ComplexVectors, TheVectorizePassPicksTheLabelAndSaysSo) {
  codegen::TargetDesc haswell = codegen::namedTarget("haswell");
  // BF4's batched matrix-vector product: t, unit in y and out, 4 c64 or 2 c128 per 256 bits.
  for (auto [dtype, lanes] : {std::pair{DType::c64, 4}, std::pair{DType::c128, 2}}) {
    ir::LoopNest nest = contiguousNest(
        programOf("bfc,bfct->bft", {{2, 3, 6}, {2, 3, 6, 50}}, dtype), optionsOf(haswell));
    const ir::Loop* vector = nest.vectorLoop();
    ASSERT_NE(vector, nullptr) << nest;
    EXPECT_EQ(nest.labels[vector->label].extent, 50) << nest;
    EXPECT_EQ(vector->lanes, lanes) << nest;
    EXPECT_TRUE(contains(toString(nest), "why: vectorize: complex " +
                                             nest.labels[vector->label].name + " as " +
                                             std::to_string(lanes) + " interleaved (re, im) pairs"))
        << nest;
  }
  // 128-bit vectors hold one c128: it stays scalar.
  ir::LoopNest narrow =
      contiguousNest(programOf("bfc,bfct->bft", {{2, 3, 6}, {2, 3, 6, 50}}, DType::c128),
                     optionsOf(codegen::namedTarget("x86-64")));
  EXPECT_EQ(narrow.vectorLoop(), nullptr) << narrow;
  EXPECT_FALSE(contains(toString(narrow), "vectorize: complex")) << narrow;
}

TEST(ComplexVectors, AComplexSumTakesTwoRegistersOfTheTile) {
  // 'ik,kj->ij' (direct: i is too long for small): the rows of i share y's vectors; a real tile
  // of 16 registers takes 6 rows of two vectors, a complex one (two vectors per sum, two for the
  // broadcast) 3.
  codegen::TargetDesc haswell = codegen::namedTarget("haswell");
  auto rows = [&](DType dtype) {
    ir::LoopNest nest =
        contiguousNest(programOf("ik,kj->ij", {{100, 16}, {16, 64}}, dtype), optionsOf(haswell));
    const ir::Loop* unrolled = nest.unrolledLoop();
    return unrolled ? unrolled->factor : 1;
  };
  EXPECT_EQ(rows(DType::f32), 6);
  EXPECT_EQ(rows(DType::c64), 3);
}

TEST(ComplexVectors, TheKernelRunsRealVectorFmas) {
  codegen::TargetDesc haswell = codegen::namedTarget("haswell");
  for (auto [dtype, vector, fma] : {std::tuple{DType::c64, "<8 x float>", "@llvm.fma.v8f32"},
                                    std::tuple{DType::c128, "<4 x double>", "@llvm.fma.v4f64"}}) {
    ir::LoopNest nest = contiguousNest(
        programOf("bfc,bfct->bft", {{2, 3, 6}, {2, 3, 6, 50}}, dtype), optionsOf(haswell));
    std::string ir = codegen::emitLLVMIR(nest, haswell, "k", true);
    EXPECT_TRUE(contains(ir, vector)) << ir;
    EXPECT_TRUE(contains(ir, fma)) << ir;
  }
  // 50 = 48 + 2 on 4 lanes: the 2 are one masked vector of two pairs.
  ir::LoopNest nest = contiguousNest(
      programOf("bfc,bfct->bft", {{2, 3, 6}, {2, 3, 6, 50}}, DType::c64), optionsOf(haswell));
  std::string ir = codegen::emitLLVMIR(nest, haswell, "k", false);
  EXPECT_TRUE(contains(ir, "@llvm.masked.load.v4f32")) << ir;
  EXPECT_TRUE(contains(ir, "@llvm.masked.store.v4f32")) << ir;
}

struct Case {
  std::string spec;
  std::vector<Shape> shapes;
  std::vector<std::size_t> conjugated;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> all{
      // The output's unit label vectorized, x broadcast along it (BF4), extents 1, 3, 8, 13, 69.
      {"bc,bct->bt", {{3, 5}, {3, 5, 1}}, {}},
      {"bc,bct->bt", {{3, 5}, {3, 5, 3}}, {1}},
      {"bc,bct->bt", {{3, 5}, {3, 5, 8}}, {}},
      {"bc,bct->bt", {{3, 5}, {3, 5, 13}}, {0}},
      {"bc,bct->bt", {{2, 4}, {2, 4, 69}}, {0, 1}},
      // BF2's small matrix products, FNO's (x, y all unit, both factors vectors).
      {"bec,bcd->bed", {{2, 6, 6}, {2, 6, 6}}, {}},
      {"bixy,ioxy->boxy", {{2, 3, 3, 5}, {3, 4, 3, 5}}, {1}},
      // BF1's outer product (no sum), W1's and W2's gathered factors.
      {"bct,bet->btce", {{2, 3, 7}, {2, 5, 7}}, {}},
      {"fdtk,fetl->fkdle", {{2, 3, 4, 3}, {2, 5, 4, 6}}, {}},
      {"fdtk,fet->fked", {{2, 5, 4, 3}, {2, 3, 4}}, {0}},
      // A summed vector label: dot tiles over k of 1, 3, 13, 70; a long streaming sum.
      {"ik,jk->ij", {{5, 1}, {4, 1}}, {}},
      {"ik,jk->ij", {{5, 3}, {4, 3}}, {0}},
      {"ik,jk->ij", {{5, 13}, {4, 13}}, {1}},
      {"ik,jk->ij", {{3, 70}, {9, 70}}, {}},
      {"ak,ak->a", {{40, 37}, {40, 37}}, {0}},
      // One operand (a sum, a transpose) and three (an elementwise product with a broadcast).
      {"ij->j", {{7, 21}}, {0}},
      {"ij->i", {{7, 21}}, {}},
      {"ij->ji", {{7, 21}}, {0}},
      {"ij,ij,j->ij", {{5, 19}, {5, 19}, {19}}, {2}},
  };
  return all;
}

struct Scalars {
  std::complex<double> alpha;
  std::complex<double> beta;
};

enum class EngineKind { Host, Bits256, Bits128, RunTimeExtents, Direct, Small, Streaming };

EngineOptions engineOptions(EngineKind kind) {
  EngineOptions options;
  options.persistentCache = false;
  switch (kind) {
  case EngineKind::Host:
    break;
  case EngineKind::Bits256:
    options.maxVectorBits = 256;
    break;
  case EngineKind::Bits128:
    options.maxVectorBits = 128;
    break;
  case EngineKind::RunTimeExtents:
    options.constantExtents = false;
    break;
  case EngineKind::Direct:
    options.strategy = Strategy::Direct;
    break;
  case EngineKind::Small:
    options.strategy = Strategy::Small;
    break;
  case EngineKind::Streaming:
    options.strategy = Strategy::Streaming;
    break;
  }
  return options;
}

using Param = std::tuple<DType, EngineKind>;

class ComplexVectorKernels : public ::testing::TestWithParam<Param> {};

TEST_P(ComplexVectorKernels, MatchTheInterpreter) {
  auto [dtype, kind] = GetParam();
  Engine engine(engineOptions(kind));
  std::mt19937 rng(29);
  const std::vector<Layout> layouts{Layout::Contiguous, Layout::Permuted, Layout::Padded,
                                    Layout::Reversed};
  const std::vector<Scalars> scalars{{{1, 0}, {0, 0}},    {{2, -1}, {0, 0}}, {{1, 0}, {1, 0}},
                                     {{0.5, 1}, {-2, 1}}, {{-1, 0}, {0, 0}}, {{0, 0}, {1, -1}}};
  for (std::size_t n = 0; n < cases().size(); ++n) {
    const Case& c = cases()[n];
    ir::IndexProgram program = programOf(c.spec, c.shapes, dtype, c.conjugated);
    Plan plan = EngineAccess::planProgram(engine, program, false);
    for (std::size_t variant = 0; variant < scalars.size(); ++variant) {
      Layout inputLayout = layouts[(n + variant) % layouts.size()];
      Layout outputLayout = layouts[(n + variant / 2) % layouts.size()];
      const Scalars& s = scalars[variant];
      OwnedViews inputs = randomViews(dtype, c.shapes, inputLayout, rng);
      bool readsOutput = s.beta != std::complex<double>(0, 0);
      OwnedView initial = randomView(dtype, program.outputShape(), outputLayout, rng, !readsOutput);
      OwnedView out = copyOf(initial);
      OwnedView expected = copyOf(initial);
      reference::interpret(program, inputs.views, expected.view, {s.alpha, s.beta});
      RunOptions options;
      options.alpha = s.alpha;
      options.beta = s.beta;
      plan.run(inputs.views, out.view, options);
      std::ostringstream context;
      context << c.spec << " " << dtypeName(dtype) << " " << program << " inputs "
              << layoutName(inputLayout) << " out " << layoutName(outputLayout) << " alpha "
              << s.alpha << " beta " << s.beta;
      expectClose(out.view, expected.view, toleranceOf(dtype, false), context.str());
      if (::testing::Test::HasFailure())
        return;
    }
  }
}

std::string paramName(const ::testing::TestParamInfo<Param>& info) {
  static const char* const kinds[] = {"Host",   "Bits256", "Bits128",  "RunTimeExtents",
                                      "Direct", "Small",   "Streaming"};
  return std::string(dtypeName(std::get<0>(info.param))) + "_" +
         kinds[static_cast<int>(std::get<1>(info.param))];
}

INSTANTIATE_TEST_SUITE_P(
    Engines, ComplexVectorKernels,
    ::testing::Combine(::testing::Values(DType::c64, DType::c128),
                       ::testing::Values(EngineKind::Host, EngineKind::Bits256, EngineKind::Bits128,
                                         EngineKind::RunTimeExtents, EngineKind::Direct,
                                         EngineKind::Small, EngineKind::Streaming)),
    paramName);

} // namespace
} // namespace einjit::test
