// The persistent kernel cache trusts only its owner (DiskCache.h): a directory it creates is
// private; a directory or entry that is not this user's alone (group- or world-writable, owned by
// another uid, a symbolic link in an entry's place, a FIFO) costs one warning, is never read, and
// turns the cache memory-only, while every contraction still computes the right result.
#include "DiskCacheTestSupport.h"
#include "JitTestSupport.h"
#include "TestSupport.h"
#include "engine/EngineImpl.h"
#include "jit/DiskCache.h"
#include "reference/Interpreter.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace einjit::test {
namespace {

namespace fs = std::filesystem;

/// A uid no file of the test machine belongs to.
constexpr uid_t kStranger = 54321;

const std::string kSpec = "ik,kj->ij";
const std::vector<Shape> kShapes = {{5, 6}, {6, 7}};

/// Writes the entry of kSpec into `directory` with an engine and returns its path.
fs::path writeEntry(const fs::path& directory) {
  {
    Engine writer(optionsFor(directory));
    writer.plan(kSpec, kShapes, DType::f32);
    EXPECT_EQ(writer.statistics().diskWrites, 1u);
  }
  for (const fs::directory_entry& item : fs::directory_iterator(directory))
    if (item.path().extension() == ".kernel")
      return item.path();
  ADD_FAILURE() << "no entry written in " << directory;
  return directory / "missing";
}

/// What one engine did with an untrusted cache: its statistics and what it printed.
struct Outcome {
  EngineStatistics statistics;
  std::string printed;
};

/// Runs two contractions (the first one twice) on a fresh engine over `directory`.
Outcome runEngine(const fs::path& directory) {
  testing::internal::CaptureStderr();
  Outcome outcome;
  {
    Engine engine(optionsFor(directory));
    expectComputes(engine, kSpec, kShapes);
    expectComputes(engine, "ij->j", {{3, 4}});
    expectComputes(engine, kSpec, kShapes);
    outcome.statistics = engine.statistics();
  }
  outcome.printed = testing::internal::GetCapturedStderr();
  return outcome;
}

/// Expects exactly one cache warning in `printed`, naming `directory` and containing `reason`.
void expectOneWarning(const std::string& printed, const fs::path& directory,
                      const std::string& reason) {
  std::string warning = "einjit: warning: kernel cache directory '" + directory.string() + "': ";
  std::size_t first = printed.find(warning);
  ASSERT_NE(first, std::string::npos) << printed;
  EXPECT_EQ(printed.find("warning", first + warning.size()), std::string::npos) << "warned twice:\n"
                                                                                << printed;
  EXPECT_NE(printed.find(reason, first), std::string::npos) << printed;
  EXPECT_NE(printed.find("; compiled kernels are kept in memory only\n", first), std::string::npos)
      << printed;
}

std::size_t fileCount(const fs::path& directory) {
  return static_cast<std::size_t>(
      std::distance(fs::directory_iterator(directory), fs::directory_iterator()));
}

TEST(DiskCacheTrust, ItsDirectoryAndEntriesAreCreatedPrivate) {
  TemporaryDirectory scratch("einjit-trust");
  fs::path directory = scratch.path() / "made" / "by" / "einjit";
  mode_t old = ::umask(0); // the modes below are einjit's own, not the umask's
  fs::path entry = writeEntry(directory);
  ::umask(old);
  for (const fs::path& made : {scratch.path() / "made", scratch.path() / "made" / "by", directory})
    EXPECT_EQ(fs::status(made).permissions(), fs::perms::owner_all) << made;
  EXPECT_EQ(fs::status(entry).permissions(), fs::perms::owner_read | fs::perms::owner_write);
  Engine reader(optionsFor(directory));
  expectComputes(reader, kSpec, kShapes);
  EXPECT_EQ(reader.statistics().diskHits, 1u);
}

TEST(DiskCacheTrust, ADirectoryWritableByGroupOrOthersIsNotUsed) {
  for (mode_t mode : {0770, 0703, 0777}) {
    SCOPED_TRACE(mode);
    TemporaryDirectory scratch("einjit-trust");
    fs::path directory = scratch.path() / "kernels";
    fs::path entry = writeEntry(directory); // a valid entry, written while the mode was 0700
    std::string original = readBytes(entry);
    ASSERT_EQ(::chmod(directory.c_str(), mode), 0);
    Outcome outcome = runEngine(directory);
    expectOneWarning(outcome.printed, directory, "is writable by group or others (mode 0");
    EXPECT_EQ(outcome.statistics.misses, 2u);
    EXPECT_EQ(outcome.statistics.diskHits, 0u) << "loaded from a directory others can write";
    EXPECT_EQ(outcome.statistics.diskWrites, 0u);
    EXPECT_EQ(fileCount(directory), 1u);
    EXPECT_EQ(readBytes(entry), original);
  }
}

TEST(DiskCacheTrust, ADirectoryOfAnotherUserIsNotUsed) {
  if (::geteuid() != 0)
    GTEST_SKIP() << "giving a directory to another uid (chown) needs root; CI runs as root";
  TemporaryDirectory scratch("einjit-trust");
  fs::path directory = scratch.path() / "kernels";
  writeEntry(directory);
  ASSERT_EQ(::chown(directory.c_str(), kStranger, kStranger), 0);
  Outcome outcome = runEngine(directory);
  expectOneWarning(outcome.printed, directory,
                   "is owned by uid " + std::to_string(kStranger) + ", not by this user (uid 0)");
  EXPECT_EQ(outcome.statistics.diskHits, 0u);
  EXPECT_EQ(outcome.statistics.diskWrites, 0u);
  EXPECT_EQ(fileCount(directory), 1u);
}

TEST(DiskCacheTrust, AnEntryOfAnotherUserIsNotLoaded) {
  if (::geteuid() != 0)
    GTEST_SKIP() << "giving a file to another uid (chown) needs root; CI runs as root";
  TemporaryDirectory scratch("einjit-trust");
  fs::path directory = scratch.path() / "kernels";
  fs::path entry = writeEntry(directory);
  std::string original = readBytes(entry);
  ASSERT_EQ(::chown(entry.c_str(), kStranger, kStranger), 0);
  Outcome outcome = runEngine(directory);
  expectOneWarning(outcome.printed, directory,
                   "entry " + entry.filename().string() + " is owned by uid " +
                       std::to_string(kStranger) + ", not by this user (uid 0)");
  EXPECT_EQ(outcome.statistics.diskHits, 0u) << "loaded another user's code";
  EXPECT_EQ(outcome.statistics.diskRejects, 1u);
  EXPECT_EQ(outcome.statistics.diskWrites, 0u) << "memory-only after the warning";
  struct stat status {};
  ASSERT_EQ(::stat(entry.c_str(), &status), 0);
  EXPECT_EQ(status.st_uid, kStranger);
  EXPECT_EQ(readBytes(entry), original);
  // `einjit cache list` says why, without reading it.
  std::vector<jit::DiskEntryFile> files = jit::DiskCache::listEntries(directory.string());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_FALSE(files[0].entry);
  EXPECT_EQ(files[0].problem, "not trusted: is owned by uid " + std::to_string(kStranger) +
                                  ", not by this user (uid 0)");
}

TEST(DiskCacheTrust, AnEntryWritableByOthersIsNotLoaded) {
  TemporaryDirectory scratch("einjit-trust");
  fs::path directory = scratch.path() / "kernels";
  fs::path entry = writeEntry(directory);
  ASSERT_EQ(::chmod(entry.c_str(), 0620), 0);
  Outcome outcome = runEngine(directory);
  expectOneWarning(outcome.printed, directory,
                   "entry " + entry.filename().string() +
                       " is writable by group or others (mode 0620)");
  EXPECT_EQ(outcome.statistics.diskHits, 0u);
  EXPECT_EQ(outcome.statistics.diskRejects, 1u);
  EXPECT_EQ(outcome.statistics.diskWrites, 0u);
}

TEST(DiskCacheTrust, ASymlinkedEntryIsNotFollowed) {
  TemporaryDirectory scratch("einjit-trust");
  // A valid entry for exactly this kernel, elsewhere: only the link makes it untrusted.
  fs::path elsewhere = writeEntry(scratch.path() / "elsewhere");
  std::string original = readBytes(elsewhere);
  fs::path directory = scratch.path() / "kernels";
  fs::create_directory(directory);
  fs::permissions(directory, fs::perms::owner_all);
  fs::path link = directory / elsewhere.filename();
  fs::create_symlink(elsewhere, link);
  Outcome outcome = runEngine(directory);
  expectOneWarning(outcome.printed, directory,
                   "entry " + link.filename().string() + " is a symbolic link");
  EXPECT_EQ(outcome.statistics.diskHits, 0u) << "followed a symbolic link";
  EXPECT_EQ(outcome.statistics.diskRejects, 1u);
  EXPECT_EQ(outcome.statistics.diskWrites, 0u);
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(readBytes(elsewhere), original);
  std::vector<jit::DiskEntryFile> files = jit::DiskCache::listEntries(directory.string());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].problem, "not trusted: a symbolic link");
  EXPECT_EQ(jit::DiskCache::clear(directory.string()), 1u); // the link, not its target
  EXPECT_TRUE(fs::exists(elsewhere));
}

TEST(DiskCacheTrust, AWriteReplacesASymlinkRatherThanWritingThroughIt) {
  TemporaryDirectory scratch("einjit-trust");
  fs::path directory = scratch.path() / "kernels";
  fs::create_directory(directory);
  fs::permissions(directory, fs::perms::owner_all);
  jit::DiskEntryIdentity identity{"v", "t", "key", "f", "s"};
  fs::path victim = scratch.path() / "victim";
  fs::path link = directory / jit::DiskCache::entryFileName(identity.key);
  fs::create_symlink(victim, link); // dangling: a write through it would create `victim`
  jit::DiskCache cache(directory.string());
  cache.store(identity, "object");
  EXPECT_FALSE(fs::exists(fs::symlink_status(victim)));
  EXPECT_EQ(fs::symlink_status(link).type(), fs::file_type::regular);
  EXPECT_EQ(jit::DiskCache(directory.string()).load(identity), "object");
}

TEST(DiskCacheTrust, AFifoNamedAsAnEntryDoesNotBlockALoad) {
  TemporaryDirectory scratch("einjit-trust");
  fs::path directory = scratch.path() / "kernels";
  fs::create_directory(directory);
  fs::permissions(directory, fs::perms::owner_all);
  jit::DiskEntryIdentity identity{"v", "t", "key", "f", "s"};
  std::string name = jit::DiskCache::entryFileName(identity.key);
  ASSERT_EQ(::mkfifo((directory / name).c_str(), 0600), 0);
  jit::DiskCache cache(directory.string(), jit::DiskCache::kDefaultMaxBytes, printWarning);
  testing::internal::CaptureStderr();
  EXPECT_FALSE(cache.load(identity));
  cache.store(identity, "object");
  expectOneWarning(testing::internal::GetCapturedStderr(), directory,
                   "entry " + name + " is not a regular file");
  EXPECT_EQ(cache.statistics().rejects, 1u);
  EXPECT_EQ(cache.statistics().writes, 0u);
}

// A symbolic link to a directory is judged by the directory it leads to: ~/.cache/einjit linked
// to a private directory on a bigger disk is common and safe, because the cache opens the
// directory once, checks the open descriptor and reaches every entry through it.
TEST(DiskCacheTrust, ASymlinkedDirectoryIsJudgedByWhereItLeads) {
  TemporaryDirectory scratch("einjit-trust");
  fs::path privateDirectory = scratch.path() / "private";
  fs::create_directory(privateDirectory);
  fs::permissions(privateDirectory, fs::perms::owner_all);
  fs::path link = scratch.path() / "link";
  fs::create_directory_symlink(privateDirectory, link);
  writeEntry(link);
  EXPECT_EQ(fileCount(privateDirectory), 1u);
  {
    Engine reader(optionsFor(link));
    expectComputes(reader, kSpec, kShapes);
    EXPECT_EQ(reader.statistics().diskHits, 1u);
  }

  fs::path shared = scratch.path() / "shared";
  fs::create_directory(shared);
  ASSERT_EQ(::chmod(shared.c_str(), 0777), 0);
  fs::path sharedLink = scratch.path() / "shared-link";
  fs::create_directory_symlink(shared, sharedLink);
  Outcome outcome = runEngine(sharedLink);
  expectOneWarning(outcome.printed, sharedLink, "is writable by group or others (mode 0777");
  EXPECT_EQ(outcome.statistics.diskWrites, 0u);
  EXPECT_EQ(fileCount(shared), 0u);
}

} // namespace
} // namespace einjit::test
