// Cache sizes as sysfs reports them (fake sysfs trees: a normal core, a hypervisor's huge L3, no
// L3 at all, an L2 shared by a cluster) and as users pin them: the sizes the schedule sees stay
// within the bounds of real cores, and so do the block sizes derived from them.
#include "support/CacheSizes.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace einjit::support {
namespace {

namespace fs = std::filesystem;

/// A sysfs CPU root in a temporary directory that holds cpu0's cache entries.
class FakeSysfs {
public:
  FakeSysfs()
      : root_(fs::temp_directory_path() /
              ("einjit-sysfs-" + std::to_string(getpid()) + "-" + std::to_string(counter_++))) {
    fs::create_directories(root_ / "cpu0" / "cache");
  }
  ~FakeSysfs() {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }
  FakeSysfs(const FakeSysfs&) = delete;
  FakeSysfs& operator=(const FakeSysfs&) = delete;

  void cache(int index, const std::string& level, const std::string& type, const std::string& size,
             const std::string& sharedCpus = "0") {
    fs::path directory = root_ / "cpu0" / "cache" / ("index" + std::to_string(index));
    fs::create_directories(directory);
    write(directory / "level", level);
    write(directory / "type", type);
    write(directory / "size", size);
    write(directory / "shared_cpu_list", sharedCpus);
  }
  void threadSiblings(const std::string& list) {
    fs::create_directories(root_ / "cpu0" / "topology");
    write(root_ / "cpu0" / "topology" / "thread_siblings_list", list);
  }
  std::string root() const { return root_.string(); }

private:
  static void write(const fs::path& path, const std::string& text) {
    std::ofstream(path) << text << "\n";
  }
  static inline int counter_ = 0;
  fs::path root_;
};

constexpr std::size_t KiB = 1 << 10;
constexpr std::size_t MiB = 1 << 20;

TEST(CacheSizes, ReadsANormalCore) {
  FakeSysfs sysfs;
  sysfs.cache(0, "1", "Data", "48K");
  sysfs.cache(1, "1", "Instruction", "32K");
  sysfs.cache(2, "2", "Unified", "2048K");
  sysfs.cache(3, "3", "Unified", "32768K", "0-15");
  CacheSizes read = readSysfsCacheSizes(sysfs.root());
  EXPECT_EQ(read, (CacheSizes{48 * KiB, 2 * MiB, 32 * MiB}));
  EXPECT_EQ(saneCacheSizes(read), read);
}

TEST(CacheSizes, AHypervisorsHugeL3IsCappedToARealSlice) {
  // The Sapphire Rapids VM this project ran on reports a 480 MiB L3 to two vCPUs.
  FakeSysfs sysfs;
  sysfs.cache(0, "1", "Data", "48K");
  sysfs.cache(2, "2", "Unified", "2048K");
  sysfs.cache(3, "3", "Unified", "491520K", "0-1");
  CacheSizes sane = saneCacheSizes(readSysfsCacheSizes(sysfs.root()));
  EXPECT_EQ(sane, (CacheSizes{48 * KiB, 2 * MiB, kMaxL3}));
}

TEST(CacheSizes, AMissingL3IsTwiceTheL2) {
  FakeSysfs sysfs;
  sysfs.cache(0, "1", "Data", "32K");
  sysfs.cache(1, "2", "Unified", "1024K");
  CacheSizes read = readSysfsCacheSizes(sysfs.root());
  EXPECT_EQ(read.l3, 0u);
  EXPECT_EQ(saneCacheSizes(read), (CacheSizes{32 * KiB, 1 * MiB, 2 * MiB}));
}

TEST(CacheSizes, AnL2SharedByACoreClusterCountsOneCoresShare) {
  // Four E-cores (one thread each) on one 4 MiB L2: each streams from a quarter of it.
  FakeSysfs sysfs;
  sysfs.threadSiblings("0");
  sysfs.cache(0, "1", "Data", "32K");
  sysfs.cache(2, "2", "Unified", "4096K", "0-3");
  sysfs.cache(3, "3", "Unified", "12288K", "0-11");
  EXPECT_EQ(readSysfsCacheSizes(sysfs.root()), (CacheSizes{32 * KiB, 1 * MiB, 12 * MiB}));
}

TEST(CacheSizes, HyperthreadsShareTheirCoresL2Whole) {
  FakeSysfs sysfs;
  sysfs.threadSiblings("0,64");
  sysfs.cache(0, "1", "Data", "48K", "0,64");
  sysfs.cache(2, "2", "Unified", "2048K", "0,64");
  sysfs.cache(3, "3", "Unified", "105M", "0-127");
  EXPECT_EQ(readSysfsCacheSizes(sysfs.root()), (CacheSizes{48 * KiB, 2 * MiB, 105 * MiB}));
}

TEST(CacheSizes, NothingReadableGivesTheDefaults) {
  FakeSysfs sysfs;
  sysfs.cache(0, "1", "Data", "garbage");
  EXPECT_EQ(saneCacheSizes(readSysfsCacheSizes(sysfs.root())), CacheSizes{});
  EXPECT_EQ(saneCacheSizes(readSysfsCacheSizes("/nonexistent/einjit")), CacheSizes{});
}

TEST(CacheSizes, AbsurdReportsStayWithinBounds) {
  CacheSizes sane = saneCacheSizes({1, 1024 * MiB, std::size_t{1} << 40});
  EXPECT_EQ(sane, (CacheSizes{kMinL1d, kMaxL2, kMaxL3}));
  sane = saneCacheSizes({1024 * MiB, 1, 1});
  EXPECT_EQ(sane.l1d, kMaxL1d);
  EXPECT_GE(sane.l2, sane.l1d);
  EXPECT_GE(sane.l3, 2 * sane.l2);
}

TEST(CacheSizes, TheHostsSizesAreSane) {
  CacheSizes host = hostCacheSizes();
  EXPECT_EQ(saneCacheSizes(host), host);
}

TEST(CacheSizes, ParsesPinnedSizes) {
  std::string error;
  EXPECT_EQ(parseCacheSizes("48K,2M,32M", error), (CacheSizes{48 * KiB, 2 * MiB, 32 * MiB}));
  EXPECT_EQ(parseCacheSizes("32KiB,1MiB,1G", error), (CacheSizes{32 * KiB, MiB, 1024 * MiB}));
  EXPECT_EQ(parseCacheSizes("32768,1048576,8388608", error), CacheSizes{});
  for (const char* bad : {"", "48K", "48K,2M", "48K,2M,32M,1G", "48Q,2M,32M", "48K,,32M",
                          "-1,2M,3M", "12,2M,32M", "2M,48K,32M", "99999999999999999999,1,1"}) {
    error.clear();
    EXPECT_FALSE(parseCacheSizes(bad, error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
  parseCacheSizes("48K,2M", error);
  EXPECT_EQ(error, "expected three sizes L1d,L2,L3 (e.g. 48K,2M,32M), got '48K,2M'");
}

} // namespace
} // namespace einjit::support
