// Ahead-of-time objects: every kernel module linked into one, the kernels made internal, and a
// C entry point per kernel that runs its normalize prologues into the caller's scratch buffer,
// then packs the data pointers and alpha/beta the way the kernel ABI (runtime/KernelAbi.h) wants
// them, and returns the kernel's status.
// After O3 a kernel is inlined into its entry point, except a parallel one, which the entry
// point passes to einjit_rt_call_with_threads so that its loop runs with the caller's thread
// count.
#include "codegen/AotObject.h"
#include "codegen/ElementOps.h"
#include "codegen/LLVMCodegen.h"
#include "codegen/PrologueIR.h"

#include "einjit/error.h"

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Linker/Linker.h>
#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/TargetParser/Host.h>

#include <algorithm>

namespace einjit::codegen {

namespace {

// A contiguous entry point passes no stride table and no entry point passes extents: a nest that
// read them would read through the null pointers the entry point passes instead.
void checkSelfContained(const AotEntryPoint& entry) {
  auto fail = [&](const std::string& what) {
    codegenFailure("aot", "entry point " + entry.name + ": " + what);
  };
  if (!entry.nest.constantExtents)
    fail("the kernel reads its extents at run time");
  if (!entry.threaded && entry.nest.runsInParallel())
    fail("a parallel loop needs a threaded entry point (einjit's thread pool at link time)");
  if (!entry.threaded && entry.nest.packed)
    fail("a packed kernel needs a threaded entry point (einjit_rt's scratch memory at link time)");
  if (entry.inputOfTensor.size() != entry.nest.inputs.size())
    fail("input bindings do not match the kernel's inputs");
  for (std::size_t input : entry.inputOfTensor)
    if (input >= entry.inputCount)
      fail("a kernel input reads a parameter that does not exist");
  if (!entry.normalizedOfTensor.empty() &&
      entry.normalizedOfTensor.size() != entry.nest.inputs.size())
    fail("normalized-copy bindings do not match the kernel's inputs");
  for (const AotNormalize& normalize : entry.normalized)
    if (normalize.input >= entry.inputCount)
      fail("a normalize prologue reads a parameter that does not exist");
  auto readsCopy = [&](std::size_t t) {
    return !entry.normalizedOfTensor.empty() && entry.normalizedOfTensor[t].has_value();
  };
  auto checkTensor = [&](const ir::TensorAccess& tensor, bool copy) {
    // A normalized copy is contiguous: the caller's strides do not describe it.
    for (const ir::LabelStride& stride : tensor.strides)
      if (!stride.known && (copy || !entry.strided || stride.sourceDims.empty()))
        fail("tensor " + tensor.name + " has a stride the entry point cannot supply");
  };
  for (std::size_t t = 0; t < entry.nest.inputs.size(); ++t) {
    if (readsCopy(t) && *entry.normalizedOfTensor[t] >= entry.normalized.size())
      fail("a kernel input reads a normalized copy that does not exist");
    checkTensor(entry.nest.inputs[t], readsCopy(t));
  }
  checkTensor(entry.nest.output, false);
}

bool isParallel(const ir::LoopNest& nest) {
  return nest.runsInParallel();
}

void buildEntryPoint(const AotEntryPoint& entry, llvm::Function& kernel, llvm::Module& module,
                     const llvm::TargetMachine& machine) {
  llvm::LLVMContext& context = module.getContext();
  llvm::IRBuilder<> builder(context);
  bool complex = isComplex(entry.nest.dtype);
  llvm::Type* element = componentTypeOf(context, entry.nest.dtype);
  llvm::Type* pointer = builder.getPtrTy();
  llvm::Type* scalar = complex ? pointer : element;
  // Per tensor parameter: data pointer, then (strided) its stride array; then the scratch
  // buffer, alpha, beta and the thread count, the first and last only when the entry takes them.
  unsigned perTensor = entry.strided ? 2 : 1;
  bool scratch = !entry.normalized.empty();
  std::vector<llvm::Type*> parameters((entry.inputCount + 1) * perTensor, pointer);
  if (scratch)
    parameters.push_back(pointer);
  parameters.push_back(scalar);
  parameters.push_back(scalar);
  if (entry.threaded)
    parameters.push_back(builder.getInt32Ty());
  // The entry point returns the kernel's status (runtime/KernelAbi.h).
  auto* type = llvm::FunctionType::get(builder.getInt32Ty(), parameters, false);
  auto* function =
      llvm::Function::Create(type, llvm::Function::ExternalLinkage, entry.name, module);
  function->addFnAttr(llvm::Attribute::NoUnwind);
  function->addFnAttr("target-cpu", machine.getTargetCPU());
  function->addFnAttr("target-features", machine.getTargetFeatureString());
  builder.SetInsertPoint(llvm::BasicBlock::Create(context, "entry", function));

  const std::vector<ir::TensorAccess>& inputs = entry.nest.inputs;
  std::size_t tensors = inputs.size() + 1;
  auto parameterOf = [&](std::size_t t) {
    return static_cast<unsigned>((t < inputs.size() ? entry.inputOfTensor[t] : entry.inputCount) *
                                 perTensor);
  };
  auto scratchArgument = static_cast<unsigned>((entry.inputCount + 1) * perTensor);
  std::vector<llvm::Value*> copies;
  for (const AotNormalize& normalize : entry.normalized)
    copies.push_back(
        builder.CreateGEP(element, function->getArg(scratchArgument),
                          builder.getInt64(normalize.scratchOffset * (complex ? 2 : 1))));
  auto* dataType = llvm::ArrayType::get(pointer, tensors);
  llvm::Value* data = builder.CreateAlloca(dataType);
  for (std::size_t t = 0; t < tensors; ++t) {
    bool readsCopy = t < inputs.size() && !entry.normalizedOfTensor.empty() &&
                     entry.normalizedOfTensor[t].has_value();
    builder.CreateStore(readsCopy ? copies[*entry.normalizedOfTensor[t]]
                                  : function->getArg(parameterOf(t)),
                        builder.CreateConstGEP2_64(dataType, data, 0, t));
  }
  llvm::Value* strideTable = llvm::ConstantPointerNull::get(llvm::PointerType::get(context, 0));
  if (entry.strided) {
    // The kernel's table is per label: the sum of the tensor's strides along every dimension
    // the label indexes (two for a diagonal). Known entries are never read and stay unset.
    std::size_t labels = entry.nest.labels.size();
    llvm::Type* i64 = builder.getInt64Ty();
    auto* tableType = llvm::ArrayType::get(i64, tensors * labels);
    strideTable = builder.CreateAlloca(tableType);
    for (std::size_t t = 0; t < tensors; ++t) {
      const ir::TensorAccess& tensor = t < inputs.size() ? inputs[t] : entry.nest.output;
      llvm::Value* userStrides = function->getArg(parameterOf(t) + 1);
      for (std::size_t l = 0; l < labels; ++l) {
        const ir::LabelStride& stride = tensor.strides[l];
        if (stride.known)
          continue;
        llvm::Value* sum = builder.getInt64(0);
        for (std::size_t dim : stride.sourceDims)
          sum = builder.CreateAdd(
              sum, builder.CreateLoad(i64, builder.CreateConstGEP1_64(i64, userStrides, dim)));
        builder.CreateStore(sum,
                            builder.CreateConstGEP2_64(tableType, strideTable, 0, t * labels + l));
      }
    }
  }
  auto scalarPointer = [&](unsigned argument) -> llvm::Value* {
    llvm::Value* value = function->getArg(argument);
    if (complex)
      return value;
    llvm::Value* slot = builder.CreateAlloca(element);
    builder.CreateStore(value, slot);
    return slot;
  };
  unsigned alphaArgument = scratchArgument + (scratch ? 1 : 0);
  llvm::Value* alpha = scalarPointer(alphaArgument);
  llvm::Value* beta = scalarPointer(alphaArgument + 1);
  llvm::Value* none = llvm::ConstantPointerNull::get(llvm::PointerType::get(context, 0));
  // The prologues' loops come after every alloca, which stay in the entry block for SROA.
  for (std::size_t n = 0; n < entry.normalized.size(); ++n) {
    auto parameter = static_cast<unsigned>(entry.normalized[n].input * perTensor);
    const AotNormalize& normalize = entry.normalized[n];
    emitNormalize(builder, entry.nest.dtype, normalize.shape, normalize.axis, normalize.epsilon,
                  function->getArg(parameter),
                  entry.strided ? function->getArg(parameter + 1) : nullptr, copies[n], machine);
  }
  llvm::Value* status = nullptr;
  if (entry.threaded && isParallel(entry.nest))
    status = builder.CreateCall(
        declareRuntimeFunction(module, runtime::abi::Function::CallWithThreads),
        {function->getArg(alphaArgument + 2), &kernel, data, strideTable, none, alpha, beta});
  else
    status = builder.CreateCall(&kernel, {data, strideTable, none, alpha, beta});
  builder.CreateRet(status);
}

} // namespace

std::int64_t aotScratchElements(const AotEntryPoint& entry) {
  std::int64_t elements = 0;
  for (const AotNormalize& normalize : entry.normalized) {
    std::int64_t count = 1;
    for (std::int64_t extent : normalize.shape)
      count *= extent;
    elements = std::max(elements, normalize.scratchOffset + count);
  }
  return elements;
}

namespace {

/// The object's module before optimization, verified.
std::unique_ptr<llvm::Module> buildAotModule(const std::vector<AotEntryPoint>& entries,
                                             llvm::LLVMContext& context,
                                             llvm::TargetMachine& machine) {
  for (const AotEntryPoint& entry : entries)
    checkSelfContained(entry);
  auto module = std::make_unique<llvm::Module>("einjit.aot", context);
  module->setTargetTriple(machine.getTargetTriple().str());
  module->setDataLayout(machine.createDataLayout());
  for (const AotEntryPoint& entry : entries) {
    std::string kernelSymbol = entry.name + ".einjit_kernel";
    if (llvm::Linker::linkModules(*module,
                                  buildKernelModule(entry.nest, context, machine, kernelSymbol)))
      codegenFailure("link", "cannot link the kernel of " + entry.name);
    llvm::Function* kernel = module->getFunction(kernelSymbol);
    kernel->setLinkage(llvm::GlobalValue::InternalLinkage);
    buildEntryPoint(entry, *kernel, *module, machine);
  }
  std::string problems;
  llvm::raw_string_ostream stream(problems);
  if (llvm::verifyModule(*module, &stream))
    codegenFailure("verify", "the ahead-of-time module is invalid: " + problems);
  return module;
}

} // namespace

std::string aotModuleText(const std::vector<AotEntryPoint>& entries, const TargetDesc& target) {
  llvm::LLVMContext context;
  std::unique_ptr<llvm::TargetMachine> machine = createTargetMachine(target);
  std::unique_ptr<llvm::Module> module = buildAotModule(entries, context, *machine);
  std::string text;
  llvm::raw_string_ostream stream(text);
  module->print(stream, nullptr);
  return text;
}

std::string compileAotObject(const std::vector<AotEntryPoint>& entries, const TargetDesc& target) {
  llvm::LLVMContext context;
  std::unique_ptr<llvm::TargetMachine> machine = createTargetMachine(target);
  std::unique_ptr<llvm::Module> module = buildAotModule(entries, context, *machine);
  optimizeLinkedModule(*module, *machine);
  return emitMachineCode(*module, *machine, llvm::CodeGenFileType::ObjectFile);
}

} // namespace einjit::codegen
