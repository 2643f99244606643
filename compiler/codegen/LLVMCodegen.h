// The codegen stages as LLVM objects, shared by the codegen .cpp files only (this header pulls in
// LLVM): target machine, kernel module, optimization pipelines, machine-code emission.
#pragma once

#include "KernelAbi.h"
#include "codegen/Codegen.h"

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/CodeGen.h>
#include <llvm/Target/TargetMachine.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace einjit::codegen {

/// The function attribute that marks a kernel function compileObjects may compile in an object
/// of its own, beside the rest of the module, on another thread.
inline constexpr const char* kPartAttribute = "einjit-separate-part";

/// Registers the native target with LLVM once per process.
void initializeNativeTarget();
/// A TargetMachine for `target` at CodeGenOptLevel::Aggressive. A TargetMachine is not safe to
/// share between threads, so every compilation makes its own.
std::unique_ptr<llvm::TargetMachine> createTargetMachine(const TargetDesc& target);
/// The kernel function `symbol` for `nest`, verified.
std::unique_ptr<llvm::Module> buildKernelModule(const ir::LoopNest& nest,
                                                llvm::LLVMContext& context,
                                                const llvm::TargetMachine& machine,
                                                const std::string& symbol);
/// The packed strategy's kernel (nest.packed set) into `module`.
void buildPackedKernel(const ir::LoopNest& nest, llvm::Module& module,
                       const llvm::TargetMachine& machine, const std::string& symbol);
/// for (iv = begin; iv < end; iv += body(iv)): a loop whose body says how far it went, emitted
/// at `builder`'s insert point (which continues after the loop); `loopMetadata` as below.
void emitSteppedLoop(llvm::IRBuilder<>& builder, llvm::Value* begin, llvm::Value* end,
                     const std::function<llvm::Value*(llvm::Value*)>& body,
                     llvm::MDNode* loopMetadata = nullptr);
/// for (iv = begin; iv < end; iv += step) body(iv), emitted at `builder`'s insert point (which
/// continues after the loop); `loopMetadata`, when given, goes on the latch (llvm.loop hints).
void emitCountedLoop(llvm::IRBuilder<>& builder, llvm::Value* begin, llvm::Value* end,
                     std::int64_t step, const std::function<void(llvm::Value*)>& body,
                     llvm::MDNode* loopMetadata = nullptr);
/// The LLVM type of an ABI signature (runtime/KernelAbi.h).
llvm::FunctionType* functionTypeOf(llvm::LLVMContext& context,
                                   const runtime::abi::Signature& signature);
/// `function` of the runtime's ABI table declared in `module`: its type from the table, nounwind,
/// and for Effects::ArgumentMemoryOnly the attributes that let LLVM keep loads across the call.
llvm::FunctionCallee declareRuntimeFunction(llvm::Module& module, runtime::abi::Function function);
/// A new external function `symbol` of the kernel entry's type (runtime::KernelEntry), its
/// arguments noalias, readonly and nocapture.
llvm::Function* createKernelEntry(llvm::Module& module, const std::string& symbol);
/// A new internal function `name` of a parallel loop body's type (runtime::LoopBody).
llvm::Function* createLoopBody(llvm::Module& module, const std::string& name);
/// `status` (runtime::kStatusOk, …) as the i32 a kernel returns.
llvm::Value* statusConstant(llvm::IRBuilder<>& builder, std::int32_t status);
/// Runs the short function pipeline a JIT kernel needs (OptPipeline.cpp), tuned by `machine`.
void optimizeModule(llvm::Module& module, llvm::TargetMachine& machine);
/// The same plus LLVM's loop vectorizer: for a prologue function (PrologueFunction.cpp), whose
/// loops are scalar and whose divisions dominate.
void optimizePrologueModule(llvm::Module& module, llvm::TargetMachine& machine);
/// Runs the new pass manager's O3 module pipeline, tuned by `machine`: for the ahead-of-time
/// object, whose entry points rely on the inliner.
void optimizeLinkedModule(llvm::Module& module, llvm::TargetMachine& machine);
/// Object file or assembly text of `module`.
std::string emitMachineCode(llvm::Module& module, llvm::TargetMachine& machine,
                            llvm::CodeGenFileType type);
/// Error(Internal) "codegen (<stage>): <what>".
[[noreturn]] void codegenFailure(const std::string& stage, const std::string& what);

} // namespace einjit::codegen
