// The prologue function: one operand's prologues behind the kernel entry's signature, built in
// its own LLVMContext and TargetMachine (neither is thread-safe) like a kernel.
#include "codegen/PrologueFunction.h"
#include "codegen/LLVMCodegen.h"
#include "codegen/PrologueIR.h"

#include <llvm/IR/Verifier.h>
#include <llvm/Support/raw_ostream.h>

#include <sstream>

namespace einjit::codegen {

OperandPrologue operandPrologue(const ir::IndexProgram& program, std::size_t operand) {
  OperandPrologue prologue;
  prologue.dtype = program.dtype;
  prologue.shape = program.operands.at(operand).shape;
  for (const ir::Prologue& step : program.prologues)
    if (step.operand == operand)
      prologue.steps.push_back(step);
  return prologue;
}

std::string keyText(const OperandPrologue& prologue) {
  std::ostringstream os;
  os.precision(17);
  os << "prologue " << dtypeName(prologue.dtype) << " " << shapeToPython(prologue.shape) << "\n";
  for (const ir::Prologue& step : prologue.steps) {
    if (step.kind == ir::PrologueKind::Ravel)
      os << "ravel\n";
    else
      os << "normalize axis " << step.axis << " epsilon " << step.epsilon << "\n";
  }
  return os.str();
}

namespace {

struct BuiltModule {
  std::unique_ptr<llvm::LLVMContext> context = std::make_unique<llvm::LLVMContext>();
  std::unique_ptr<llvm::TargetMachine> machine;
  std::unique_ptr<llvm::Module> module;
};

BuiltModule build(const OperandPrologue& prologue, const TargetDesc& target,
                  const std::string& symbol, bool optimized) {
  BuiltModule built;
  built.machine = createTargetMachine(target);
  built.module = std::make_unique<llvm::Module>("einjit." + symbol, *built.context);
  llvm::Module& module = *built.module;
  module.setTargetTriple(built.machine->getTargetTriple().str());
  module.setDataLayout(built.machine->createDataLayout());
  llvm::Function* function = createKernelEntry(module, symbol);
  function->addFnAttr(llvm::Attribute::NoUnwind);
  function->addFnAttr("target-cpu", built.machine->getTargetCPU());
  function->addFnAttr("target-features", built.machine->getTargetFeatureString());
  llvm::IRBuilder<> builder(*built.context);
  builder.SetInsertPoint(llvm::BasicBlock::Create(*built.context, "entry", function));
  llvm::Type* pointer = builder.getPtrTy();
  llvm::Value* data = function->getArg(0);
  llvm::Value* source = builder.CreateLoad(pointer, builder.CreateConstGEP1_64(pointer, data, 0));
  llvm::Value* staged = builder.CreateLoad(pointer, builder.CreateConstGEP1_64(pointer, data, 1));
  emitOperandPrologue(builder, prologue.dtype, prologue.shape, prologue.steps, source,
                      function->getArg(1), staged, *built.machine);
  builder.CreateRet(statusConstant(builder, runtime::kStatusOk));
  std::string problems;
  llvm::raw_string_ostream stream(problems);
  if (llvm::verifyModule(module, &stream))
    codegenFailure("verify", "the generated prologue is invalid: " + problems);
  if (optimized)
    optimizePrologueModule(module, *built.machine);
  return built;
}

} // namespace

std::string emitPrologueIR(const OperandPrologue& prologue, const TargetDesc& target,
                           const std::string& symbol, bool optimized) {
  BuiltModule built = build(prologue, target, symbol, optimized);
  std::string text;
  llvm::raw_string_ostream stream(text);
  built.module->print(stream, nullptr);
  return text;
}

std::string compilePrologue(const OperandPrologue& prologue, const TargetDesc& target,
                            const std::string& symbol) {
  BuiltModule built = build(prologue, target, symbol, true);
  return emitMachineCode(*built.module, *built.machine, llvm::CodeGenFileType::ObjectFile);
}

} // namespace einjit::codegen
