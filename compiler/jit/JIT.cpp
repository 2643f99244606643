// With PerfMap.cpp, the only file that touches ORC. One LLJIT per Jit; each kernel's object
// files go into its own ResourceTracker, removed when the kernel dies, so that evicted kernels
// free their code.
#include "jit/Jit.h"

#include "KernelAbi.h"
#include "einjit/error.h"
#include "jit/ObjectBundle.h"
#include "jit/PerfMap.h"

#include <llvm/ExecutionEngine/Orc/Core.h>
#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/Support/Error.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/TargetSelect.h>

#include <atomic>
#include <mutex>
#include <unordered_set>
#include <vector>

namespace einjit::jit {

namespace {

[[noreturn]] void jitFailure(const std::string& stage, llvm::Error error) {
  throw Error(ErrorKind::Internal, "jit (" + stage + "): " + llvm::toString(std::move(error)));
}

template <class T>
T unwrap(const std::string& stage, llvm::Expected<T> value) {
  if (!value)
    jitFailure(stage, value.takeError());
  return std::move(*value);
}

std::atomic<std::uint64_t> nextKernelNumber{0};

} // namespace

struct Jit::State {
  std::unique_ptr<llvm::orc::LLJIT> lljit;
  // Linking is quick next to compiling; serializing it keeps ORC's use simple.
  std::mutex linkMutex;
  /// The symbols of live kernels (guarded by linkMutex).
  std::unordered_set<std::string> liveSymbols;
};

Jit::Jit() : state_(std::make_shared<State>()) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  state_->lljit = unwrap("create", llvm::orc::LLJITBuilder().create());
  llvm::orc::LLJIT& lljit = *state_->lljit;
  lljit.getMainJITDylib().addGenerator(
      unwrap("create", llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
                           lljit.getDataLayout().getGlobalPrefix())));
  // The runtime is linked statically, so the process's dynamic symbol table may not list it:
  // give kernels the addresses of the ABI table's functions (runtime/KernelAbi.h) directly.
  llvm::orc::SymbolMap symbols;
  for (const runtime::abi::RuntimeFunction& function : runtime::abi::runtimeFunctions())
    symbols[lljit.mangleAndIntern(function.name)] = llvm::orc::ExecutorSymbolDef(
        llvm::orc::ExecutorAddr::fromPtr(function.address),
        llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable);
  if (llvm::Error error = lljit.getMainJITDylib().define(llvm::orc::absoluteSymbols(symbols)))
    jitFailure("create", std::move(error));
  if (perfMapRequested()) {
    // LLVM links x86-64 and AArch64 ELF objects with JITLink; the names need its plugin.
    if (auto* layer = llvm::dyn_cast<llvm::orc::ObjectLinkingLayer>(&lljit.getObjLinkingLayer()))
      layer->addPlugin(makePerfMapPlugin());
  }
}

Jit::~Jit() = default;

std::string Jit::newSymbol() {
  return "einjit_kernel_" + std::to_string(nextKernelNumber++);
}

bool Jit::defines(const std::string& symbol) const {
  std::lock_guard<std::mutex> lock(state_->linkMutex);
  return state_->liveSymbols.count(symbol) != 0;
}

std::shared_ptr<const Kernel> Jit::load(const std::string& code, const std::string& symbol,
                                        double compileMillis) {
  std::vector<std::string> objects = unbundleObjects(code);
  std::lock_guard<std::mutex> lock(state_->linkMutex);
  llvm::orc::LLJIT& lljit = *state_->lljit;
  llvm::orc::ResourceTrackerSP tracker = lljit.getMainJITDylib().createResourceTracker();
  for (std::size_t o = 0; o < objects.size(); ++o) {
    auto buffer =
        llvm::MemoryBuffer::getMemBufferCopy(objects[o], symbol + "." + std::to_string(o));
    if (llvm::Error error = lljit.addObjectFile(tracker, std::move(buffer))) {
      llvm::consumeError(tracker->remove());
      jitFailure("link", std::move(error));
    }
  }
  llvm::Expected<llvm::orc::ExecutorAddr> address = lljit.lookup(symbol);
  if (!address) {
    llvm::consumeError(tracker->remove());
    jitFailure("link", address.takeError());
  }
  state_->liveSymbols.insert(symbol);
  std::shared_ptr<State> state = state_;
  auto release = [state, tracker, symbol] {
    std::lock_guard<std::mutex> lock(state->linkMutex);
    llvm::consumeError(tracker->remove());
    state->liveSymbols.erase(symbol);
  };
  return std::make_shared<const Kernel>(address->toPtr<codegen::KernelEntry>(), code.size(),
                                        compileMillis, release);
}

} // namespace einjit::jit
