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
  auto readsCopy = [&](std::size_t t) {
    return !entry.normalizedOfTensor.empty() && entry.normalizedOfTensor[t].has_value();
  };
  // A normalized copy and a temporary are contiguous: the caller's strides do not describe them.
  auto checkTensor = [&](const ir::TensorAccess& tensor, bool ownLayout) {
    for (const ir::LabelStride& stride : tensor.strides)
      if (!stride.known && (ownLayout || !entry.strided || stride.sourceDims.empty()))
        fail("tensor " + tensor.name + " has a stride the entry point cannot supply");
  };
  // `values`: the parameters and the temporaries written before this kernel runs.
  auto checkKernel = [&](const ir::LoopNest& nest, const std::vector<std::size_t>& inputOfTensor,
                         std::size_t values, bool last, const std::string& which) {
    if (!nest.constantExtents)
      fail(which + "the kernel reads its extents at run time");
    if (!entry.threaded && nest.runsInParallel())
      fail(which +
           "a parallel loop needs a threaded entry point (einjit's thread pool at link time)");
    if (!entry.threaded && nest.packed)
      fail(which + "a packed kernel needs a threaded entry point (einjit_rt's scratch memory at "
                   "link time)");
    if (inputOfTensor.size() != nest.inputs.size())
      fail(which + "input bindings do not match the kernel's inputs");
    for (std::size_t input : inputOfTensor)
      if (input >= values)
        fail(which + "a kernel input reads a parameter that does not exist");
    for (std::size_t t = 0; t < nest.inputs.size(); ++t) {
      bool copy = last && readsCopy(t);
      if (copy && *entry.normalizedOfTensor[t] >= entry.normalized.size())
        fail("a kernel input reads a normalized copy that does not exist");
      checkTensor(nest.inputs[t], copy || inputOfTensor[t] >= entry.inputCount);
    }
    checkTensor(nest.output, !last);
    if (!last && isComplex(nest.dtype) != isComplex(entry.nest.dtype))
      fail(which + "a step's dtype differs from the entry point's");
    if (!last && nest.resultDtype() != aotScratchDtype(entry))
      fail(which + "a step writes " + std::string(dtypeName(nest.resultDtype())) +
           " into a scratch buffer of " + std::string(dtypeName(aotScratchDtype(entry))));
  };
  if (!entry.normalized.empty() && aotScratchDtype(entry) != entry.nest.dtype)
    fail("normalized copies and temporaries of different dtypes would share scratch");
  for (std::size_t k = 0; k < entry.steps.size(); ++k)
    checkKernel(entry.steps[k].nest, entry.steps[k].inputOfTensor, entry.inputCount + k, false,
                "step " + std::to_string(k) + ": ");
  if (!entry.normalizedOfTensor.empty() &&
      entry.normalizedOfTensor.size() != entry.nest.inputs.size())
    fail("normalized-copy bindings do not match the kernel's inputs");
  for (const AotNormalize& normalize : entry.normalized)
    if (normalize.input >= entry.inputCount)
      fail("a normalize prologue reads a parameter that does not exist");
  checkKernel(entry.nest, entry.inputOfTensor, entry.inputCount + entry.steps.size(), true, "");
}

/// The entry point: pointers to each kernel's tensors, its stride table (strided entry points),
/// the prologues, then the kernels in order (the steps', the last one's), the first status other
/// than kStatusOk returned at once. `kernels` holds one function per step, then the last one's.
void buildEntryPoint(const AotEntryPoint& entry, const std::vector<llvm::Function*>& kernels,
                     llvm::Module& module, const llvm::TargetMachine& machine) {
  llvm::LLVMContext& context = module.getContext();
  llvm::IRBuilder<> builder(context);
  bool complex = isComplex(entry.nest.dtype);
  llvm::Type* element = componentTypeOf(context, entry.nest.dtype);
  llvm::Type* pointer = builder.getPtrTy();
  llvm::Type* scalar = complex ? pointer : element;
  // Per tensor parameter: data pointer, then (strided) its stride array; then the scratch
  // buffer, alpha, beta and the thread count, the first and last only when the entry takes them.
  unsigned perTensor = entry.strided ? 2 : 1;
  bool scratch = !entry.normalized.empty() || !entry.steps.empty();
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

  auto scratchArgument = static_cast<unsigned>((entry.inputCount + 1) * perTensor);
  // Offsets count elements of the scratch's dtype, which may not be the arrays' (f32 temporaries
  // of a bf16 or f16 path).
  auto scratchElementBytes = static_cast<std::int64_t>(dtypeSize(aotScratchDtype(entry)));
  auto inScratch = [&](std::int64_t offset) {
    return builder.CreateGEP(builder.getInt8Ty(), function->getArg(scratchArgument),
                             builder.getInt64(offset * scratchElementBytes));
  };
  std::vector<llvm::Value*> copies;
  for (const AotNormalize& normalize : entry.normalized)
    copies.push_back(inScratch(normalize.scratchOffset));
  std::vector<llvm::Value*> temporaries;
  for (const AotStep& step : entry.steps)
    temporaries.push_back(inScratch(step.scratchOffset));
  // A value: an input parameter, or a step's temporary (contiguous: no caller strides).
  auto valueData = [&](std::size_t value) {
    return value < entry.inputCount ? function->getArg(static_cast<unsigned>(value * perTensor))
                                    : temporaries[value - entry.inputCount];
  };
  auto valueStrides = [&](std::size_t value) -> llvm::Value* {
    return entry.strided && value < entry.inputCount
               ? function->getArg(static_cast<unsigned>(value * perTensor + 1))
               : nullptr;
  };
  llvm::Value* none = llvm::ConstantPointerNull::get(llvm::PointerType::get(context, 0));
  llvm::Type* i64 = builder.getInt64Ty();
  // Each kernel's data pointers (inputs, then the output) and stride table.
  struct KernelArguments {
    llvm::Value* data = nullptr;
    llvm::Value* strides = nullptr;
  };
  auto kernelArguments = [&](const ir::LoopNest& nest, const std::vector<llvm::Value*>& pointers,
                             const std::vector<llvm::Value*>& userStrides) {
    KernelArguments arguments;
    std::size_t tensors = pointers.size();
    auto* dataType = llvm::ArrayType::get(pointer, tensors);
    arguments.data = builder.CreateAlloca(dataType);
    for (std::size_t t = 0; t < tensors; ++t)
      builder.CreateStore(pointers[t], builder.CreateConstGEP2_64(dataType, arguments.data, 0, t));
    arguments.strides = none;
    if (!entry.strided)
      return arguments;
    // The kernel's table is per label: the sum of the tensor's strides along every dimension
    // the label indexes (two for a diagonal). Known entries are never read and stay unset.
    std::size_t labels = nest.labels.size();
    auto* tableType = llvm::ArrayType::get(i64, tensors * labels);
    arguments.strides = builder.CreateAlloca(tableType);
    for (std::size_t t = 0; t < tensors; ++t) {
      if (!userStrides[t])
        continue;
      const ir::TensorAccess& tensor = t < nest.inputs.size() ? nest.inputs[t] : nest.output;
      for (std::size_t l = 0; l < labels; ++l) {
        const ir::LabelStride& stride = tensor.strides[l];
        if (stride.known)
          continue;
        llvm::Value* sum = builder.getInt64(0);
        for (std::size_t dim : stride.sourceDims)
          sum = builder.CreateAdd(
              sum, builder.CreateLoad(i64, builder.CreateConstGEP1_64(i64, userStrides[t], dim)));
        builder.CreateStore(
            sum, builder.CreateConstGEP2_64(tableType, arguments.strides, 0, t * labels + l));
      }
    }
    return arguments;
  };
  std::vector<KernelArguments> arguments;
  // Per kernel, its tensors that a chunked path moves along one chunk at a time: the slot in
  // its data array, the caller's pointer and strides, and how far a chunk goes.
  struct ChunkedSlot {
    std::size_t slot = 0;
    llvm::Value* base = nullptr;
    llvm::Value* userStrides = nullptr;
    AotChunkedTensor tensor;
  };
  std::vector<std::vector<ChunkedSlot>> chunkedSlots;
  auto chunkedSlotsOf = [&](const std::vector<std::optional<AotChunkedTensor>>& chunked,
                            const std::vector<llvm::Value*>& pointers,
                            const std::vector<llvm::Value*>& userStrides) {
    std::vector<ChunkedSlot> slots;
    for (std::size_t t = 0; t < chunked.size(); ++t)
      if (chunked[t])
        slots.push_back({t, pointers[t], userStrides[t], *chunked[t]});
    return slots;
  };
  for (std::size_t k = 0; k < entry.steps.size(); ++k) {
    std::vector<llvm::Value*> pointers;
    std::vector<llvm::Value*> userStrides;
    for (std::size_t value : entry.steps[k].inputOfTensor) {
      pointers.push_back(valueData(value));
      userStrides.push_back(valueStrides(value));
    }
    pointers.push_back(temporaries[k]);
    userStrides.push_back(nullptr);
    arguments.push_back(kernelArguments(entry.steps[k].nest, pointers, userStrides));
    chunkedSlots.push_back(chunkedSlotsOf(entry.steps[k].chunkedTensors, pointers, userStrides));
  }
  {
    std::vector<llvm::Value*> pointers;
    std::vector<llvm::Value*> userStrides;
    for (std::size_t t = 0; t < entry.nest.inputs.size(); ++t) {
      bool readsCopy = !entry.normalizedOfTensor.empty() && entry.normalizedOfTensor[t].has_value();
      pointers.push_back(readsCopy ? copies[*entry.normalizedOfTensor[t]]
                                   : valueData(entry.inputOfTensor[t]));
      userStrides.push_back(readsCopy ? nullptr : valueStrides(entry.inputOfTensor[t]));
    }
    // The output parameter follows the inputs (valueData would read it as a temporary).
    pointers.push_back(function->getArg(static_cast<unsigned>(entry.inputCount * perTensor)));
    userStrides.push_back(
        entry.strided ? function->getArg(static_cast<unsigned>(entry.inputCount * perTensor + 1))
                      : nullptr);
    arguments.push_back(kernelArguments(entry.nest, pointers, userStrides));
    chunkedSlots.push_back(chunkedSlotsOf(entry.chunkedTensors, pointers, userStrides));
  }
  auto scalarPointer = [&](llvm::Value* value) -> llvm::Value* {
    if (complex)
      return value;
    llvm::Value* slot = builder.CreateAlloca(element);
    builder.CreateStore(value, slot);
    return slot;
  };
  unsigned alphaArgument = scratchArgument + (scratch ? 1 : 0);
  llvm::Value* alpha = scalarPointer(function->getArg(alphaArgument));
  llvm::Value* beta = scalarPointer(function->getArg(alphaArgument + 1));
  // A step writes its temporary whole: alpha 1, beta 0 (a complex scalar is two components), of
  // the type its kernel reads them as (float for a widening copy of bf16 or f16).
  std::vector<std::pair<llvm::Value*, llvm::Value*>> unitScalars;
  for (const AotStep& step : entry.steps) {
    llvm::Type* component = componentTypeOf(context, step.nest.dtype);
    bool pair = isComplex(step.nest.dtype);
    llvm::Constant* unit = component->isIntegerTy() ? llvm::ConstantInt::get(component, 1)
                                                    : llvm::ConstantFP::get(component, 1.0);
    llvm::Constant* nothing = llvm::Constant::getNullValue(component);
    auto constantScalar = [&](llvm::Constant* real) {
      llvm::Value* slot = builder.CreateAlloca(component, builder.getInt32(pair ? 2 : 1));
      builder.CreateStore(real, slot);
      if (pair)
        builder.CreateStore(nothing, builder.CreateConstGEP1_64(component, slot, 1));
      return slot;
    };
    llvm::Value* one = constantScalar(unit);
    unitScalars.emplace_back(one, constantScalar(nothing));
  }
  // The prologues' loops come after every alloca, which stay in the entry block for SROA.
  for (std::size_t n = 0; n < entry.normalized.size(); ++n) {
    auto parameter = static_cast<unsigned>(entry.normalized[n].input * perTensor);
    const AotNormalize& normalize = entry.normalized[n];
    emitNormalize(builder, entry.nest.dtype, normalize.shape, normalize.axis, normalize.epsilon,
                  function->getArg(parameter),
                  entry.strided ? function->getArg(parameter + 1) : nullptr, copies[n], machine);
  }
  auto callKernel = [&](std::size_t k, const ir::LoopNest& nest, llvm::Value* kernelAlpha,
                        llvm::Value* kernelBeta) -> llvm::Value* {
    if (entry.threaded && nest.runsInParallel())
      return builder.CreateCall(
          declareRuntimeFunction(module, runtime::abi::Function::CallWithThreads),
          {function->getArg(alphaArgument + 2), kernels[k], arguments[k].data, arguments[k].strides,
           none, kernelAlpha, kernelBeta});
    return builder.CreateCall(
        kernels[k], {arguments[k].data, arguments[k].strides, none, kernelAlpha, kernelBeta});
  };
  // Returns at once with a status other than kStatusOk.
  auto returnIfFailed = [&](llvm::Value* status) {
    auto* failed = llvm::BasicBlock::Create(context, "step.failed", function);
    auto* next = llvm::BasicBlock::Create(context, "step.done", function);
    builder.CreateCondBr(builder.CreateICmpNE(status, builder.getInt32(runtime::kStatusOk)), failed,
                         next);
    builder.SetInsertPoint(failed);
    builder.CreateRet(status);
    builder.SetInsertPoint(next);
  };
  auto callKernelAt = [&](std::size_t k) {
    return k < entry.steps.size()
               ? callKernel(k, entry.steps[k].nest, unitScalars[k].first, unitScalars[k].second)
               : callKernel(k, entry.nest, alpha, beta);
  };
  std::size_t firstChunked = entry.chunks ? entry.chunks->firstChunkedStep : entry.steps.size();
  for (std::size_t k = 0; k < firstChunked; ++k)
    returnIfFailed(callKernelAt(k));
  if (!entry.chunks) {
    builder.CreateRet(callKernelAt(entry.steps.size()));
    return;
  }
  // The chunked kernels in a loop over the chunks, each pointing its chunked tensors `chunk`
  // indices further along their dimension than the last.
  auto elementBytes = static_cast<std::int64_t>(dtypeSize(entry.nest.dtype));
  llvm::BasicBlock* before = builder.GetInsertBlock();
  auto* loop = llvm::BasicBlock::Create(context, "chunk", function);
  builder.CreateBr(loop);
  builder.SetInsertPoint(loop);
  llvm::PHINode* chunk = builder.CreatePHI(i64, 2);
  chunk->addIncoming(builder.getInt64(0), before);
  for (std::size_t k = firstChunked; k <= entry.steps.size(); ++k) {
    const ir::LoopNest& nest = k < entry.steps.size() ? entry.steps[k].nest : entry.nest;
    auto* dataType = llvm::ArrayType::get(pointer, nest.inputs.size() + 1);
    for (const ChunkedSlot& slot : chunkedSlots[k]) {
      llvm::Value* step =
          slot.userStrides
              ? builder.CreateMul(
                    builder.CreateLoad(
                        i64, builder.CreateConstGEP1_64(i64, slot.userStrides, slot.tensor.dim)),
                    builder.getInt64(entry.chunks->chunk))
              : builder.getInt64(slot.tensor.contiguousStep);
      llvm::Value* bytes =
          builder.CreateMul(builder.CreateMul(step, chunk), builder.getInt64(elementBytes));
      builder.CreateStore(builder.CreateGEP(builder.getInt8Ty(), slot.base, bytes),
                          builder.CreateConstGEP2_64(dataType, arguments[k].data, 0, slot.slot));
    }
    returnIfFailed(callKernelAt(k));
  }
  llvm::Value* next = builder.CreateAdd(chunk, builder.getInt64(1));
  chunk->addIncoming(next, builder.GetInsertBlock());
  auto* done = llvm::BasicBlock::Create(context, "chunks.done", function);
  builder.CreateCondBr(builder.CreateICmpSLT(next, builder.getInt64(entry.chunks->count)), loop,
                       done);
  builder.SetInsertPoint(done);
  builder.CreateRet(builder.getInt32(runtime::kStatusOk));
}

} // namespace

DType aotScratchDtype(const AotEntryPoint& entry) {
  return entry.steps.empty() ? entry.nest.dtype : entry.steps.front().nest.resultDtype();
}

std::int64_t aotScratchElements(const AotEntryPoint& entry) {
  auto count = [](const Shape& shape) {
    std::int64_t elements = 1;
    for (std::int64_t extent : shape)
      elements *= extent;
    return elements;
  };
  std::int64_t elements = 0;
  for (const AotNormalize& normalize : entry.normalized)
    elements = std::max(elements, normalize.scratchOffset + count(normalize.shape));
  for (const AotStep& step : entry.steps)
    elements = std::max(elements, step.scratchOffset + count(step.shape));
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
    std::vector<llvm::Function*> kernels;
    auto link = [&](const ir::LoopNest& nest, const std::string& symbol) {
      if (llvm::Linker::linkModules(*module, buildKernelModule(nest, context, machine, symbol)))
        codegenFailure("link", "cannot link the kernel " + symbol);
      llvm::Function* kernel = module->getFunction(symbol);
      kernel->setLinkage(llvm::GlobalValue::InternalLinkage);
      kernels.push_back(kernel);
    };
    for (std::size_t k = 0; k < entry.steps.size(); ++k)
      link(entry.steps[k].nest, entry.name + ".einjit_step" + std::to_string(k));
    link(entry.nest, entry.name + ".einjit_kernel");
    buildEntryPoint(entry, kernels, *module, machine);
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
