// driver/KernelCacheFiles.h: the persistent cache's entry files as `einjit cache` lists and
// clears them, valid and invalid ones.
#include "driver/KernelCacheFiles.h"

#include "TestSupport.h"
#include "jit/DiskCache.h"

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace einjit::driver {
namespace {

namespace fs = std::filesystem;

TEST(KernelCacheFiles, ListsValidAndInvalidEntriesAndClearsThem) {
  fs::path directory =
      fs::temp_directory_path() / ("einjit-kernel-cache-files-" + std::to_string(::getpid()));
  fs::remove_all(directory);
  jit::DiskEntryIdentity identity{"0.0.0", "x86_64-pc-linux-gnu/znver4/+avx2", "a key",
                                  jit::DiskCache::digest("code"), "einjit_kernel"};
  {
    jit::DiskCache cache(directory.string());
    cache.store(identity, "object bytes");
  }
  std::ofstream(directory / jit::DiskCache::entryFileName("another key")) << "not an entry";

  std::vector<KernelCacheFile> files = listKernelCache(directory.string());
  ASSERT_EQ(files.size(), 2u);
  std::size_t valid = files[0].valid ? 0 : 1;
  EXPECT_TRUE(files[valid].valid) << files[valid].problem;
  EXPECT_EQ(files[valid].name, jit::DiskCache::entryFileName("a key"));
  EXPECT_EQ(files[valid].target, identity.target);
  EXPECT_EQ(files[valid].key, "a key");
  EXPECT_GT(files[valid].bytes, 0u);
  EXPECT_FALSE(files[1 - valid].valid);
  EXPECT_FALSE(files[1 - valid].problem.empty());
  EXPECT_TRUE(files[1 - valid].key.empty());

  EXPECT_EQ(clearKernelCache(directory.string()), 2u);
  EXPECT_TRUE(listKernelCache(directory.string()).empty());
  fs::remove_all(directory);
}

TEST(KernelCacheFiles, AMissingDirectoryHoldsNothing) {
  EXPECT_TRUE(listKernelCache("/nonexistent/einjit-kernel-cache").empty());
}

} // namespace
} // namespace einjit::driver
