// lowerToLoops and the LoopNest printer, verifier and key: the schedule a contraction gets.
#include "JitTestSupport.h"
#include "TestSupport.h"
#include "passes/Passes.h"

#include <gtest/gtest.h>

namespace einjit::test {
namespace {

TEST(LowerToLoops, GemmGetsARegisterTile) {
  ir::LoopNest nest = contiguousNest(programOf("ik,kj->ij", {{64, 48}, {48, 40}}, DType::f32),
                                     passes::LoopOptions{256, 16});
  EXPECT_EQ(toString(nest), "loop nest f32, strategy direct\n"
                            "  labels a=64 b=40 c=48\n"
                            "  x[a,c] strides a=48 c=1\n"
                            "  y[c,b] strides c=40 b=1\n"
                            "  out[a,b] strides a=40 b=1\n"
                            "  why: 122880 multiply-adds, 30208 B moved: intensity 8.14 flop/B\n"
                            "  why: per batch element (of 1): 30208 B > L1d/2 16384 B, largest "
                            "other extent 64 <= 64\n"
                            "  why: direct\n"
                            "for b in 0..40 vector 8x2 {\n"
                            "  for a in 0..64 unrolled 6 {\n"
                            "    acc = 0\n"
                            "    for c in 0..48 {\n"
                            "      acc += x[a,c] * y[c,b]\n"
                            "    }\n"
                            "    out[a,b] = alpha * acc + beta * out[a,b]\n"
                            "  }\n"
                            "}\n");
}

TEST(LowerToLoops, TileFollowsTheRegisterFile) {
  ir::LoopNest nest = contiguousNest(programOf("ik,kj->ij", {{64, 48}, {48, 64}}, DType::f32),
                                     passes::LoopOptions{512, 32});
  ASSERT_NE(nest.vectorLoop(), nullptr);
  EXPECT_EQ(nest.vectorLoop()->lanes, 16);
  EXPECT_EQ(nest.vectorLoop()->factor, 2);
  ASSERT_NE(nest.unrolledLoop(), nullptr);
  EXPECT_EQ(nest.unrolledLoop()->factor, 8);
}

/// An AVX-512 register file with an L2 of 16 KiB, so that small operands pass half of it.
passes::LoopOptions smallL2() {
  passes::LoopOptions options{512, 32};
  options.caches = support::CacheSizes{4096, 16384, 1 << 20};
  return options;
}

TEST(LowerToLoops, RowsThatStreamFromBeyondTheL2GoOutsideTheVectorLoop) {
  // x is 70 x 40 floats, 11200 B > L2/2: with the vector loop outside it would be read once per
  // vector step. y, 40 x 24 floats (3840 B), fits, so the rows go outside and x streams once.
  ir::LoopNest nest =
      contiguousNest(programOf("ik,kj->ij", {{70, 40}, {40, 24}}, DType::f32), smallL2());
  ASSERT_EQ(nest.strategy, ir::Strategy::Direct) << nest;
  ASSERT_EQ(nest.outputLoops.size(), 2u) << nest;
  EXPECT_EQ(nest.outputLoops[0].kind, ir::LoopKind::Unrolled) << nest;
  EXPECT_EQ(nest.outputLoops[1].kind, ir::LoopKind::Vector) << nest;
  EXPECT_NE(toString(nest).find("why: tile: rows' operand 11200 B per vector step > L2/2 8192 B, "
                                "vector operand 3840 B fits: rows outside the vector loop"),
            std::string::npos)
      << nest;
}

TEST(LowerToLoops, RowsStayInsideWhenTheyFitOrTheVectorOperandDoesNot) {
  // x of 20 x 40 floats (3200 B) fits half the L2; y of 40 x 64 floats (10240 B) does not.
  for (const auto& shapes :
       {std::vector<Shape>{{20, 40}, {40, 24}}, std::vector<Shape>{{70, 40}, {40, 64}}}) {
    ir::LoopNest nest = contiguousNest(programOf("ik,kj->ij", shapes, DType::f32), smallL2());
    ASSERT_EQ(nest.outputLoops.size(), 2u) << nest;
    EXPECT_EQ(nest.outputLoops[0].kind, ir::LoopKind::Vector) << nest;
    EXPECT_EQ(toString(nest).find("rows outside"), std::string::npos) << nest;
  }
}

TEST(LowerToLoops, BatchedDotVectorizesTheSum) {
  // S11 (bi,bi->b): the output is unit-stride along b but no operand is; i is.
  ir::LoopNest nest = contiguousNest(programOf("bi,bi->b", {{100, 16}, {100, 16}}, DType::f64),
                                     passes::LoopOptions{256, 16});
  EXPECT_EQ(toString(nest), "loop nest f64, strategy direct\n"
                            "  labels a=100 b=16\n"
                            "  x[a,b] strides a=16 b=1\n"
                            "  y[a,b] strides a=16 b=1\n"
                            "  out[a] strides a=1\n"
                            "  why: 1600 multiply-adds, 26400 B moved: intensity 0.121 flop/B\n"
                            "  why: direct\n"
                            "for a in 0..100 {\n"
                            "  acc = 0\n"
                            "  for b in 0..16 vector 4x2 {\n"
                            "    acc += x[a,b] * y[a,b]\n"
                            "  }\n"
                            "  out[a] = alpha * acc + beta * out[a]\n"
                            "}\n");
}

TEST(LowerToLoops, SmallExtentsNarrowTheVector) {
  ir::LoopNest nest = contiguousNest(programOf("ik,kj->ij", {{3, 5}, {5, 6}}, DType::f32),
                                     passes::LoopOptions{256, 16});
  ASSERT_NE(nest.vectorLoop(), nullptr);
  EXPECT_EQ(nest.vectorLoop()->lanes, 4);
  EXPECT_EQ(nest.vectorLoop()->factor, 1);
  EXPECT_EQ(nest.unrolledLoop()->factor, 3);
}

TEST(LowerToLoops, ComplexNestsVectorizeWithLanesInElements) {
  // 256 bits hold 4 c64 or 2 c128 (re, im) pairs.
  for (auto [dtype, lanes] : {std::pair{DType::c64, 4}, std::pair{DType::c128, 2}}) {
    ir::LoopNest nest = contiguousNest(programOf("ik,kj->ij", {{8, 8}, {8, 8}}, dtype));
    ASSERT_NE(nest.vectorLoop(), nullptr) << nest;
    EXPECT_EQ(nest.labels[nest.vectorLoop()->label].name, "b") << nest;
    EXPECT_EQ(nest.vectorLoop()->lanes, lanes) << nest;
  }
}

TEST(LowerToLoops, UnitStrideFreeNestsStayScalar) {
  // Every stride unknown: nothing to vectorize along.
  passes::Contraction transposed = contiguousContraction(programOf("ij->ji", {{8, 8}}, DType::f32));
  for (passes::TensorLayout* layout : {&transposed.operands[0], &transposed.output})
    for (passes::DimLayout& dim : *layout)
      dim.knownStride = std::nullopt;
  ir::LoopNest nest = passes::lowerContraction(transposed, passes::LoopOptions{});
  EXPECT_EQ(nest.vectorLoop(), nullptr);
}

TEST(LowerToLoops, TransposedCopiesVectorizeTheStores) {
  // out[a,b] = x[b,a]: no operand is unit-stride along the output's unit-stride label b, and
  // nothing is summed, so b is vectorized for its stores and x is gathered.
  ir::LoopNest nest =
      contiguousNest(programOf("ij->ji", {{8, 8}}, DType::f32), passes::LoopOptions{256, 16});
  ASSERT_NE(nest.vectorLoop(), nullptr);
  EXPECT_EQ(nest.labels[nest.vectorLoop()->label].name, "b");
  EXPECT_EQ(nest.inputs[0].strides[nest.vectorLoop()->label].known, std::optional<std::int64_t>(8));
}

TEST(LowerToLoops, DiagonalStridesAdd) {
  ir::LoopNest nest = contiguousNest(programOf("iij->j", {{3, 3, 4}}, DType::f32));
  EXPECT_EQ(nest.inputs[0].strides[1].sourceDims, (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(nest.inputs[0].strides[1].known, std::optional<std::int64_t>(16));
}

TEST(LoopNest, KeyIgnoresNamesAndGenericExtents) {
  ir::LoopNest nest = contiguousNest(programOf("ik,kj->ij", {{4, 6}, {6, 8}}, DType::f32));
  std::string key = ir::keyText(nest);
  EXPECT_NE(key.find("in0[a,c] strides"), std::string::npos) << key;
  EXPECT_EQ(key.find("x[a,c]"), std::string::npos) << key;
  ir::LoopNest generic = contiguousNest(programOf("ik,kj->ij", {{4, 6}, {6, 8}}, DType::f32),
                                        passes::LoopOptions{}, false);
  ir::LoopNest otherShape = contiguousNest(programOf("ik,kj->ij", {{5, 7}, {7, 9}}, DType::f32),
                                           passes::LoopOptions{}, false);
  EXPECT_EQ(ir::keyText(generic), ir::keyText(otherShape));
  EXPECT_NE(toString(generic), toString(otherShape));
}

TEST(LowerToLoops, SmallPrintsItsUnrolledSum) {
  // B8: one batch element's matrices fit the L1 many times over.
  ir::LoopNest nest = contiguousNest(
      programOf("bik,bkj->bij", {{1000, 8, 8}, {1000, 8, 8}}, DType::f32), passes::LoopOptions{});
  EXPECT_EQ(toString(nest), "loop nest f32, strategy small\n"
                            "  labels a=1000 b=8 c=8 d=8\n"
                            "  x[a,b,d] strides a=64 b=8 d=1\n"
                            "  y[a,d,c] strides a=64 d=8 c=1\n"
                            "  out[a,b,c] strides a=64 b=8 c=1\n"
                            "  why: 512000 multiply-adds, 768000 B moved: intensity 1.33 flop/B\n"
                            "  why: per batch element (of 1000): 768 B <= L1d/2 16384 B, largest "
                            "other extent 8 <= 64\n"
                            "  why: tiny products: small\n"
                            "for a in 0..1000 {\n"
                            "  for c in 0..8 vector 8x1 {\n"
                            "    for b in 0..8 unrolled 8 {\n"
                            "      acc = 0\n"
                            "      for d in 0..8 fully unrolled {\n"
                            "        acc += x[a,b,d] * y[a,d,c]\n"
                            "      }\n"
                            "      out[a,b,c] = alpha * acc + beta * out[a,b,c]\n"
                            "    }\n"
                            "  }\n"
                            "}\n");
}

TEST(LoopNest, KeyHoldsTheStrategyButNotTheRationale) {
  ir::IndexProgram program = programOf("ik,kj->ij", {{4, 6}, {6, 8}}, DType::f32);
  ir::LoopNest chosen = contiguousNest(program);
  passes::LoopOptions forced;
  forced.strategy = ir::Strategy::Streaming;
  ir::LoopNest streaming = contiguousNest(program, forced);
  EXPECT_NE(ir::keyText(chosen), ir::keyText(streaming));
  EXPECT_NE(ir::keyText(streaming).find("strategy streaming"), std::string::npos);
  EXPECT_EQ(ir::keyText(streaming).find("why:"), std::string::npos) << ir::keyText(streaming);
  ir::LoopNest reworded = chosen;
  reworded.rationale = {"another reason"};
  EXPECT_EQ(ir::keyText(reworded), ir::keyText(chosen));
  EXPECT_NE(toString(reworded), toString(chosen));
}

TEST(LoopNest, VerifyNamesTheBrokenInvariant) {
  ir::LoopNest nest = contiguousNest(programOf("ik,kj->ij", {{4, 6}, {6, 8}}, DType::f32));
  ir::LoopNest twice = nest;
  twice.reductionLoops.push_back(twice.reductionLoops.back());
  expectError([&] { ir::verify(twice); }, ErrorKind::Internal, {"is looped over 2 times"});
  ir::LoopNest unrolledSum = nest;
  unrolledSum.reductionLoops.back().kind = ir::LoopKind::Unrolled;
  unrolledSum.outputLoops.back().kind = ir::LoopKind::Serial;
  expectError([&] { ir::verify(unrolledSum); }, ErrorKind::Internal, {"is a reduction loop"});
  ir::LoopNest shortStrides = nest;
  shortStrides.inputs[0].strides.pop_back();
  expectError([&] { ir::verify(shortStrides); }, ErrorKind::Internal, {"x has 2 strides"});
  ir::LoopNest longUnroll =
      contiguousNest(programOf("ik,kj->ij", {{4, 100}, {100, 8}}, DType::f32));
  longUnroll.reductionLoops.back().fullUnroll = true;
  expectError([&] { ir::verify(longUnroll); }, ErrorKind::Internal,
              {"is fully unrolled but its trip count"});
  ir::LoopNest scalarNontemporal =
      contiguousNest(programOf("bi,bi->b", {{4, 8}, {4, 8}}, DType::f32));
  scalarNontemporal.nontemporalStores = true;
  expectError([&] { ir::verify(scalarNontemporal); }, ErrorKind::Internal,
              {"non-temporal stores without a vector output loop"});
}

} // namespace
} // namespace einjit::test
