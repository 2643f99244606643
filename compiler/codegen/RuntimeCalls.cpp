// LLVM declarations read from the ABI table (runtime/KernelAbi.h): the kernel entry's type, a
// parallel loop body's, and every runtime function's, with the attributes the table allows.
#include "codegen/LLVMCodegen.h"

namespace einjit::codegen {

namespace abi = runtime::abi;

namespace {

llvm::Type* typeOf(llvm::LLVMContext& context, abi::Type type) {
  switch (type) {
  case abi::Type::Void:
    return llvm::Type::getVoidTy(context);
  case abi::Type::I32:
    return llvm::Type::getInt32Ty(context);
  case abi::Type::I64:
    return llvm::Type::getInt64Ty(context);
  case abi::Type::F32:
    return llvm::Type::getFloatTy(context);
  case abi::Type::F64:
    return llvm::Type::getDoubleTy(context);
  case abi::Type::Ptr:
    return llvm::PointerType::get(context, 0);
  }
  codegenFailure("abi", "unknown ABI type");
}

} // namespace

llvm::FunctionType* functionTypeOf(llvm::LLVMContext& context, const abi::Signature& signature) {
  std::vector<llvm::Type*> parameters;
  for (std::size_t p = 0; p < signature.parameterCount; ++p)
    parameters.push_back(typeOf(context, signature.parameters[p]));
  return llvm::FunctionType::get(typeOf(context, signature.result), parameters, false);
}

llvm::FunctionCallee declareRuntimeFunction(llvm::Module& module, abi::Function function) {
  const abi::RuntimeFunction& row = abi::runtimeFunction(function);
  llvm::FunctionType* type = functionTypeOf(module.getContext(), row.signature);
  llvm::FunctionCallee callee = module.getOrInsertFunction(row.name, type);
  auto* declaration = llvm::dyn_cast<llvm::Function>(callee.getCallee());
  if (!declaration)
    return callee;
  declaration->addFnAttr(llvm::Attribute::NoUnwind);
  if (row.effects == abi::Effects::ArgumentMemoryOnly) {
    declaration->setMemoryEffects(llvm::MemoryEffects::argMemOnly());
    declaration->addFnAttr(llvm::Attribute::WillReturn);
    declaration->addFnAttr(llvm::Attribute::NoSync);
    declaration->addFnAttr(llvm::Attribute::NoFree);
    for (unsigned p = 0; p < type->getNumParams(); ++p)
      if (type->getParamType(p)->isPointerTy())
        declaration->addParamAttr(p, llvm::Attribute::NoCapture);
  }
  return callee;
}

llvm::Function* createKernelEntry(llvm::Module& module, const std::string& symbol) {
  auto* function = llvm::Function::Create(functionTypeOf(module.getContext(), abi::kKernelEntry),
                                          llvm::Function::ExternalLinkage, symbol, module);
  // Every argument points at an array the caller owns for the call: nothing else aliases it.
  for (llvm::Argument& argument : function->args()) {
    argument.addAttr(llvm::Attribute::NoAlias);
    argument.addAttr(llvm::Attribute::ReadOnly);
    argument.addAttr(llvm::Attribute::NoCapture);
  }
  return function;
}

llvm::Function* createLoopBody(llvm::Module& module, const std::string& name) {
  return llvm::Function::Create(functionTypeOf(module.getContext(), abi::kLoopBody),
                                llvm::Function::InternalLinkage, name, module);
}

llvm::Value* statusConstant(llvm::IRBuilder<>& builder, std::int32_t status) {
  return builder.getInt32(static_cast<std::uint32_t>(status));
}

} // namespace einjit::codegen
