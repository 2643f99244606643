// The public codegen entry points: each builds the kernel module in its own LLVMContext and
// TargetMachine (neither is thread-safe), so that kernels compile in parallel.
#include "codegen/LLVMCodegen.h"

#include <llvm/Support/raw_ostream.h>

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

std::string compileObject(const ir::LoopNest& nest, const TargetDesc& target,
                          const std::string& symbol) {
  CompiledModule compiled = build(nest, target, symbol, true);
  return emitMachineCode(*compiled.module, *compiled.machine, llvm::CodeGenFileType::ObjectFile);
}

} // namespace einjit::codegen
