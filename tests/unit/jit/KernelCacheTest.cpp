// The kernel cache with stand-in kernels (single flight, LRU eviction that frees code once no
// caller holds it, failures) and the JIT's own failure reporting.
#include "jit/KernelCache.h"
#include "TestSupport.h"
#include "codegen/Codegen.h"
#include "jit/Jit.h"
#include "jit/ObjectBundle.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace einjit::test {
namespace {

/// A kernel whose destruction (its code being freed) bumps `released`.
std::shared_ptr<const jit::Kernel> fakeKernel(std::atomic<int>& released) {
  return std::make_shared<const jit::Kernel>(nullptr, 100, 2.5, [&released] { ++released; });
}

TEST(KernelCache, ConcurrentFirstCallsCompileOnce) {
  jit::KernelCache cache(8);
  std::atomic<int> compiles{0};
  std::atomic<int> released{0};
  std::vector<std::shared_ptr<const jit::Kernel>> results(8);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      results[i] = cache.getOrCompile("key", [&] {
        ++compiles;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        return fakeKernel(released);
      });
    });
  for (std::thread& thread : threads)
    thread.join();
  EXPECT_EQ(compiles, 1);
  for (const auto& result : results)
    EXPECT_EQ(result, results[0]);
  jit::CacheStatistics statistics = cache.statistics();
  EXPECT_EQ(statistics.misses, 1u);
  EXPECT_EQ(statistics.hits, 7u);
  EXPECT_EQ(statistics.entries, 1u);
  EXPECT_DOUBLE_EQ(statistics.compileMillis, 2.5);
}

TEST(KernelCache, EvictsTheLeastRecentlyUsedAndFreesItsCode) {
  jit::KernelCache cache(2);
  std::atomic<int> released{0};
  int compiles = 0;
  auto compile = [&] {
    ++compiles;
    return fakeKernel(released);
  };
  cache.getOrCompile("a", compile);
  cache.getOrCompile("b", compile);
  cache.getOrCompile("a", compile); // a is now the most recent
  std::shared_ptr<const jit::Kernel> c = cache.getOrCompile("c", compile);
  EXPECT_EQ(compiles, 3);
  EXPECT_TRUE(cache.contains("a"));
  EXPECT_FALSE(cache.contains("b"));
  EXPECT_EQ(released, 1); // b's code is gone
  // A kernel someone holds outlives its eviction.
  cache.getOrCompile("d", compile); // evicts a
  cache.getOrCompile("e", compile); // evicts c, still held
  EXPECT_EQ(released, 2);
  c.reset();
  EXPECT_EQ(released, 3);
  cache.getOrCompile("b", compile);
  EXPECT_EQ(compiles, 6);
  jit::CacheStatistics statistics = cache.statistics();
  EXPECT_EQ(statistics.evictions, 4u);
  EXPECT_EQ(statistics.entries, 2u);
  EXPECT_EQ(statistics.hits, 1u);
  EXPECT_EQ(statistics.misses, 6u);
}

TEST(KernelCache, FailuresReachEveryWaiterAndAreNotCached) {
  jit::KernelCache cache(4);
  std::atomic<int> released{0};
  auto failing = []() -> std::shared_ptr<const jit::Kernel> {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    throw Error(ErrorKind::Internal, "codegen (emit): broken");
  };
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      try {
        cache.getOrCompile("key", failing);
      } catch (const Error& error) {
        if (error.message() == "codegen (emit): broken")
          ++failures;
      }
    });
  for (std::thread& thread : threads)
    thread.join();
  EXPECT_EQ(failures, 4);
  EXPECT_FALSE(cache.contains("key"));
  EXPECT_NE(cache.getOrCompile("key", [&] { return fakeKernel(released); }), nullptr);
  EXPECT_EQ(cache.statistics().failures, 1u);
}

TEST(Jit, LinkFailuresAreErrors) {
  jit::Jit jit;
  expectError([&] { jit.load("not an object file", jit.newSymbol(), 0); }, ErrorKind::Internal,
              {"jit (link)"});
  expectError([&] { jit.load(jit::bundleObjects({"not an object file"}), jit.newSymbol(), 0); },
              ErrorKind::Internal, {"jit (link)"});
}

TEST(ObjectBundle, RoundTripsAndRejectsWhatIsNotOne) {
  const std::vector<std::string> objects = {"first", std::string("nul\0inside", 10), ""};
  std::string bundle = jit::bundleObjects(objects);
  EXPECT_EQ(jit::unbundleObjects(bundle), objects);
  expectError(
      [&] {
        jit::unbundleObjects("\x7f"
                             "ELF raw object");
      },
      ErrorKind::Internal, {"jit (link)", "no magic"});
  expectError([&] { jit::unbundleObjects(bundle.substr(0, bundle.size() - 3)); },
              ErrorKind::Internal, {"object 2 of 3 is cut short"});
  expectError([&] { jit::unbundleObjects(bundle + "x"); }, ErrorKind::Internal,
              {"bytes after the last object"});
  expectError([&] { jit::unbundleObjects(jit::bundleObjects({})); }, ErrorKind::Internal,
              {"no object count"});
}

TEST(Jit, SymbolsAreUnique) {
  jit::Jit jit;
  EXPECT_NE(jit.newSymbol(), jit.newSymbol());
}

} // namespace
} // namespace einjit::test
