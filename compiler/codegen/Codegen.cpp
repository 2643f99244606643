// The public codegen entry points: each builds the kernel module in its own LLVMContext and
// TargetMachine (neither is thread-safe), so that kernels compile in parallel, and so that one
// packed kernel compiles as two objects on two threads.
#include "codegen/LLVMCodegen.h"

#include <llvm/Support/raw_ostream.h>

#include <future>

namespace einjit::codegen {

namespace {

struct CompiledModule {
  std::unique_ptr<llvm::LLVMContext> context = std::make_unique<llvm::LLVMContext>();
  std::unique_ptr<llvm::TargetMachine> machine;
  std::unique_ptr<llvm::Module> module;
};

CompiledModule build(const ir::LoopNest& nest, const TargetDesc& target, const std::string& symbol,
                     bool optimized) {
  CompiledModule compiled;
  compiled.machine = createTargetMachine(target);
  compiled.module = buildKernelModule(nest, *compiled.context, *compiled.machine, symbol);
  if (optimized)
    optimizeModule(*compiled.module, *compiled.machine);
  return compiled;
}

} // namespace

std::string emitLLVMIR(const ir::LoopNest& nest, const TargetDesc& target,
                       const std::string& symbol, bool optimized) {
  CompiledModule compiled = build(nest, target, symbol, optimized);
  std::string text;
  llvm::raw_string_ostream stream(text);
  compiled.module->print(stream, nullptr);
  return text;
}

std::string emitAssembly(const ir::LoopNest& nest, const TargetDesc& target,
                         const std::string& symbol) {
  CompiledModule compiled = build(nest, target, symbol, true);
  return emitMachineCode(*compiled.module, *compiled.machine, llvm::CodeGenFileType::AssemblyFile);
}

namespace {

/// Which functions of the kernel module one object file defines.
enum class Part { Whole, Marked, Unmarked };

/// Turns the module into `part` of itself: the other part's functions become declarations, and
/// the marked functions external, so that the two objects link to each other.
void keepPart(llvm::Module& module, Part part) {
  if (part == Part::Whole)
    return;
  for (llvm::Function& function : module) {
    if (function.isDeclaration())
      continue;
    bool marked = function.hasFnAttribute(kPartAttribute);
    if (marked)
      function.setLinkage(llvm::GlobalValue::ExternalLinkage);
    if (marked != (part == Part::Marked))
      function.deleteBody();
  }
}

std::string compilePart(const ir::LoopNest& nest, const TargetDesc& target,
                        const std::string& symbol, Part part) {
  CompiledModule compiled;
  compiled.machine = createTargetMachine(target);
  compiled.module = buildKernelModule(nest, *compiled.context, *compiled.machine, symbol);
  keepPart(*compiled.module, part);
  optimizeModule(*compiled.module, *compiled.machine);
  return emitMachineCode(*compiled.module, *compiled.machine, llvm::CodeGenFileType::ObjectFile);
}

} // namespace

std::vector<std::string> compileObjects(const ir::LoopNest& nest, const TargetDesc& target,
                                        const std::string& symbol) {
  if (!nest.packed)
    return {compilePart(nest, target, symbol, Part::Whole)};
  // Each part builds the module in a context of its own (an LLVMContext is not thread-safe);
  // building is cheap next to optimizing and emitting.
  std::future<std::string> marked = std::async(
      std::launch::async, [&] { return compilePart(nest, target, symbol, Part::Marked); });
  std::string unmarked;
  try {
    unmarked = compilePart(nest, target, symbol, Part::Unmarked);
  } catch (...) {
    marked.wait();
    throw;
  }
  return {marked.get(), std::move(unmarked)};
}

} // namespace einjit::codegen
