// The persistent kernel cache: a fresh engine loads what another compiled; every kind of bad
// entry (corrupt, truncated, foreign version, other CPU, wrong key, stale codegen, an object that
// does not link) is ignored and rebuilt; engines filling one directory at once leave only valid
// entries; an unusable directory costs one warning and nothing else; a full directory drops its
// least recently used entries. (Second processes: tests/golden/cache/; whose files are trusted:
// DiskCacheTrustTest.cpp; kills and full disks: DiskCacheFaultTest.cpp, tests/stress/.)
#include "jit/DiskCache.h"
#include "DiskCacheTestSupport.h"
#include "JitTestSupport.h"
#include "TestSupport.h"
#include "engine/EngineImpl.h"
#include "reference/Interpreter.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <thread>
#include <unistd.h>

namespace einjit::test {
namespace {

namespace fs = std::filesystem;

void writeBytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

/// The entry files of `directory`.
std::vector<fs::path> entryFiles(const fs::path& directory) {
  std::vector<fs::path> files;
  for (const fs::directory_entry& item : fs::directory_iterator(directory))
    files.push_back(item.path());
  return files;
}

const std::string kSpec = "ik,kj->ij";
const std::vector<Shape> kShapes = {{5, 6}, {6, 7}};

TEST(DiskCache, AFreshEngineLoadsTheKernelAnotherCompiled) {
  TemporaryDirectory directory("einjit-disk-cache");
  {
    Engine first(optionsFor(directory.path()));
    expectComputes(first, kSpec, kShapes);
    EngineStatistics statistics = first.statistics();
    EXPECT_EQ(statistics.misses, 1u);
    EXPECT_EQ(statistics.diskHits, 0u);
    EXPECT_EQ(statistics.diskWrites, 1u);
  }
  std::vector<fs::path> files = entryFiles(directory.path());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].extension(), ".kernel");
  Engine second(optionsFor(directory.path()));
  expectComputes(second, kSpec, kShapes);
  EngineStatistics statistics = second.statistics();
  EXPECT_EQ(statistics.misses, 1u);
  EXPECT_EQ(statistics.diskHits, 1u) << "the second engine compiled instead of loading";
  EXPECT_EQ(statistics.diskWrites, 0u);
  EXPECT_EQ(statistics.diskRejects, 0u);
}

TEST(DiskCache, PrologueFunctionsAreStoredAndLoadedBesideTheKernel) {
  TemporaryDirectory directory("einjit-disk-cache");
  const std::string call = "keras.layers.Dot(axes=1, normalize=True)([x, y])";
  Tensor x = arange(DType::f32, {3, 5}, -7);
  Tensor y = arange(DType::f32, {3, 5}, 2);
  Tensor first;
  {
    Engine engine(optionsFor(directory.path()));
    first = engine.call(call, {x.view(), y.view()});
    // The kernel and one prologue function: x and y are normalized alike.
    EngineStatistics statistics = engine.statistics();
    EXPECT_EQ(statistics.misses, 2u);
    EXPECT_EQ(statistics.diskWrites, 2u);
  }
  EXPECT_EQ(entryFiles(directory.path()).size(), 2u);
  Engine engine(optionsFor(directory.path()));
  Tensor second = engine.call(call, {x.view(), y.view()});
  EngineStatistics statistics = engine.statistics();
  EXPECT_EQ(statistics.misses, 2u);
  EXPECT_EQ(statistics.diskHits, 2u) << "the second engine compiled instead of loading";
  EXPECT_EQ(statistics.diskWrites, 0u);
  expectClose(second.view(), first.view(), 0, call);
}

/// How a test damages the one entry file of a directory.
struct Damage {
  std::string name;
  std::function<std::string(const std::string& bytes)> apply;
};

/// Re-encodes the entry with one field changed, checksum recomputed: only the field check can
/// catch it.
Damage changedField(std::string name, std::function<void(jit::DiskEntryIdentity&)> change) {
  return Damage{std::move(name), [change](const std::string& bytes) {
                  std::string problem;
                  std::optional<jit::DiskEntry> entry = jit::DiskCache::decode(bytes, problem);
                  EXPECT_TRUE(entry) << problem;
                  if (!entry)
                    return bytes;
                  change(entry->identity);
                  return jit::DiskCache::encode(entry->identity, entry->object);
                }};
}

std::vector<Damage> damages() {
  return {
      {"flipped byte in the object",
       [](std::string bytes) {
         bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x5a);
         return bytes;
       }},
      {"truncated", [](const std::string& bytes) { return bytes.substr(0, bytes.size() / 2); }},
      {"empty", [](const std::string&) { return std::string(); }},
      {"not an entry", [](const std::string&) { return std::string("hello, cache\n"); }},
      changedField("foreign einjit version",
                   [](jit::DiskEntryIdentity& identity) {
                     identity.version = jit::DiskCache::recordedVersion("0.0.1-elsewhere");
                   }),
      changedField("other CPU",
                   [](jit::DiskEntryIdentity& identity) {
                     identity.target = "x86_64-pc-linux-gnu/pentium4/+sse2";
                   }),
      changedField("wrong key", [](jit::DiskEntryIdentity& identity) { identity.key += "x"; }),
      changedField("stale codegen fingerprint",
                   [](jit::DiskEntryIdentity& identity) {
                     identity.fingerprint = jit::DiskCache::digest("older code generator");
                   }),
      {"an object the JIT cannot link",
       [](const std::string& bytes) {
         std::string problem;
         std::optional<jit::DiskEntry> entry = jit::DiskCache::decode(bytes, problem);
         EXPECT_TRUE(entry) << problem;
         return entry ? jit::DiskCache::encode(entry->identity, "not an object file") : bytes;
       }},
      changedField("other symbol",
                   [](jit::DiskEntryIdentity& identity) { identity.symbol += "_old"; }),
  };
}

TEST(DiskCache, BadEntriesAreIgnoredAndRebuilt) {
  for (const Damage& damage : damages()) {
    SCOPED_TRACE(damage.name);
    TemporaryDirectory directory("einjit-disk-cache");
    {
      Engine writer(optionsFor(directory.path()));
      writer.plan(kSpec, kShapes, DType::f32);
    }
    std::vector<fs::path> files = entryFiles(directory.path());
    ASSERT_EQ(files.size(), 1u);
    std::string original = readBytes(files[0]);
    writeBytes(files[0], damage.apply(original));
    {
      Engine reader(optionsFor(directory.path()));
      expectComputes(reader, kSpec, kShapes);
      EngineStatistics statistics = reader.statistics();
      EXPECT_EQ(statistics.diskHits, 0u);
      EXPECT_EQ(statistics.diskRejects, 1u);
      EXPECT_EQ(statistics.diskWrites, 1u) << "the rebuilt kernel replaces the bad entry";
    }
    // The replacement is the entry a correct build writes, and the next engine uses it.
    EXPECT_EQ(readBytes(files[0]), original);
    Engine next(optionsFor(directory.path()));
    expectComputes(next, kSpec, kShapes);
    EXPECT_EQ(next.statistics().diskHits, 1u);
  }
}

TEST(DiskCache, EveryDamagedByteAndEveryCutIsCaught) {
  jit::DiskEntryIdentity identity{"1.0 llvm 19", "triple/cpu/+f", "key text\n", "0123", "sym"};
  std::string bytes = jit::DiskCache::encode(identity, std::string("object\0bytes", 12));
  std::string problem;
  std::optional<jit::DiskEntry> entry = jit::DiskCache::decode(bytes, problem);
  ASSERT_TRUE(entry) << problem;
  EXPECT_EQ(entry->identity.key, identity.key);
  EXPECT_EQ(entry->identity.version, identity.version);
  EXPECT_EQ(entry->object, std::string("object\0bytes", 12));
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    std::string damaged = bytes;
    damaged[i] = static_cast<char>(damaged[i] ^ 1);
    EXPECT_FALSE(jit::DiskCache::decode(damaged, problem)) << "byte " << i;
    EXPECT_FALSE(jit::DiskCache::decode(std::string_view(bytes).substr(0, i), problem))
        << "cut at " << i;
  }
  EXPECT_FALSE(jit::DiskCache::decode(bytes + "x", problem));
  EXPECT_EQ(problem, "truncated or corrupt");
}

TEST(DiskCache, EnginesFillingOneDirectoryAtOnceLeaveOnlyValidEntries) {
  TemporaryDirectory directory("einjit-disk-cache");
  const std::vector<std::pair<std::string, std::vector<Shape>>> contractions = {
      {"ik,kj->ij", {{4, 5}, {5, 6}}},
      {"ij->j", {{7, 3}}},
      {"i,i->", {{33}, {33}}},
      {"ij,j->i", {{9, 4}, {4}}},
      {"ij->ji", {{3, 8}}},
      {"bik,bkj->bij", {{2, 3, 4}, {2, 4, 5}}},
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      Engine engine(optionsFor(directory.path()));
      // Each thread takes the contractions in its own order, so that writes of one entry race.
      for (std::size_t k = 0; k < contractions.size(); ++k) {
        const auto& [spec, shapes] = contractions[(k + static_cast<std::size_t>(t)) % 6];
        expectComputes(engine, spec, shapes);
      }
    });
  for (std::thread& thread : threads)
    thread.join();
  std::vector<jit::DiskEntryFile> files = jit::DiskCache::listEntries(directory.path().string());
  EXPECT_EQ(files.size(), contractions.size());
  for (const jit::DiskEntryFile& file : files)
    EXPECT_TRUE(file.entry) << file.name << ": " << file.problem;
  EXPECT_EQ(entryFiles(directory.path()).size(), contractions.size())
      << "temporary files were left behind";
  Engine reader(optionsFor(directory.path()));
  for (const auto& [spec, shapes] : contractions)
    expectComputes(reader, spec, shapes);
  EngineStatistics statistics = reader.statistics();
  EXPECT_EQ(statistics.diskHits, contractions.size());
  EXPECT_EQ(statistics.diskRejects, 0u);
}

TEST(DiskCache, AnUnusableDirectoryWarnsOnceAndStillComputes) {
  TemporaryDirectory directory("einjit-disk-cache");
  // Below a regular file no directory can ever be created, even by root.
  writeBytes(directory.path() / "file", "not a directory");
  fs::path unusable = directory.path() / "file" / "cache";
  testing::internal::CaptureStderr();
  EngineStatistics statistics;
  {
    Engine engine(optionsFor(unusable));
    expectComputes(engine, kSpec, kShapes);
    expectComputes(engine, "ij->j", {{3, 4}});
    statistics = engine.statistics();
  }
  std::string printed = testing::internal::GetCapturedStderr();
  std::string warning = "einjit: warning: kernel cache directory '" + unusable.string() + "'";
  std::size_t first = printed.find(warning);
  ASSERT_NE(first, std::string::npos) << printed;
  EXPECT_EQ(printed.find(warning, first + 1), std::string::npos) << "warned twice:\n" << printed;
  EXPECT_NE(printed.find("compiled kernels are kept in memory only"), std::string::npos);
  EXPECT_EQ(statistics.misses, 2u);
  EXPECT_EQ(statistics.diskWrites, 0u);
}

TEST(DiskCache, OffByOptionWritesNothing) {
  TemporaryDirectory directory("einjit-disk-cache");
  EngineOptions options = optionsFor(directory.path() / "cache");
  options.persistentCache = false;
  Engine engine(options);
  expectComputes(engine, kSpec, kShapes);
  EXPECT_FALSE(fs::exists(directory.path() / "cache"));
  EXPECT_EQ(engine.statistics().diskWrites, 0u);
}

TEST(DiskCache, AnEvictedKernelStillInUseDoesNotClashWithItsReload) {
  TemporaryDirectory directory("einjit-disk-cache");
  EngineOptions options = optionsFor(directory.path());
  options.cacheCapacity = 1;
  Engine engine(options);
  // `held` keeps the first kernel (and its symbol) alive through its eviction.
  Plan held = engine.plan(kSpec, kShapes, DType::f32);
  expectComputes(engine, "ij->j", {{3, 4}});
  expectComputes(engine, kSpec, kShapes);
  EngineStatistics statistics = engine.statistics();
  EXPECT_EQ(statistics.misses, 3u);
  EXPECT_EQ(statistics.evictions, 2u);
  EXPECT_EQ(statistics.failures, 0u);
  Tensor x = arange(DType::f32, kShapes[0]);
  Tensor y = arange(DType::f32, kShapes[1], -3);
  Tensor expected =
      reference::interpret(programOf(kSpec, kShapes, DType::f32), {x.view(), y.view()});
  expectClose(held.run({x.view(), y.view()}).view(), expected.view(), 0, "held plan");
}

TEST(DiskCache, AFullDirectoryLosesItsLeastRecentlyUsedEntries) {
  TemporaryDirectory directory("einjit-disk-cache");
  auto identityOf = [](int k) {
    std::string key = "key-" + std::string(k < 10 ? "0" : "") + std::to_string(k);
    return jit::DiskEntryIdentity{"v", "t", key, "f", "s"};
  };
  const std::string object(1000, 'o');
  {
    jit::DiskCache roomy(directory.path().string());
    for (int k = 0; k < 10; ++k)
      roomy.store(identityOf(k), object);
  }
  // Entries 0..9 used in that order, an hour ago and more (file times can tie when set by writes).
  auto now = fs::file_time_type::clock::now();
  for (int k = 0; k < 10; ++k)
    fs::last_write_time(directory.path() / jit::DiskCache::entryFileName(identityOf(k).key),
                        now - std::chrono::hours(20 - k));
  std::uintmax_t entryBytes =
      fs::file_size(directory.path() / jit::DiskCache::entryFileName(identityOf(0).key));
  // Room for 8.5 entries: the eleventh write trims to 6 (at most three quarters of the limit).
  jit::DiskCache full(directory.path().string(), entryBytes * 17 / 2);
  EXPECT_TRUE(full.load(identityOf(9))); // used now: the most recent but for the new entry
  full.store(identityOf(10), object);
  for (int k = 0; k <= 10; ++k)
    EXPECT_EQ(fs::exists(directory.path() / jit::DiskCache::entryFileName(identityOf(k).key)),
              k >= 5)
        << "entry " << k;
}

/// Sets an environment variable for one scope (unset when `value` is null).
class ScopedEnvironment {
public:
  ScopedEnvironment(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name))
      old_ = old;
    if (value)
      setenv(name, value, 1);
    else
      unsetenv(name);
  }
  ~ScopedEnvironment() {
    if (old_)
      setenv(name_.c_str(), old_->c_str(), 1);
    else
      unsetenv(name_.c_str());
  }

private:
  std::string name_;
  std::optional<std::string> old_;
};

TEST(DiskCache, TheDefaultDirectoryFollowsTheEnvironment) {
  ScopedEnvironment home("HOME", "/home/someone");
  {
    ScopedEnvironment xdg("XDG_CACHE_HOME", nullptr);
    ScopedEnvironment explicitDirectory("EINJIT_CACHE_DIR", nullptr);
    EXPECT_EQ(jit::DiskCache::defaultDirectory(), "/home/someone/.cache/einjit");
  }
  {
    ScopedEnvironment xdg("XDG_CACHE_HOME", "/var/cache/me");
    ScopedEnvironment explicitDirectory("EINJIT_CACHE_DIR", nullptr);
    EXPECT_EQ(jit::DiskCache::defaultDirectory(), "/var/cache/me/einjit");
  }
  {
    ScopedEnvironment xdg("XDG_CACHE_HOME", "relative/cache"); // ignored, as XDG says
    ScopedEnvironment explicitDirectory("EINJIT_CACHE_DIR", nullptr);
    EXPECT_EQ(jit::DiskCache::defaultDirectory(), "/home/someone/.cache/einjit");
  }
  {
    ScopedEnvironment xdg("XDG_CACHE_HOME", "/var/cache/me");
    ScopedEnvironment explicitDirectory("EINJIT_CACHE_DIR", ""); // empty: unset
    EXPECT_EQ(jit::DiskCache::defaultDirectory(), "/var/cache/me/einjit");
  }
  {
    ScopedEnvironment xdg("XDG_CACHE_HOME", "/var/cache/me");
    ScopedEnvironment explicitDirectory("EINJIT_CACHE_DIR", "/tmp/kernels");
    EXPECT_EQ(jit::DiskCache::defaultDirectory(), "/tmp/kernels");
  }
  {
    ScopedEnvironment explicitDirectory("EINJIT_CACHE_DIR", "off");
    EXPECT_EQ(jit::DiskCache::defaultDirectory(), "");
    Engine engine; // no cacheDirectory: the environment decides, and says off
    expectComputes(engine, kSpec, kShapes);
    EXPECT_EQ(engine.statistics().diskWrites, 0u);
  }
}

} // namespace
} // namespace einjit::test
