// The driver's ahead-of-time half (driver/AotCompile.h) without the CLI: the cache sizes a target
// is compiled for, and the path a chain of three or more operands compiles as — the JIT's.
#include "TestSupport.h"
#include "driver/AotCompile.h"
#include "frontend/CallText.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace einjit {
namespace {

driver::AotKernel lowered(const std::string& expression, const std::string& shapes,
                          DType dtype = DType::f32) {
  driver::AotOptions options;
  options.target = codegen::hostTarget();
  return driver::lowerAot({"kernel", expression, shapes, dtype, ""}, options);
}

TEST(AotDriver, HostUsesItsCachesANamedCpuTheStatedDefaults) {
  EXPECT_EQ(driver::aotCacheSizes("host", std::nullopt), support::hostCacheSizes());
  EXPECT_EQ(driver::aotCacheSizes("x86-64-v3", std::nullopt), support::CacheSizes{});
  support::CacheSizes pinned{16 << 10, 256 << 10, 4 << 20};
  EXPECT_EQ(driver::aotCacheSizes("host", pinned), pinned);
  EXPECT_EQ(driver::aotCacheSizes("x86-64-v3", pinned), pinned);
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

TEST(AotDriver, FusedWhereThePathDoesNotPayAndForHalfPrecision) {
  // A product of three vectors summed: the fused nest multiplies as few times as any path.
  driver::AotKernel dot = lowered("np.einsum('i,i,i->', a, b, c)", "a=8,b=8,c=8");
  EXPECT_TRUE(dot.path.steps.empty());
  EXPECT_TRUE(dot.entry.steps.empty());
  EXPECT_EQ(dot.scratchElements, 0);
  // bf16 chains stay fused: the JIT widens their steps to f32, which an entry point cannot.
  driver::AotKernel half =
      lowered("np.einsum('ij,jk,kl->il', a, b, c)", "a=64x16,b=16x64,c=64x16", DType::bf16);
  EXPECT_TRUE(half.path.steps.empty());
  EXPECT_TRUE(half.entry.steps.empty());
}

} // namespace
} // namespace einjit
