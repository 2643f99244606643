// Prologue operands staged for a run: the plan's prologue functions (generated code, compiled
// once per plan through the engine's caches) write each operand with prologues into a buffer the
// plan keeps, and the kernel reads that buffer instead of the caller's view.
#include "engine/EngineImpl.h"

#include "einjit/error.h"

namespace einjit {

void StagedOperands::allocate(const ir::IndexProgram& program,
                              const std::vector<bool>& hasPrologue) {
  std::size_t operands = program.operands.size();
  buffers.resize(operands);
  views.resize(operands);
  for (std::size_t t = 0; t < operands; ++t) {
    if (!hasPrologue[t])
      continue;
    buffers[t] = Tensor::empty(program.dtype, program.operandShape(t));
    views[t] = buffers[t].view();
  }
}

const std::vector<std::shared_ptr<const jit::Kernel>>& Plan::State::prologueKernels() const {
  // A compilation that throws leaves the flag unset: the next run tries again.
  std::call_once(prologuesCompiled_, [&] {
    std::vector<std::shared_ptr<const jit::Kernel>> compiled(program.operands.size());
    for (std::size_t t = 0; t < program.operands.size(); ++t)
      if (hasPrologue[t])
        compiled[t] = engine->prologueFor(codegen::operandPrologue(program, t));
    prologueKernels_ = std::move(compiled);
  });
  return prologueKernels_;
}

void stageOperands(const Plan::State& state, InputViews inputs, StagedOperands& staged,
                   const TensorView** read) {
  const std::vector<std::shared_ptr<const jit::Kernel>>& prologues = state.prologueKernels();
  for (std::size_t t = 0; t < state.program.operands.size(); ++t) {
    if (!prologues[t])
      continue;
    const TensorView& input = inputs[state.operandInputs[t]];
    void* data[2] = {kernelInput(input), staged.buffers[t].data()};
    std::int32_t status =
        prologues[t]->entry()(data, input.strides().data(), nullptr, nullptr, nullptr);
    if (status != runtime::kStatusOk)
      throw Error(ErrorKind::Internal, "plan.run: the prologue of operand " +
                                           state.program.operands[t].name +
                                           " returned the status " + std::to_string(status));
    read[t] = &staged.views[t];
  }
}

} // namespace einjit
