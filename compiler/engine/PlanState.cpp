// Plan and the state its copies share: the lowered program, its input bindings, the pairwise
// path, the kernels per stride class, and the explanation of its stages.
#include "engine/EngineImpl.h"

#include "driver/PassRunner.h"
#include "einjit/error.h"
#include "ir/Explain.h"
#include "ir/ProgramViews.h"

#include <sstream>

namespace einjit {

// ---- Plan::State --------------------------------------------------------------------------------

Plan::State::State(std::shared_ptr<Engine::Impl> engineImpl, ir::IndexProgram lowered)
    : engine(std::move(engineImpl)), program(std::move(lowered)) {
  ir::verify(program);
  ir::checkProloguesSupported(program, "plan");
  outputShape = program.outputShape();
  elementCount(outputShape, "plan: the output " + program.outputName);
  hasPrologue.assign(program.operands.size(), false);
  for (const ir::Prologue& prologue : program.prologues)
    hasPrologue[prologue.operand] = true;
  for (std::size_t t = 0; t < program.operands.size(); ++t)
    readShapes.push_back(program.operandShape(t));
  // The Engine runs every path the driver plans (bf16 and f16 ones in f32, with their widening
  // and rounding copies), over operands staged after their prologues.
  driver::PlanOptions planOptions;
  planOptions.paths = engine->options.contractionPaths;
  planOptions.caches = engine->loopOptions.caches;
  contraction = driver::planContraction(program, planOptions);
  for (const ir::IndexProgram& widen : contraction.widen)
    widenStates.push_back(std::make_shared<State>(engine, widen));
  for (const ir::IndexProgram& step : contraction.steps)
    stepStates.push_back(std::make_shared<State>(engine, step));
  if (contraction.round)
    roundState = std::make_shared<State>(engine, *contraction.round);
  multiplyAdds = contraction.multiplyAdds;
  std::vector<std::string> names;
  std::vector<std::size_t> identity;
  for (std::size_t t = 0; t < program.operands.size(); ++t) {
    names.push_back(program.operands[t].name);
    identity.push_back(t);
  }
  bindInputs(std::move(names), std::move(identity));
}

void Plan::State::bindInputs(std::vector<std::string> names,
                             std::vector<std::size_t> operandInputsOf) {
  if (operandInputsOf.size() != program.operands.size())
    throw Error(ErrorKind::Internal, "plan: " + std::to_string(operandInputsOf.size()) +
                                         " input bindings for " +
                                         std::to_string(program.operands.size()) + " operands");
  firstOperandOf.assign(names.size(), program.operands.size());
  for (std::size_t t = operandInputsOf.size(); t-- > 0;) {
    if (operandInputsOf[t] >= names.size())
      throw Error(ErrorKind::Internal, "plan: operand " + program.operands[t].name +
                                           " reads input " + std::to_string(operandInputsOf[t]) +
                                           " of " + std::to_string(names.size()));
    firstOperandOf[operandInputsOf[t]] = t;
  }
  for (std::size_t i = 0; i < names.size(); ++i)
    if (firstOperandOf[i] == program.operands.size())
      throw Error(ErrorKind::Internal, "plan: input " + names[i] + " is read by no operand");
  inputNames = std::move(names);
  operandInputs = std::move(operandInputsOf);
}

std::shared_ptr<const PreparedKernel>
Plan::State::prepared(std::vector<passes::StrideClass> classes) const {
  {
    std::lock_guard<std::mutex> lock(mutex);
    for (const std::shared_ptr<const PreparedKernel>& kernel : kernels)
      if (kernel->classes == classes)
        return kernel;
  }
  // Compiling outside the lock: the engine's cache makes concurrent first runs compile once.
  auto kernel = std::make_shared<PreparedKernel>();
  passes::StrideClass outputClass = classes.back();
  kernel->classes = classes;
  classes.pop_back();
  kernel->nest = engine->lower(program, classes, outputClass);
  if (engine->measures(kernel->nest))
    kernel->nest = engine->measuredChoice(program, classes, outputClass, std::move(kernel->nest));
  for (const ir::LoopLabel& label : kernel->nest.labels)
    kernel->extents.push_back(label.extent);
  kernel->kernel = engine->kernelFor(kernel->nest);
  std::lock_guard<std::mutex> lock(mutex);
  kernels.push_back(kernel);
  return kernel;
}

std::vector<passes::StrideClass> Plan::State::contiguousClasses() const {
  bool constantExtents = engine->options.constantExtents;
  std::vector<passes::StrideClass> classes;
  for (const Shape& shape : readShapes)
    classes.push_back(passes::contiguousStrideClass(shape, constantExtents));
  classes.push_back(passes::contiguousStrideClass(outputShape, constantExtents));
  return classes;
}

void Plan::State::compileContiguous() const {
  prologueKernels();
  if (stepStates.empty()) {
    prepared(contiguousClasses());
    return;
  }
  for (const std::shared_ptr<State>& widen : widenStates)
    widen->compileContiguous();
  for (const std::shared_ptr<State>& step : stepStates)
    step->compileContiguous();
  if (roundState)
    roundState->compileContiguous();
}

// ---- Plan ---------------------------------------------------------------------------------------

Plan::Plan(std::shared_ptr<State> state) : state_(std::move(state)) {}

void Plan::run(InputViews inputs, const MutableTensorView& out, const RunOptions& options) const {
  checkRun(*state_, inputs, out);
  runPlan(*state_, inputs, out, options);
}

Tensor Plan::run(InputViews inputs, const RunOptions& options) const {
  // The output is the one allocation of the call's size: refused by name, before the attempt.
  std::uint64_t bytes = 0;
  if (__builtin_mul_overflow(static_cast<std::uint64_t>(elementCount(state_->outputShape)),
                             dtypeSize(state_->program.resultDtype()), &bytes))
    bytes = ~std::uint64_t{0};
  limits::checkAllocation(bytes, "plan.run: the output " + state_->program.outputName +
                                     " of shape " + shapeToPython(state_->outputShape));
  // With beta zero the kernel writes every element without reading it (a zero-extent sum
  // included, though then the zeros are kept for clarity): no pass over the memory first.
  Tensor out = options.beta == std::complex<double>(0, 0) && state_->multiplyAdds > 0
                   ? Tensor::empty(state_->program.resultDtype(), state_->outputShape)
                   : Tensor(state_->program.resultDtype(), state_->outputShape);
  run(inputs, out.view(), options);
  return out;
}

const Shape& Plan::outputShape() const {
  return state_->outputShape;
}

DType Plan::dtype() const {
  return state_->program.dtype;
}

DType Plan::outputDtype() const {
  return state_->program.resultDtype();
}

std::int64_t Plan::multiplyAdds() const {
  return state_->multiplyAdds;
}

std::vector<ExplainedStage> stages(const Plan::State& state, ExplainStage stage) {
  const ir::IndexProgram& program = state.program;
  std::vector<ExplainedStage> stages{{"program", "index program", ir::toString(program)}};
  if (stage >= ExplainStage::Path)
    if (std::optional<ExplainedStage> path = driver::pathStage(program, state.contraction))
      stages.push_back(std::move(*path));
  if (stage == ExplainStage::Passes) {
    // The pipeline's log for every kernel contiguous operands run, as it runs: the fused
    // program, or a path's steps (a bf16 or f16 path's widening copies, f32 steps and rounding
    // copy included).
    std::vector<ir::IndexProgram> kernels;
    for (const ir::IndexProgram* kernel : driver::kernelPrograms(program, state.contraction))
      kernels.push_back(*kernel);
    stages.push_back({"passes", "passes (contiguous operands)",
                      driver::passLog(kernels, state.engine->options.constantExtents,
                                      state.engine->loopOptions)});
    return stages;
  }
  if (stage < ExplainStage::Loops)
    return stages;
  // A path plan shows every kernel it runs, in order (driver::kernelPrograms).
  std::vector<const Plan::State*> kernelStates;
  if (state.stepStates.empty())
    kernelStates.push_back(&state);
  for (const std::shared_ptr<Plan::State>& widen : state.widenStates)
    kernelStates.push_back(widen.get());
  for (const std::shared_ptr<Plan::State>& step : state.stepStates)
    kernelStates.push_back(step.get());
  if (state.roundState)
    kernelStates.push_back(state.roundState.get());
  std::vector<std::shared_ptr<const PreparedKernel>> prepared;
  for (const Plan::State* kernelState : kernelStates)
    prepared.push_back(kernelState->prepared(kernelState->contiguousClasses()));
  auto perKernel = [&](auto&& text) {
    std::vector<std::string> texts;
    for (std::size_t k = 0; k < prepared.size(); ++k)
      texts.push_back(text(k));
    return driver::kernelStageText(program, state.contraction, texts);
  };
  stages.push_back({"loops", "loops (contiguous operands)", perKernel([&](std::size_t k) {
                      std::ostringstream os;
                      os << prepared[k]->nest;
                      return os.str();
                    })});
  if (stage < ExplainStage::LLVM)
    return stages;
  const codegen::TargetDesc& target = state.engine->target;
  stages.push_back({"llvm", "llvm (" + target.cpu + ")", perKernel([&](std::size_t k) {
                      return codegen::emitLLVMIR(prepared[k]->nest, target, "einjit_kernel", true);
                    })});
  if (stage < ExplainStage::Assembly)
    return stages;
  stages.push_back({"asm", "asm (" + target.cpu + ")", perKernel([&](std::size_t k) {
                      return codegen::emitAssembly(prepared[k]->nest, target, "einjit_kernel");
                    })});
  return stages;
}

std::string Plan::explain(ExplainStage stage) const {
  const State& state = *state_;
  const ir::IndexProgram& program = state.program;
  std::ostringstream os;
  os << "index:\n" << program << "output shape: " << shapeToPython(state.outputShape) << "\n";
  os << "groups: " << passes::toString(passes::classifyLabels(program), program) << "\n";
  std::vector<ExplainedStage> built = stages(state, stage);
  for (std::size_t i = 1; i < built.size(); ++i) // [0] is the program, printed above
    os << built[i].heading << ":\n" << built[i].text;
  return os.str();
}

} // namespace einjit
