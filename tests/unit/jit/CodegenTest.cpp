// Code generation: the LLVM IR of a kernel holds explicit vectors of the target's width and
// llvm.fma; the host target is read from the machine; LLVM failures name their stage.
#include "codegen/Codegen.h"
#include "JitTestSupport.h"
#include "TestSupport.h"
#include "passes/Passes.h"

#include <gtest/gtest.h>

namespace einjit::test {
namespace {

ir::LoopNest nestFor(const std::string& spec, const std::vector<Shape>& shapes, DType dtype,
                     const codegen::TargetDesc& target) {
  return contiguousNest(programOf(spec, shapes, dtype),
                        passes::LoopOptions{target.vectorBits, target.vectorRegisters, {}, {}});
}

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

TEST(Codegen, AnAvx2TargetGetsEightFloatFma) {
  codegen::TargetDesc haswell = codegen::namedTarget("haswell");
  EXPECT_EQ(haswell.vectorBits, 256u);
  EXPECT_EQ(haswell.vectorRegisters, 16u);
  ir::LoopNest nest = nestFor("ik,kj->ij", {{64, 64}, {64, 64}}, DType::f32, haswell);
  for (bool optimized : {false, true}) {
    std::string ir = codegen::emitLLVMIR(nest, haswell, "gemm", optimized);
    EXPECT_TRUE(contains(ir, "<8 x float>")) << ir;
    EXPECT_TRUE(contains(ir, "@llvm.fma.v8f32")) << ir;
    EXPECT_TRUE(contains(ir, "define i32 @gemm(")) << ir;
  }
  std::string assembly = codegen::emitAssembly(nest, haswell, "gemm");
  EXPECT_TRUE(contains(assembly, "vfmadd")) << assembly;
  EXPECT_TRUE(contains(assembly, "ymm")) << assembly;
}

TEST(Codegen, VectorWidthFollowsTheTarget) {
  codegen::TargetDesc avx512 = codegen::namedTarget("skylake-avx512");
  EXPECT_EQ(avx512.vectorBits, 512u);
  EXPECT_EQ(avx512.vectorRegisters, 32u);
  EXPECT_TRUE(
      contains(codegen::emitLLVMIR(nestFor("ik,kj->ij", {{64, 64}, {64, 64}}, DType::f32, avx512),
                                   avx512, "k", false),
               "<16 x float>"));
  codegen::TargetDesc haswell = codegen::namedTarget("haswell");
  EXPECT_TRUE(
      contains(codegen::emitLLVMIR(nestFor("ik,kj->ij", {{64, 64}, {64, 64}}, DType::f64, haswell),
                                   haswell, "k", false),
               "<4 x double>"));
  std::string integers = codegen::emitLLVMIR(
      nestFor("ik,kj->ij", {{64, 64}, {64, 64}}, DType::i32, haswell), haswell, "k", false);
  EXPECT_TRUE(contains(integers, "mul <8 x i32>")) << integers;
  codegen::TargetDesc sse = codegen::namedTarget("x86-64");
  EXPECT_EQ(sse.vectorBits, 128u);
}

TEST(Codegen, VectorRemaindersAreOneMaskedVectorWhereEveryAccessIsUnitStride) {
  codegen::TargetDesc haswell = codegen::namedTarget("haswell");
  auto irOf = [&](const std::string& spec, const std::vector<Shape>& shapes, DType dtype,
                  const codegen::TargetDesc& target) {
    return codegen::emitLLVMIR(nestFor(spec, shapes, dtype, target), target, "k", false);
  };
  // N = 21 = 16 + 5 on 8 lanes: the 5 are one masked vector, loaded from y, stored to out.
  for (DType dtype : {DType::f32, DType::i32}) {
    std::string ir = irOf("ik,kj->ij", {{9, 7}, {7, 21}}, dtype, haswell);
    EXPECT_TRUE(contains(ir, "@llvm.masked.load.v8")) << ir;
    EXPECT_TRUE(contains(ir, "@llvm.masked.store.v8")) << ir;
  }
  // 19 = 16 + 3: the narrowest vector that holds the 3, half as wide.
  std::string narrow = irOf("ik,kj->ij", {{9, 7}, {7, 19}}, DType::f32, haswell);
  EXPECT_TRUE(contains(narrow, "@llvm.masked.load.v4f32")) << narrow;
  EXPECT_FALSE(contains(narrow, "@llvm.masked.load.v8f32")) << narrow;
  // Whole vectors leave nothing to mask.
  EXPECT_FALSE(contains(irOf("ik,kj->ij", {{9, 7}, {7, 32}}, DType::f32, haswell), "masked"));
  // A summed vector label (a dot tile's K) ends in one full-width masked vector: its loads are
  // masked, the output is stored element by element.
  std::string summed = irOf("ik,jk->ij", {{9, 21}, {7, 21}}, DType::f32, haswell);
  EXPECT_TRUE(contains(summed, "@llvm.masked.load.v8f32")) << summed;
  EXPECT_FALSE(contains(summed, "@llvm.masked.store")) << summed;
  // The output's vector label strided (a transposed out), or vectors narrower than 256 bits:
  // the remainder stays element by element.
  EXPECT_FALSE(contains(irOf("ik,kj->ji", {{9, 7}, {7, 21}}, DType::f32, haswell), "masked"));
  EXPECT_FALSE(contains(
      irOf("ik,kj->ij", {{9, 7}, {7, 21}}, DType::f32, codegen::namedTarget("x86-64")), "masked"));
}

TEST(Codegen, TheHostTargetReflectsItsFeatures) {
  codegen::TargetDesc host = codegen::hostTarget();
  EXPECT_FALSE(host.cpu.empty());
  if (contains(host.features, "+avx512f")) {
    EXPECT_EQ(host.vectorBits, 512u);
  } else if (contains(host.features, "+avx2")) {
    EXPECT_EQ(host.vectorBits, 256u);
  }
  if (contains(host.features, "+avx2") && !contains(host.features, "+avx512f")) {
    std::string ir = codegen::emitLLVMIR(
        nestFor("ik,kj->ij", {{32, 32}, {32, 32}}, DType::f32, host), host, "k", true);
    EXPECT_TRUE(contains(ir, "<8 x float>") && contains(ir, "llvm.fma")) << ir;
  }
}

TEST(Codegen, ComplexKernelsConjugateInVectorsOrScalars) {
  // c64 on 256 bits: four (re, im) pairs per vector, the conjugate a sign on the odd lanes.
  codegen::TargetDesc haswell = codegen::namedTarget("haswell");
  ir::LoopNest nest =
      contiguousNest(programOf("ik,kj->ij", {{4, 4}, {4, 4}}, DType::c64, {0}),
                     passes::LoopOptions{haswell.vectorBits, haswell.vectorRegisters, {}, {}});
  std::string ir = codegen::emitLLVMIR(nest, haswell, "k", false);
  EXPECT_TRUE(contains(ir, "fneg <8 x float>")) << ir;
  EXPECT_TRUE(contains(ir, "@llvm.fma.v8f32")) << ir;
  // c128 on 128 bits: one element per vector, so the kernel stays scalar.
  codegen::TargetDesc sse = codegen::namedTarget("x86-64");
  ir::LoopNest scalar =
      contiguousNest(programOf("ik,kj->ij", {{4, 4}, {4, 4}}, DType::c128, {0}),
                     passes::LoopOptions{sse.vectorBits, sse.vectorRegisters, {}, {}});
  std::string scalarIr = codegen::emitLLVMIR(scalar, sse, "k", false);
  EXPECT_FALSE(contains(scalarIr, "x double>")) << scalarIr;
  EXPECT_TRUE(contains(scalarIr, "fneg double")) << scalarIr;
  EXPECT_TRUE(contains(scalarIr, "@llvm.fma.f64")) << scalarIr;
}

TEST(Codegen, LlvmFailuresNameTheStage) {
  codegen::TargetDesc bogus = codegen::namedTarget("haswell");
  bogus.triple = "nonsense-unknown-nowhere";
  ir::LoopNest nest =
      nestFor("ik,kj->ij", {{4, 4}, {4, 4}}, DType::f32, codegen::namedTarget("haswell"));
  expectError([&] { codegen::compileObjects(nest, bogus, "k"); }, ErrorKind::Internal,
              {"codegen (target)", "nonsense-unknown-nowhere"});
  expectError([&] { codegen::namedTarget("haswell", "nonsense-unknown-nowhere"); },
              ErrorKind::Internal, {"codegen (target)"});
}

} // namespace
} // namespace einjit::test
