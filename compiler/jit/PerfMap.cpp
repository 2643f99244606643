#include "jit/PerfMap.h"

#include <llvm/ExecutionEngine/JITLink/JITLink.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <set>
#include <unistd.h>

namespace einjit::jit {

namespace {

class PerfMapPlugin : public llvm::orc::ObjectLinkingLayer::Plugin {
public:
  void modifyPassConfig(llvm::orc::MaterializationResponsibility&, llvm::jitlink::LinkGraph&,
                        llvm::jitlink::PassConfiguration& config) override {
    // After fixups every symbol has its final address.
    config.PostFixupPasses.emplace_back(&record);
  }
  llvm::Error notifyFailed(llvm::orc::MaterializationResponsibility&) override {
    return llvm::Error::success();
  }
  llvm::Error notifyRemovingResources(llvm::orc::JITDylib&, llvm::orc::ResourceKey) override {
    return llvm::Error::success();
  }
  void notifyTransferringResources(llvm::orc::JITDylib&, llvm::orc::ResourceKey,
                                   llvm::orc::ResourceKey) override {}

private:
  static llvm::Error record(llvm::jitlink::LinkGraph& graph) {
    static std::mutex mutex;
    std::lock_guard<std::mutex> lock(mutex);
    std::FILE* file = std::fopen(perfMapPath().c_str(), "a");
    if (!file)
      return llvm::Error::success(); // a profiling aid: without the file only the names are lost
    auto line = [&](llvm::orc::ExecutorAddr start, std::uint64_t size, const std::string& name) {
      std::fprintf(file, "%llx %llx %s\n", static_cast<unsigned long long>(start.getValue()),
                   static_cast<unsigned long long>(size), name.c_str());
    };
    for (llvm::jitlink::Section& section : graph.sections()) {
      auto protection = static_cast<unsigned>(section.getMemProt());
      if ((protection & static_cast<unsigned>(llvm::orc::MemProt::Exec)) == 0)
        continue;
      std::set<llvm::orc::ExecutorAddr> named;
      for (llvm::jitlink::Symbol* symbol : section.symbols())
        if (symbol->hasName() && symbol->isCallable() && symbol->getSize() > 0) {
          line(symbol->getAddress(), symbol->getSize(), symbol->getName().str());
          named.insert(symbol->getAddress());
        }
      // JITLink keeps no symbol for a local function (a kernel's units or chunk function):
      // the code of a block before its first named function gets a line of its own, named
      // after the object it came from.
      for (llvm::jitlink::Block* block : section.blocks()) {
        llvm::orc::ExecutorAddr end = block->getAddress() + block->getSize();
        for (llvm::orc::ExecutorAddr start : named)
          if (start >= block->getAddress() && start < end)
            end = std::min(end, start);
        if (end - block->getAddress() > 16)
          line(block->getAddress(), end - block->getAddress(), graph.getName() + ".local");
      }
    }
    std::fclose(file);
    return llvm::Error::success();
  }
};

} // namespace

bool perfMapRequested() {
  const char* value = std::getenv("EINJIT_PERF_MAP");
  return value && *value && std::string(value) != "0";
}

std::string perfMapPath() {
  return "/tmp/perf-" + std::to_string(::getpid()) + ".map";
}

std::unique_ptr<llvm::orc::ObjectLinkingLayer::Plugin> makePerfMapPlugin() {
  return std::make_unique<PerfMapPlugin>();
}

} // namespace einjit::jit
