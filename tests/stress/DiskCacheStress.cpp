// Stress test of the persistent kernel cache under kills (issue 15, item 6): eight processes fill
// one cache directory at once, each planning matrix products from a pool of 64 kernels and
// checking every result; the parent SIGKILLs some of them while they write an entry (half
// written, or written but not yet renamed: the writers stop there until the parent decides)
// and others at random moments, starting replacements, until 40 processes have run. Afterwards
// (and right after each kill) every entry in the directory must be valid, no more temporary files
// than kills may be left, and a fresh engine must load every entry and compute every product right.
//
// usage: disk_cache_stress DIRECTORY [SEED]   (DIRECTORY is emptied first; prints its figures)
#include "jit/DiskCache.h"

#include "einjit/engine.h"
#include "einjit/error.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <poll.h>
#include <random>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

namespace fs = std::filesystem;
using einjit::jit::DiskCache;
using einjit::jit::DiskWriteStep;

constexpr int kConcurrent = 8; ///< processes at once
constexpr int kProcesses = 40; ///< processes started in all
constexpr int kPlansPerProcess = 8;
constexpr int kExtents[] = {2, 3, 5, 7};

/// Kernel `k` of the pool: an i64 product of (m x n) and (n x p), 64 shapes in all.
struct Product {
  std::int64_t m, n, p;
};
Product productOf(int k) {
  return Product{kExtents[k % 4], kExtents[(k / 4) % 4], kExtents[(k / 16) % 4]};
}
constexpr int kPoolSize = 64;

/// Plans product `k` on `engine`, runs it on small integers and compares every element with a
/// naive product; exact, since i64 arithmetic is.
bool computesRight(einjit::Engine& engine, int k) {
  Product shape = productOf(k);
  einjit::Plan plan =
      engine.plan("ij,jk->ik", {{shape.m, shape.n}, {shape.n, shape.p}}, einjit::DType::i64);
  einjit::Tensor a(einjit::DType::i64, {shape.m, shape.n});
  einjit::Tensor b(einjit::DType::i64, {shape.n, shape.p});
  for (std::int64_t e = 0; e < a.elements(); ++e)
    a.as<std::int64_t>()[e] = e % 7 - 3 + k;
  for (std::int64_t e = 0; e < b.elements(); ++e)
    b.as<std::int64_t>()[e] = 5 - e % 11;
  einjit::Tensor c = plan.run({a.view(), b.view()});
  for (std::int64_t i = 0; i < shape.m; ++i)
    for (std::int64_t j = 0; j < shape.p; ++j) {
      std::int64_t expected = 0;
      for (std::int64_t l = 0; l < shape.n; ++l)
        expected += a.as<std::int64_t>()[i * shape.n + l] * b.as<std::int64_t>()[l * shape.p + j];
      if (c.as<std::int64_t>()[i * shape.p + j] != expected)
        return false;
    }
  return true;
}

/// What a writer tells the parent when it stops inside DiskCache::store().
struct Report {
  std::int32_t pid;
  std::int32_t step; ///< DiskWriteStep
};

int gReport = -1; ///< the shared pipe to the parent
int gGo = -1;     ///< this worker's pipe from the parent

void stopAndAsk(DiskWriteStep step) {
  if (step != DiskWriteStep::HalfWritten && step != DiskWriteStep::Written)
    return;
  Report report{static_cast<std::int32_t>(::getpid()), static_cast<std::int32_t>(step)};
  if (::write(gReport, &report, sizeof report) != sizeof report)
    return;
  char byte;
  while (::read(gGo, &byte, 1) < 0 && errno == EINTR) {
  }
}

/// A worker process: plans kPlansPerProcess products of the pool, checking each. Exit status 0,
/// or 10 for a wrong result, 11 for an exception.
[[noreturn]] void work(const std::string& directory, unsigned seed) {
  DiskCache::writeStepHook = stopAndAsk;
  try {
    einjit::EngineOptions options;
    options.cacheDirectory = directory;
    einjit::Engine engine(options);
    std::mt19937 random(seed);
    for (int p = 0; p < kPlansPerProcess; ++p)
      if (!computesRight(engine, static_cast<int>(random() % kPoolSize)))
        ::_exit(10);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "worker %d: %s\n", static_cast<int>(::getpid()), error.what());
    ::_exit(11);
  }
  ::_exit(0);
}

struct Figures {
  int started = 0, finished = 0, killedHalfWritten = 0, killedWritten = 0, killedAnywhere = 0;
  int stopsLetGo = 0;
};

int run(const std::string& directory, unsigned seed) {
  auto start = std::chrono::steady_clock::now();
  std::signal(SIGPIPE, SIG_IGN); // a go byte to a worker killed meanwhile
  int report[2];
  if (::pipe(report) != 0) {
    std::perror("pipe");
    return 2;
  }
  std::mt19937 random(seed);
  std::map<pid_t, int> workers; // pid -> its go pipe
  Figures figures;
  bool failed = false;
  auto startWorker = [&] {
    int go[2];
    if (::pipe(go) != 0)
      return;
    pid_t child = ::fork();
    if (child == 0) {
      ::close(report[0]);
      ::close(go[1]);
      for (const auto& [pid, fd] : workers)
        ::close(fd);
      gReport = report[1];
      gGo = go[0];
      work(directory, seed * 1000 + static_cast<unsigned>(figures.started));
    }
    ::close(go[0]);
    workers[child] = go[1];
    ++figures.started;
  };
  auto reap = [&](pid_t pid, bool killedByUs) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    ::close(workers[pid]);
    workers.erase(pid);
    if (killedByUs && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      return;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      ++figures.finished;
      return;
    }
    std::cerr << "disk_cache_stress: worker " << pid << " failed (status " << status << ")\n";
    failed = true;
  };
  // Right after each kill, before any other process could repair what it left: every entry in
  // the directory decodes.
  auto kill = [&](pid_t pid) {
    ::kill(pid, SIGKILL);
    reap(pid, true);
    for (const einjit::jit::DiskEntryFile& entry : DiskCache::listEntries(directory))
      if (!entry.entry) {
        std::cerr << "disk_cache_stress: after a kill, invalid entry " << entry.name << ": "
                  << entry.problem << "\n";
        failed = true;
      }
  };
  for (int w = 0; w < kConcurrent; ++w)
    startWorker();
  while (!workers.empty()) {
    struct pollfd waiting {
      report[0], POLLIN, 0
    };
    int ready = ::poll(&waiting, 1, static_cast<int>(10 + random() % 50));
    if (ready > 0) {
      Report stopped{};
      if (::read(report[0], &stopped, sizeof stopped) != sizeof stopped)
        continue;
      auto worker = workers.find(stopped.pid);
      if (worker == workers.end())
        continue; // killed at random since it wrote
      // The first stop is always a kill, so that every run kills a writer mid-write.
      if (figures.killedHalfWritten + figures.killedWritten == 0 || random() % 24 == 0) {
        kill(stopped.pid);
        ++(stopped.step == static_cast<int>(DiskWriteStep::HalfWritten) ? figures.killedHalfWritten
                                                                        : figures.killedWritten);
      } else {
        char byte = 1;
        if (::write(worker->second, &byte, 1) == 1)
          ++figures.stopsLetGo;
      }
    } else if (random() % 16 == 0) {
      auto victim = std::next(workers.begin(), static_cast<long>(random() % workers.size()));
      kill(victim->first);
      ++figures.killedAnywhere;
    }
    // Workers that finished.
    for (auto it = workers.begin(); it != workers.end();) {
      pid_t pid = it->first;
      ++it;
      int status = 0;
      pid_t done = ::waitpid(pid, &status, WNOHANG);
      if (done != pid)
        continue;
      ::close(workers[pid]);
      workers.erase(pid);
      if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        ++figures.finished;
      } else {
        std::cerr << "disk_cache_stress: worker " << pid << " failed (status " << status << ")\n";
        failed = true;
      }
    }
    while (static_cast<int>(workers.size()) < kConcurrent && figures.started < kProcesses)
      startWorker();
  }
  double fillSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // Every entry valid; at most one temporary file per kill.
  std::vector<einjit::jit::DiskEntryFile> entries = DiskCache::listEntries(directory);
  int invalid = 0;
  for (const einjit::jit::DiskEntryFile& entry : entries)
    if (!entry.entry) {
      ++invalid;
      std::cerr << "disk_cache_stress: invalid entry " << entry.name << ": " << entry.problem
                << "\n";
      failed = true;
    }
  int temporaries = 0;
  for (const fs::directory_entry& item : fs::directory_iterator(directory))
    temporaries += item.path().filename().string().rfind(".einjit-tmp-", 0) == 0 ? 1 : 0;
  int kills = figures.killedHalfWritten + figures.killedWritten + figures.killedAnywhere;
  if (temporaries > kills) {
    std::cerr << "disk_cache_stress: " << temporaries << " temporary files after " << kills
              << " kills\n";
    failed = true;
  }
  if (figures.killedHalfWritten + figures.killedWritten == 0) {
    std::cerr << "disk_cache_stress: no writer was killed mid-write (no entry was written?)\n";
    failed = true;
  }

  // A fresh engine (in this process: no fork follows) loads every entry and computes right.
  DiskCache::writeStepHook = nullptr;
  einjit::EngineOptions options;
  options.cacheDirectory = directory;
  einjit::Engine verifier(options);
  int wrong = 0;
  for (int k = 0; k < kPoolSize; ++k)
    wrong += computesRight(verifier, k) ? 0 : 1;
  einjit::EngineStatistics statistics = verifier.statistics();
  if (wrong != 0 || statistics.diskRejects != 0 || statistics.diskHits != entries.size()) {
    std::cerr << "disk_cache_stress: verification: " << wrong << " wrong products, "
              << statistics.diskHits << " loaded of " << entries.size() << " entries, "
              << statistics.diskRejects << " rejected\n";
    failed = true;
  }
  double totalSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "disk_cache_stress (seed " << seed << "): " << figures.started << " processes ("
            << kConcurrent << " at once, " << kPlansPerProcess << " plans each from a pool of "
            << kPoolSize << " kernels), " << figures.finished << " finished; killed "
            << figures.killedHalfWritten << " half-way through writing an entry, "
            << figures.killedWritten << " after writing before the rename, "
            << figures.killedAnywhere << " at random moments; " << figures.stopsLetGo
            << " stopped writers let go; the directory checked after each kill\n"
            << "  left: " << entries.size() << " entries, " << invalid << " invalid"
            << "; " << temporaries << " temporary files (swept by a later write once "
            << DiskCache::kStaleTemporarySeconds << " s old)\n"
            << "  verification: " << statistics.diskHits << " of " << entries.size()
            << " entries loaded, " << statistics.diskRejects << " rejected, " << wrong
            << " wrong products of " << kPoolSize << "\n"
            << "  time: " << fillSeconds << " s filling, " << totalSeconds << " s in all\n";
  return failed ? 1 : 0;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::cerr << "usage: disk_cache_stress DIRECTORY [SEED]\n";
    return 2;
  }
  std::string directory = argv[1];
  std::error_code ignored;
  fs::remove_all(directory, ignored);
  unsigned seed = argc == 3 ? static_cast<unsigned>(std::strtoul(argv[2], nullptr, 10))
                            : static_cast<unsigned>(std::random_device{}());
  return run(directory, seed);
}
