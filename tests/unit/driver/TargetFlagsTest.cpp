// driver/TargetFlags.h: --target and --cache-sizes checked before anything is built for them.
#include "driver/TargetFlags.h"

#include "TestSupport.h"

namespace einjit::driver {
namespace {

TEST(TargetFlags, AnUnknownCpuIsReportedAsItsSource) {
  test::expectError([] { checkTargetName("pentium9000", "--target"); }, ErrorKind::Argument,
                    {"--target: LLVM does not know the CPU 'pentium9000'"});
  checkTargetName("host", "--target");
  checkTargetName("x86-64-v3", "EINJIT_TARGET");
}

TEST(TargetFlags, CacheSizes) {
  std::string error;
  std::optional<CacheSizes> caches = parseCacheSizes("48K,2M,32M", error);
  ASSERT_TRUE(caches) << error;
  EXPECT_EQ(caches->l1d, 48u << 10);
  EXPECT_EQ(caches->l2, 2u << 20);
  EXPECT_EQ(caches->l3, 32u << 20);
  EXPECT_FALSE(parseCacheSizes("48K", error));
  EXPECT_FALSE(error.empty());
}

} // namespace
} // namespace einjit::driver
