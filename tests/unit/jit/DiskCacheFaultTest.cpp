// Faults while the persistent kernel cache writes: a writer SIGKILLed at any step of a write
// leaves nothing a later process loads but a complete entry (or the entry it was replacing), its
// temporary file is swept once stale; a full disk or a file-size limit costs one warning and
// memory-only, never a failed contraction. (Eight processes with random kills:
// tests/stress/DiskCacheStress.cpp.)
#include "DiskCacheTestSupport.h"
#include "JitTestSupport.h"
#include "TestSupport.h"
#include "engine/EngineImpl.h"
#include "jit/DiskCache.h"
#include "reference/Interpreter.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace einjit::test {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> filesIn(const fs::path& directory, std::string_view prefix) {
  std::vector<fs::path> files;
  for (const fs::directory_entry& item : fs::directory_iterator(directory))
    if (item.path().filename().string().rfind(prefix, 0) == 0)
      files.push_back(item.path());
  return files;
}

std::vector<fs::path> temporaryFiles(const fs::path& directory) {
  return filesIn(directory, ".einjit-tmp-");
}

jit::DiskEntryIdentity identityOf(const std::string& key) {
  return jit::DiskEntryIdentity{"1.0", "x86_64/test/+f", key, "fingerprint", "symbol"};
}

/// An object big enough that half of it is a real partial file (several pages).
std::string objectOf(char fill) {
  return std::string(std::size_t{1} << 20, fill);
}

/// The pipes of a child that stops inside DiskCache::store() until its parent kills it.
int gReport = -1;
jit::DiskWriteStep gStopAt = jit::DiskWriteStep::TemporaryCreated;

void stopHere(jit::DiskWriteStep reached) {
  if (reached != gStopAt)
    return;
  char byte = 1;
  (void)!::write(gReport, &byte, 1);
  for (;;)
    ::pause(); // until SIGKILL
}

/// Forks a child that stores `object` under `key` in `directory` and is SIGKILLed by this process
/// when it reaches `step`.
void killWriterAt(const fs::path& directory, const std::string& key, const std::string& object,
                  jit::DiskWriteStep step) {
  int report[2];
  ASSERT_EQ(::pipe(report), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(report[0]);
    gReport = report[1];
    gStopAt = step;
    jit::DiskCache::writeStepHook = stopHere;
    jit::DiskCache cache(directory.string());
    cache.store(identityOf(key), object);
    ::_exit(3); // never reached: the hook waits for the kill
  }
  ::close(report[1]);
  char byte = 0;
  ssize_t got = ::read(report[0], &byte, 1);
  ::close(report[0]);
  EXPECT_EQ(got, 1) << "the writer ended before reaching the step";
  ::kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
}

struct KillPoint {
  jit::DiskWriteStep step;
  const char* name;
  bool complete; ///< the new entry is in place
};

const std::vector<KillPoint> kKillPoints = {
    {jit::DiskWriteStep::TemporaryCreated, "temporary created", false},
    {jit::DiskWriteStep::HalfWritten, "half written", false},
    {jit::DiskWriteStep::Written, "written, not renamed", false},
    {jit::DiskWriteStep::Renamed, "renamed", true},
};

/// The bytes of the entry store() writes for `key` and `object`.
std::uintmax_t entryBytes(const std::string& key, const std::string& object) {
  jit::DiskEntryIdentity recorded = identityOf(key);
  recorded.version = jit::DiskCache::recordedVersion(recorded.version);
  return jit::DiskCache::encode(recorded, object).size();
}

std::string readText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(DiskCacheFault, AWriterKilledAtAnyStepLeavesOnlyAWholeEntry) {
  for (const KillPoint& point : kKillPoints) {
    SCOPED_TRACE(point.name);
    TemporaryDirectory directory("einjit-fault");
    std::string object = objectOf('n');
    killWriterAt(directory.path(), "new key", object, point.step);
    jit::DiskCache reader(directory.path().string());
    std::optional<std::string> loaded = reader.load(identityOf("new key"));
    EXPECT_EQ(loaded.has_value(), point.complete);
    if (loaded) {
      EXPECT_TRUE(*loaded == object) << "a different object came back";
    }
    EXPECT_EQ(reader.statistics().rejects, 0u) << "nothing partial may sit under an entry's name";
    std::vector<jit::DiskEntryFile> entries =
        jit::DiskCache::listEntries(directory.path().string());
    EXPECT_EQ(entries.size(), point.complete ? 1u : 0u);
    std::vector<fs::path> temporaries = temporaryFiles(directory.path());
    ASSERT_EQ(temporaries.size(), point.complete ? 0u : 1u);
    if (!point.complete) {
      std::uintmax_t whole = entryBytes("new key", object);
      std::uintmax_t expected = point.step == jit::DiskWriteStep::TemporaryCreated ? 0
                                : point.step == jit::DiskWriteStep::HalfWritten    ? whole / 2
                                                                                   : whole;
      EXPECT_EQ(fs::file_size(temporaries[0]), expected)
          << "the kill did not land where the test meant it to";
    }
  }
}

TEST(DiskCacheFault, AWriterKilledWhileReplacingAnEntryLeavesTheOldOne) {
  for (const KillPoint& point : kKillPoints) {
    SCOPED_TRACE(point.name);
    TemporaryDirectory directory("einjit-fault");
    std::string old = objectOf('o');
    std::string replacement = objectOf('r');
    jit::DiskCache(directory.path().string()).store(identityOf("key"), old);
    killWriterAt(directory.path(), "key", replacement, point.step);
    std::optional<std::string> loaded =
        jit::DiskCache(directory.path().string()).load(identityOf("key"));
    ASSERT_TRUE(loaded);
    EXPECT_TRUE(*loaded == (point.complete ? replacement : old));
  }
}

TEST(DiskCacheFault, TemporaryFilesOfKilledWritersAreSweptOnceStale) {
  TemporaryDirectory directory("einjit-fault");
  killWriterAt(directory.path(), "stale", objectOf('s'), jit::DiskWriteStep::HalfWritten);
  killWriterAt(directory.path(), "fresh", objectOf('f'), jit::DiskWriteStep::HalfWritten);
  std::vector<fs::path> temporaries = temporaryFiles(directory.path());
  ASSERT_EQ(temporaries.size(), 2u);
  // A temporary file's name starts with the name of the entry it was to become.
  std::string staleEntry = jit::DiskCache::entryFileName("stale");
  fs::path stale = temporaries[0].string().find(staleEntry) != std::string::npos ? temporaries[0]
                                                                                 : temporaries[1];
  fs::last_write_time(stale, fs::file_time_type::clock::now() -
                                 std::chrono::seconds(jit::DiskCache::kStaleTemporarySeconds + 60));
  // The first write of a process sweeps: the stale file goes, the young one (its writer could
  // still be alive) stays.
  jit::DiskCache cache(directory.path().string());
  cache.store(identityOf("other"), "object");
  temporaries = temporaryFiles(directory.path());
  ASSERT_EQ(temporaries.size(), 1u);
  EXPECT_NE(temporaries[0].string().find(jit::DiskCache::entryFileName("fresh")), std::string::npos)
      << temporaries[0];
  EXPECT_EQ(cache.load(identityOf("other")), "object");
  // `einjit cache clear` removes what is left.
  EXPECT_EQ(jit::DiskCache::clear(directory.path().string()), 2u);
  EXPECT_TRUE(fs::is_empty(directory.path()));
}

void expectOneWarning(const std::string& printed, const std::string& reason) {
  std::string warning = "einjit: warning: kernel cache directory '";
  std::size_t first = printed.find(warning);
  ASSERT_NE(first, std::string::npos) << printed;
  EXPECT_EQ(printed.find(warning, first + 1), std::string::npos) << "warned twice:\n" << printed;
  EXPECT_NE(printed.find(reason), std::string::npos) << printed;
  EXPECT_NE(printed.find("compiled kernels are kept in memory only"), std::string::npos);
}

/// A tmpfs of 64 KiB mounted for one test, unmounted afterwards.
class SmallTmpfs {
public:
  explicit SmallTmpfs(const fs::path& at) : path_(at) {
    fs::create_directory(path_);
    if (::mount("einjit-test", path_.c_str(), "tmpfs", 0, "size=64k,mode=0700") == 0)
      mounted_ = true;
    else
      problem_ = std::strerror(errno);
  }
  ~SmallTmpfs() {
    if (mounted_)
      ::umount2(path_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& problem() const { return problem_; }

private:
  fs::path path_;
  bool mounted_ = false;
  std::string problem_;
};

TEST(DiskCacheFault, AFullDiskCostsOneWarningAndNothingElse) {
  if (::geteuid() != 0)
    GTEST_SKIP() << "mounting a small tmpfs needs root; CI runs as root";
  TemporaryDirectory scratch("einjit-fault");
  SmallTmpfs disk(scratch.path() / "disk");
  if (!disk.mounted())
    GTEST_SKIP() << "mount -t tmpfs failed (" << disk.problem()
                 << "): a container without CAP_SYS_ADMIN";
  fs::path directory = scratch.path() / "disk" / "kernels";
  fs::create_directory(directory);
  fs::permissions(directory, fs::perms::owner_all);
  // Fill the disk to the last page: any entry, however small, then fails to be written.
  {
    int fd = ::open((scratch.path() / "disk" / "filler").c_str(), O_WRONLY | O_CREAT, 0600);
    ASSERT_GE(fd, 0);
    std::string block(4096, 'x');
    while (::write(fd, block.data(), block.size()) > 0) {
    }
    EXPECT_EQ(errno, ENOSPC);
    ::close(fd);
  }
  testing::internal::CaptureStderr();
  EngineStatistics statistics;
  {
    EngineOptions options = optionsFor(directory);
    Engine engine(options);
    expectComputes(engine, "ik,kj->ij", {{5, 6}, {6, 7}});
    expectComputes(engine, "ij->j", {{3, 4}});
    expectComputes(engine, "bij,bjk->bik", {{2, 3, 4}, {2, 4, 5}});
    statistics = engine.statistics();
  }
  expectOneWarning(testing::internal::GetCapturedStderr(), "No space left on device");
  EXPECT_EQ(statistics.misses, 3u);
  EXPECT_EQ(statistics.failures, 0u);
  EXPECT_EQ(statistics.diskWrites, 0u);
  EXPECT_TRUE(fs::is_empty(directory)) << "the failed write left its temporary file";
}

TEST(DiskCacheFault, AFileSizeLimitCostsOneWarningAndNothingElse) {
  // The same failure as a full disk (write() stops part-way), for machines that cannot mount:
  // in a child, so that the limit binds nothing else.
  TemporaryDirectory directory("einjit-fault");
  fs::path printed = directory.path() / "stderr.txt";
  fs::path cache = directory.path() / "kernels";
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int err = ::open(printed.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(err, 2);
    std::signal(SIGXFSZ, SIG_IGN); // write() then fails with EFBIG instead of killing us
    struct rlimit limit {
      4096, 4096
    };
    ::setrlimit(RLIMIT_FSIZE, &limit);
    jit::DiskCache disk(cache.string(), jit::DiskCache::kDefaultMaxBytes, printWarning);
    disk.store(identityOf("first"), objectOf('a'));
    disk.store(identityOf("second"), "small");
    bool loadedNothing = !disk.load(identityOf("first"));
    ::_exit(disk.statistics().writes == 0 && loadedNothing ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the child wrote or loaded an entry";
  expectOneWarning(readText(printed), "File too large");
  EXPECT_TRUE(fs::is_empty(cache)) << "the failed write left its temporary file";
}

} // namespace
} // namespace einjit::test
