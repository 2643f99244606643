// Prologue operands staged for a run: the plan's prologue functions (generated code, compiled
// once per plan through the engine's caches) write each operand with prologues into a buffer the
// plan keeps, and the kernel reads that buffer instead of the caller's view.
#include "engine/EngineImpl.h"

#include "einjit/error.h"

namespace einjit {

StagingPool::Lease::Lease(const StagingPool& pool, const ir::IndexProgram& program,
                          const std::vector<bool>& hasPrologue)
    : pool_(pool) {
  if (program.prologues.empty())
    return;
  {
    std::lock_guard<std::mutex> lock(pool_.mutex_);
    if (!pool_.free_.empty()) {
      staged_ = std::move(pool_.free_.back());
      pool_.free_.pop_back();
      return;
    }
  }
  // Every set is in use (or this is the plan's first run): one more, kept after the run.
  staged_ = std::make_unique<StagedOperands>();
  std::size_t operands = program.operands.size();
  staged_->buffers.resize(operands);
  staged_->views.resize(operands);
  for (std::size_t t = 0; t < operands; ++t) {
    if (!hasPrologue[t])
      continue;
    staged_->buffers[t] = Tensor::empty(program.dtype, program.operandShape(t));
    staged_->views[t] = staged_->buffers[t].view();
  }
}

StagingPool::Lease::~Lease() {
  if (!staged_)
    return;
  std::lock_guard<std::mutex> lock(pool_.mutex_);
  // The vector grows only when more runs than ever before overlap; a failed growth drops the set.
  try {
    pool_.free_.push_back(std::move(staged_));
  } catch (const std::bad_alloc&) {
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

void stageOperands(const Plan::State& state, const std::vector<TensorView>& inputs,
                   StagedOperands& staged, const TensorView** read) {
  const std::vector<std::shared_ptr<const jit::Kernel>>& prologues = state.prologueKernels();
  for (std::size_t t = 0; t < state.program.operands.size(); ++t) {
    if (!prologues[t])
      continue;
    const TensorView& input = inputs[state.operandInputs[t]];
    void* data[2] = {input.data(), staged.buffers[t].data()};
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
