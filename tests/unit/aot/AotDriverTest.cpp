// The driver's ahead-of-time half (driver/AotCompile.h) without the CLI: the cache sizes a target
// is compiled for, and the path a call compiles as — the JIT's: pairwise steps for three or more
// operands, relayout copies for two (an entry point of one run in-process against the
// interpreter).
#include "TestSupport.h"
#include "driver/AotCompile.h"
#include "frontend/CallText.h"
#include "jit/Jit.h"
#include "jit/ObjectBundle.h"
#include "reference/Interpreter.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace einjit {
namespace {

driver::AotKernel lowered(const std::string& expression, const std::string& shapes,
                          DType dtype = DType::f32,
                          const support::CacheSizes& caches = support::CacheSizes{},
                          bool threaded = true) {
  driver::AotOptions options;
  options.target = codegen::hostTarget();
  options.caches = caches;
  options.threaded = threaded;
  return driver::lowerAot({"kernel", expression, shapes, dtype, ""}, options);
}

/// An L2 of 16 KiB: small operands already exceed it, so that they take a relayout path.
const support::CacheSizes kSmallCaches{4096, 16384, 65536};

TEST(AotDriver, HostUsesItsCachesANamedCpuTheStatedDefaults) {
  EXPECT_EQ(driver::aotCacheSizes("host", std::nullopt), support::hostCacheSizes());
  EXPECT_EQ(driver::aotCacheSizes("x86-64-v3", std::nullopt), support::CacheSizes{});
  support::CacheSizes pinned{16 << 10, 256 << 10, 4 << 20};
  EXPECT_EQ(driver::aotCacheSizes("host", pinned), pinned);
  EXPECT_EQ(driver::aotCacheSizes("x86-64-v3", pinned), pinned);
}

TEST(AotDriver, OptionsResolveTheTargetAndPickItsCaches) {
  driver::AotOptions host = driver::aotOptions("host", std::nullopt, true, "compile: --target");
  EXPECT_EQ(host.target.key(), codegen::hostTarget().key());
  EXPECT_EQ(host.caches, support::hostCacheSizes());
  EXPECT_TRUE(host.threaded);
  driver::AotOptions named =
      driver::aotOptions("x86-64-v3", CacheSizes{16 << 10, 256 << 10, 4 << 20}, false, "here");
  EXPECT_EQ(named.target.cpu, "x86-64-v3");
  EXPECT_EQ(named.caches, (support::CacheSizes{16 << 10, 256 << 10, 4 << 20}));
  EXPECT_FALSE(named.threaded);
  test::expectError(
      [] { driver::aotOptions("pentium9000", std::nullopt, true, "compile: --target"); },
      ErrorKind::Argument, {"compile: --target: LLVM does not know the CPU 'pentium9000'"});
}

TEST(AotDriver, ChainCompilesAsTheJitsPath) {
  const std::string expression = "np.einsum('ij,jk,kl->il', a, b, c)";
  const std::string shapes = "a=64x16,b=16x64,c=64x16";
  driver::AotKernel kernel = lowered(expression, shapes);
  ir::IndexProgram program =
      frontend::lowerCallText(expression, frontend::parseShapes(shapes)).program;
  EXPECT_EQ(passes::toString(kernel.path), passes::toString(passes::choosePath(program)));
  ASSERT_EQ(kernel.path.steps.size(), 2u);
  // One step before the last kernel, in both entry points; its 16x16 temporary in scratch.
  EXPECT_EQ(kernel.entry.steps.size(), 1u);
  ASSERT_TRUE(kernel.hasStridedEntry);
  EXPECT_EQ(kernel.stridedEntry.steps.size(), 1u);
  EXPECT_EQ(kernel.scratchElements, 16 * 16);
  // The last kernel reads the temporary (the value after the three parameters).
  const std::vector<std::size_t>& reads = kernel.entry.inputOfTensor;
  EXPECT_NE(std::find(reads.begin(), reads.end(), 3u), reads.end());
}

TEST(AotDriver, FourOperandsKeepEveryTemporaryApart) {
  driver::AotKernel kernel =
      lowered("np.einsum('ij,jk,kl,lm->im', w, x, y, z)", "w=2x3,x=3x4,y=4x5,z=5x2", DType::f64);
  ASSERT_EQ(kernel.entry.steps.size(), 2u);
  const codegen::AotStep& first = kernel.entry.steps[0];
  const codegen::AotStep& second = kernel.entry.steps[1];
  EXPECT_GE(second.scratchOffset, first.scratchOffset + 4 * 2);
  EXPECT_EQ(kernel.scratchElements, 4 * 2 + 3 * 2);
}

TEST(AotDriver, FusedWhereThePathDoesNotPay) {
  // A product of three vectors summed: the fused nest multiplies as few times as any path.
  driver::AotKernel dot = lowered("np.einsum('i,i,i->', a, b, c)", "a=8,b=8,c=8");
  EXPECT_TRUE(dot.path.steps.empty());
  EXPECT_TRUE(dot.entry.steps.empty());
  EXPECT_EQ(dot.scratchElements, 0);
}

TEST(AotDriver, HalfPrecisionChainRunsThePathInF32) {
  // As the JIT: three widening copies, the two f32 steps, then the copy rounding into out
  // (AotHalfPathTest.cpp runs them).
  driver::AotKernel half =
      lowered("np.einsum('ij,jk,kl->il', a, b, c)", "a=64x16,b=16x64,c=64x16", DType::f16);
  ASSERT_EQ(half.path.steps.size(), 2u);
  EXPECT_EQ(half.entry.steps.size(), 3u + 2u);
  ASSERT_TRUE(half.hasStridedEntry);
  EXPECT_EQ(half.stridedEntry.steps.size(), 3u + 2u);
  EXPECT_EQ(half.scratchDtype, DType::f32);
  EXPECT_EQ(half.scratchElements, 3 * 64 * 16 + 16 * 16 + 64 * 16);
  EXPECT_EQ(half.entry.nest.resultDtype(), DType::f16);
  ASSERT_GE(half.stages.size(), 2u);
  EXPECT_EQ(half.stages[1].key, "path");
  EXPECT_NE(half.stages[1].text.find("f16: the operands widen to f32"), std::string::npos)
      << half.stages[1].text;
}

TEST(AotDriver, BatchInnermostCompilesAsTheJitsRelayoutPath) {
  const std::string expression = "np.einsum('ikc,jkc->ijc', x, y)";
  const std::string shapes = "x=50x80x3,y=47x80x3";
  driver::AotKernel kernel = lowered(expression, shapes, DType::f32, kSmallCaches);
  ir::IndexProgram program =
      frontend::lowerCallText(expression, frontend::parseShapes(shapes)).program;
  passes::ContractionPath expected = passes::relayoutPath(program, kSmallCaches);
  ASSERT_FALSE(expected.relayout.empty());
  EXPECT_EQ(passes::toString(kernel.path), passes::toString(expected));
  // Copies of x and y, the product, then the copy into out: three temporaries in scratch.
  ASSERT_EQ(kernel.path.steps.size(), 4u);
  EXPECT_EQ(kernel.entry.steps.size(), 3u);
  EXPECT_EQ(kernel.stridedEntry.steps.size(), 3u);
  EXPECT_EQ(kernel.scratchElements, 50 * 80 * 3 + 47 * 80 * 3 + 50 * 47 * 3);
  // The stated default caches hold these operands: the fused nest.
  EXPECT_TRUE(lowered(expression, shapes).path.steps.empty());
}

/// Small integers, exact in every sum here: (3k + 5o) mod 7 - 3.
Tensor smallIntegers(DType dtype, const Shape& shape, int operand) {
  std::vector<double> values(static_cast<std::size_t>(elementCount(shape)));
  for (std::size_t k = 0; k < values.size(); ++k)
    values[k] = static_cast<double>((static_cast<int>(k) * 3 + operand * 5) % 7 - 3);
  return test::tensorOf(dtype, shape, values);
}

TEST(AotDriver, RelayoutEntryPointMatchesTheInterpreter) {
  // Single-threaded, so that the object needs nothing but libc: the JIT links it in-process.
  struct Case {
    std::string expression, shapes;
  };
  for (const Case& call : {Case{"np.einsum('ikc,jkc->ijc', x, y)", "x=50x80x3,y=47x80x3"},
                           Case{"np.einsum('ibnd,jbnd->ijbn', x, y)", "x=50x2x3x80,y=47x2x3x80"}}) {
    SCOPED_TRACE(call.expression);
    driver::AotKernel kernel =
        lowered(call.expression, call.shapes, DType::f32, kSmallCaches, false);
    ASSERT_FALSE(kernel.path.relayout.empty());
    driver::AotObjectCode code =
        driver::compileAot("relayout", {kernel}, codegen::hostTarget(), driver::AotCache{"", {}});
    EXPECT_FALSE(code.fromCache);
    jit::Jit jit;
    std::shared_ptr<const jit::Kernel> linked =
        jit.load(jit::bundleObjects({code.object}), "kernel", 0);
    using Entry = std::int32_t (*)(const float*, const float*, float*, float*, float, float);
    auto entry = reinterpret_cast<Entry>(reinterpret_cast<void (*)()>(linked->entry()));

    const ir::IndexProgram& program = kernel.program;
    Tensor x = smallIntegers(DType::f32, program.operands[0].shape, 0);
    Tensor y = smallIntegers(DType::f32, program.operands[1].shape, 1);
    Tensor out = smallIntegers(DType::f32, program.outputShape(), 2);
    Tensor expected = smallIntegers(DType::f32, program.outputShape(), 2);
    std::vector<float> scratch(static_cast<std::size_t>(kernel.scratchElements));
    reference::interpret(program, {x.view(), y.view()}, expected.view(), {2.0, -1.0});
    ASSERT_EQ(entry(x.as<float>(), y.as<float>(), out.as<float>(), scratch.data(), 2, -1), 0);
    EXPECT_EQ(test::realValuesOf(out.view()), test::realValuesOf(expected.view()));
  }
}

TEST(AotDriver, ChunkedRelayoutEntryPointsMatchTheInterpreter) {
  // Caches under which the product's temporary exceeds half the L2: the path runs in 4 chunks of
  // 12 i, in the entry points as in the JIT (RelayoutTest's kChunkCaches).
  const support::CacheSizes chunkCaches{4096, 32768, 1 << 20};
  driver::AotKernel kernel = lowered("np.einsum('ibnd,jbnd->ijbn', x, y)",
                                     "x=48x2x3x80,y=47x2x3x80", DType::f32, chunkCaches, false);
  ASSERT_TRUE(kernel.path.chunks.has_value()) << passes::toString(kernel.path);
  ASSERT_TRUE(kernel.entry.chunks.has_value());
  EXPECT_EQ(kernel.entry.chunks->firstChunkedStep, 1u);
  EXPECT_EQ(kernel.entry.chunks->count, 4);
  // Scratch holds y's copy whole and one chunk of the others.
  EXPECT_EQ(kernel.scratchElements, 47 * 480 + 12 * 480 + 12 * 47 * 6);
  driver::AotObjectCode code =
      driver::compileAot("chunked", {kernel}, codegen::hostTarget(), driver::AotCache{"", {}});
  jit::Jit jit;
  jit::Jit stridedJit;
  std::shared_ptr<const jit::Kernel> contiguous =
      jit.load(jit::bundleObjects({code.object}), "kernel", 0);
  std::shared_ptr<const jit::Kernel> strided =
      stridedJit.load(jit::bundleObjects({code.object}), "kernel_strided", 0);
  using Entry = std::int32_t (*)(const float*, const float*, float*, float*, float, float);
  using StridedEntry =
      std::int32_t (*)(const float*, const std::int64_t*, const float*, const std::int64_t*, float*,
                       const std::int64_t*, float*, float, float);
  auto entry = reinterpret_cast<Entry>(reinterpret_cast<void (*)()>(contiguous->entry()));
  auto stridedEntry =
      reinterpret_cast<StridedEntry>(reinterpret_cast<void (*)()>(strided->entry()));

  const ir::IndexProgram& program = kernel.program;
  Tensor x = smallIntegers(DType::f32, program.operands[0].shape, 0);
  Tensor y = smallIntegers(DType::f32, program.operands[1].shape, 1);
  Tensor expected = smallIntegers(DType::f32, program.outputShape(), 2);
  reference::interpret(program, {x.view(), y.view()}, expected.view(), {2.0, -1.0});
  std::vector<float> scratch(static_cast<std::size_t>(kernel.scratchElements));
  Tensor out = smallIntegers(DType::f32, program.outputShape(), 2);
  ASSERT_EQ(entry(x.as<float>(), y.as<float>(), out.as<float>(), scratch.data(), 2, -1), 0);
  EXPECT_EQ(test::realValuesOf(out.view()), test::realValuesOf(expected.view()));

  // The strided entry point, its output every other float of a buffer twice the size and x
  // read through reversed strides of its first dimension.
  Shape outShape = program.outputShape();
  Strides outStrides = rowMajorStrides(outShape);
  for (std::int64_t& stride : outStrides)
    stride *= 2;
  std::vector<float> wide(static_cast<std::size_t>(2 * elementCount(outShape)));
  std::vector<double> initial = test::realValuesOf(smallIntegers(DType::f32, outShape, 2).view());
  for (std::size_t k = 0; k < initial.size(); ++k)
    wide[2 * k] = static_cast<float>(initial[k]);
  Shape xShape = program.operands[0].shape;
  Tensor reversed = smallIntegers(DType::f32, xShape, 0);
  // reversed[i] holds x[47 - i]: a view from its last row with a negative first stride reads x.
  std::int64_t row = elementCount(xShape) / xShape[0];
  for (std::int64_t i = 0; i < xShape[0]; ++i)
    std::copy_n(x.as<float>() + (xShape[0] - 1 - i) * row, row, reversed.as<float>() + i * row);
  Strides xStrides = rowMajorStrides(xShape);
  xStrides[0] = -xStrides[0];
  Strides yStrides = rowMajorStrides(program.operands[1].shape);
  ASSERT_EQ(stridedEntry(reversed.as<float>() + (xShape[0] - 1) * row, xStrides.data(),
                         y.as<float>(), yStrides.data(), wide.data(), outStrides.data(),
                         scratch.data(), 2, -1),
            0);
  std::vector<double> expectedValues = test::realValuesOf(expected.view());
  for (std::size_t k = 0; k < expectedValues.size(); ++k) {
    ASSERT_EQ(wide[2 * k], expectedValues[k]) << "element " << k;
    ASSERT_EQ(wide[2 * k + 1], 0.0f) << "element " << k << " of the gaps";
  }
}

} // namespace
} // namespace einjit
