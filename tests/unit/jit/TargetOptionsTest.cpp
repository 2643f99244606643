// EngineOptions::target and cacheSizes: a pinned target and pinned caches give the same schedule
// on every machine; a target this CPU cannot run still explains but refuses to run; odd cache
// reports from sysfs keep the packed blocks within real caches.
#include "JitTestSupport.h"
#include "TestSupport.h"
#include "codegen/Codegen.h"
#include "engine/EngineImpl.h"
#include "support/CacheSizes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

namespace einjit::test {
namespace {

TEST(TargetOptions, TheHostLacksNothingItsOwnTargetNeeds) {
  EXPECT_TRUE(codegen::featuresMissingOnHost(codegen::hostTarget()).empty());
}

TEST(TargetOptions, APinnedTargetSetsTheVectorWidth) {
  EngineOptions options;
  options.target = "x86-64-v3";
  Engine engine(options);
  EXPECT_NE(engine.targetDescription().find("x86-64-v3, 256-bit vectors"), std::string::npos)
      << engine.targetDescription();
  options.target = "x86-64-v4";
  Engine wide(options);
  EXPECT_NE(wide.targetDescription().find("x86-64-v4, 512-bit vectors"), std::string::npos)
      << wide.targetDescription();
}

TEST(TargetOptions, AnUnknownTargetIsAnArgumentError) {
  EngineOptions options;
  options.target = "pentium9000";
  expectError([&] { Engine engine(options); }, ErrorKind::Argument,
              {"EngineOptions::target: LLVM does not know the CPU 'pentium9000'"});
}

TEST(TargetOptions, ATargetBeyondThisCpuExplainsButDoesNotRun) {
  // Derived from the host: on a CPU with AVX-512 every x86-64-v4 kernel runs; without it, the
  // plan explains (AVX-512 loops) and refuses to run, naming what is missing.
  EngineOptions options;
  options.target = "x86-64-v4";
  Engine engine(options);
  Plan plan = engine.plan("ij,jk->ik", {{8, 64}, {64, 64}}, DType::f32);
  EXPECT_NE(plan.explain(ExplainStage::LLVM).find("<16 x float>"), std::string::npos);
  Tensor x = arange(DType::f32, {8, 64});
  Tensor y = arange(DType::f32, {64, 64});
  std::vector<std::string> missing =
      codegen::featuresMissingOnHost(codegen::resolveTarget("x86-64-v4", "test"));
  if (missing.empty()) {
    Tensor expected = Engine().einsum("ij,jk->ik", {x.view(), y.view()});
    EXPECT_EQ(realValuesOf(plan.run({x.view(), y.view()}).view()), realValuesOf(expected.view()));
  } else {
    EXPECT_NE(std::find(missing.begin(), missing.end(), "avx512f"), missing.end());
    expectError(
        [&] {
          plan.run({x.view(), y.view()});
        },
        ErrorKind::Unsupported,
        {"compiled for x86-64-v4", "avx512f", "can be explained, not run here"});
  }
}

TEST(TargetOptions, PinnedCachesDecideTheStrategyAnywhere) {
  // S12's 64 MiB output: past half of a pinned 32 MiB L3 it is stored non-temporally, within
  // half of a pinned 256 MiB L3 it is not (pinned sizes are taken as given).
  EngineOptions options;
  options.target = "x86-64-v3";
  options.cacheSizes = {32 << 10, 1 << 20, 32 << 20};
  std::string small = Engine(options).plan("i,j->ij", {{4096}, {4096}}, DType::f32).explain();
  EXPECT_NE(small.find("L3/2 16777216 B: non-temporal stores"), std::string::npos) << small;
  options.cacheSizes.l3 = std::size_t{256} << 20;
  std::string large = Engine(options).plan("i,j->ij", {{4096}, {4096}}, DType::f32).explain();
  EXPECT_EQ(large.find("non-temporal stores"), std::string::npos) << large;
}

TEST(TargetOptions, TheCacheSizesVariableIsReadAndChecked) {
  ASSERT_EQ(setenv("EINJIT_CACHE_SIZES", "48K,2M,8M", 1), 0);
  std::string description = Engine().targetDescription();
  EXPECT_NE(description.find("L1d 48 KiB, L2 2048 KiB, L3 8192 KiB"), std::string::npos)
      << description;
  // An option wins over the variable, level by level.
  EngineOptions options;
  options.cacheSizes.l3 = 16 << 20;
  description = Engine(options).targetDescription();
  EXPECT_NE(description.find("L1d 48 KiB, L2 2048 KiB, L3 16384 KiB"), std::string::npos)
      << description;
  ASSERT_EQ(setenv("EINJIT_CACHE_SIZES", "48K,2M", 1), 0);
  expectError([] { Engine engine; }, ErrorKind::Argument,
              {"EINJIT_CACHE_SIZES: expected three sizes"});
  ASSERT_EQ(unsetenv("EINJIT_CACHE_SIZES"), 0);
}

TEST(TargetOptions, PackedBlocksStayWithinRealCachesWhateverSysfsSays) {
  // A hypervisor's 480 MiB L3, no L3 at all, a 1 GiB L2: once sanitised, the packed B block
  // (KC x NC) stays within the L3 a core can use and the A block (MC x KC) within the L2.
  const std::size_t MiB = 1 << 20;
  for (support::CacheSizes reported :
       {support::CacheSizes{48 << 10, 2 * MiB, 480 * MiB}, support::CacheSizes{32 << 10, MiB, 0},
        support::CacheSizes{0, 1024 * MiB, 0}, support::CacheSizes{1, 1, 1}}) {
    passes::LoopOptions options;
    options.vectorBits = 512;
    options.vectorRegisters = 32;
    options.caches = support::saneCacheSizes(reported);
    options.strategy = ir::Strategy::Packed;
    ir::LoopNest nest =
        contiguousNest(programOf("ik,kj->ij", {{4096, 4096}, {4096, 4096}}, DType::f32), options);
    ASSERT_TRUE(nest.packed);
    auto bytes = [](std::int64_t a, std::int64_t b) { return static_cast<std::size_t>(a * b * 4); };
    EXPECT_LE(bytes(nest.packed->kc, nest.packed->nc), support::kMaxL3);
    EXPECT_LE(bytes(nest.packed->kc, nest.packed->nc), options.caches.l3);
    EXPECT_LE(bytes(nest.packed->mc, nest.packed->kc), options.caches.l2);
  }
}

} // namespace
} // namespace einjit::test
