// Engine and Plan: front end → passes → cache → JIT, and the explanation of a plan.
#include "engine/EngineImpl.h"

#include "einjit/error.h"
#include "frontend/CallText.h"
#include "frontend/Frontends.h"
#include "ir/ProgramViews.h"
#include "support/Format.h"

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <sstream>

namespace einjit {

namespace {

codegen::TargetDesc cappedHostTarget(const EngineOptions& options) {
  codegen::TargetDesc target = codegen::hostTarget();
  if (options.maxVectorBits != 0 && options.maxVectorBits < target.vectorBits)
    target.vectorBits = options.maxVectorBits;
  return target;
}

bool statisticsRequested() {
  const char* value = std::getenv("EINJIT_STATS");
  return value && std::string(value) == "1";
}

} // namespace

// ---- Engine::Impl -------------------------------------------------------------------------------

Engine::Impl::Impl(const EngineOptions& engineOptions)
    : options(engineOptions),
      target(cappedHostTarget(engineOptions)), loopOptions{target.vectorBits,
                                                           target.vectorRegisters},
      cache(engineOptions.cacheCapacity) {}

Engine::Impl::~Impl() {
  if (!statisticsRequested())
    return;
  jit::CacheStatistics statistics = cache.statistics();
  std::cerr << "einjit: kernel cache: " << statistics.hits << " hits (" << statistics.waits
            << " waited), " << statistics.misses << " misses, " << statistics.failures
            << " failures, " << statistics.evictions << " evictions, " << statistics.entries
            << " kernels, " << statistics.compileMillis << " ms compiling\n";
}

ir::LoopNest Engine::Impl::lower(const ir::IndexProgram& program,
                                 const std::vector<passes::StrideClass>& operandClasses,
                                 const passes::StrideClass& outputClass) const {
  passes::Contraction contraction =
      passes::makeContraction(program, operandClasses, outputClass, options.constantExtents);
  return passes::lowerContraction(contraction, loopOptions);
}

std::shared_ptr<const jit::Kernel> Engine::Impl::kernelFor(const ir::LoopNest& nest) {
  std::string key = ir::keyText(nest) + "target " + target.key() + " vector " +
                    std::to_string(target.vectorBits) + "\neinjit " EINJIT_VERSION "\n";
  return cache.getOrCompile(key, [&] {
    auto start = std::chrono::steady_clock::now();
    std::string symbol = jit.newSymbol();
    std::string object = codegen::compileObject(nest, target, symbol);
    std::chrono::duration<double, std::milli> elapsed = std::chrono::steady_clock::now() - start;
    return jit.load(object, symbol, elapsed.count());
  });
}

// ---- Plan::State --------------------------------------------------------------------------------

Plan::State::State(std::shared_ptr<Engine::Impl> engineImpl, ir::IndexProgram lowered)
    : engine(std::move(engineImpl)), program(std::move(lowered)) {
  ir::verify(program);
  ir::checkProloguesSupported(program, "plan");
  outputShape = program.outputShape();
  hasPrologue.assign(program.operands.size(), false);
  for (const ir::Prologue& prologue : program.prologues)
    hasPrologue[prologue.operand] = true;
  for (std::size_t t = 0; t < program.operands.size(); ++t)
    readShapes.push_back(program.operandShape(t));
  anyPrologue = !program.prologues.empty();
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

// ---- Plan ---------------------------------------------------------------------------------------

Plan::Plan(std::shared_ptr<State> state) : state_(std::move(state)) {}

void Plan::run(const std::vector<TensorView>& inputs, const TensorView& out,
               const RunOptions& options) const {
  checkRun(*state_, inputs, out);
  runPlan(*state_, inputs, out, options);
}

Tensor Plan::run(const std::vector<TensorView>& inputs, const RunOptions& options) const {
  Tensor out(state_->program.dtype, state_->outputShape);
  run(inputs, out.view(), options);
  return out;
}

const Shape& Plan::outputShape() const {
  return state_->outputShape;
}

DType Plan::dtype() const {
  return state_->program.dtype;
}

std::string Plan::explain(ExplainStage stage) const {
  const State& state = *state_;
  const ir::IndexProgram& program = state.program;
  std::ostringstream os;
  os << "index:\n" << program << "output shape: " << shapeToPython(state.outputShape) << "\n";
  os << "groups: " << passes::toString(passes::classifyLabels(program), program) << "\n";
  if (stage == ExplainStage::Index)
    return os.str();
  std::shared_ptr<const PreparedKernel> prepared = state.prepared(state.contiguousClasses());
  os << "loops (contiguous operands):\n" << prepared->nest;
  if (stage == ExplainStage::Loops)
    return os.str();
  const codegen::TargetDesc& target = state.engine->target;
  os << "llvm (" << target.cpu << "):\n"
     << codegen::emitLLVMIR(prepared->nest, target, "einjit_kernel", true);
  if (stage == ExplainStage::LLVM)
    return os.str();
  os << "asm (" << target.cpu << "):\n"
     << codegen::emitAssembly(prepared->nest, target, "einjit_kernel");
  return os.str();
}

// ---- Engine -------------------------------------------------------------------------------------

Plan EngineAccess::planProgram(Engine& engine, ir::IndexProgram program, bool compileNow) {
  auto state = std::make_shared<Plan::State>(engine.impl_, std::move(program));
  if (compileNow)
    state->prepared(state->contiguousClasses());
  return Plan(std::move(state));
}

Engine::Engine(EngineOptions options) : impl_(std::make_shared<Impl>(options)) {}

Engine::~Engine() = default;

Plan Engine::plan(std::string_view expression, const std::vector<Shape>& shapes, DType dtype) {
  frontend::ShapeBinding binding;
  binding.positional = shapes;
  frontend::LowerOptions options;
  options.dtype = dtype;
  frontend::LoweredCall lowered =
      frontend::lowerCallText(std::string(expression), binding, options);
  auto state = std::make_shared<Plan::State>(impl_, std::move(lowered.program));
  if (!lowered.operandSources.empty())
    state->bindInputs(frontend::distinctOperandNames(lowered.call), lowered.operandSources);
  state->prepared(state->contiguousClasses());
  return Plan(std::move(state));
}

Plan Engine::planIndexProgram(std::string_view text) {
  return EngineAccess::planProgram(*this, ir::parseIndexProgram(text), true);
}

namespace {

ir::IndexProgram einsumProgram(std::string_view subscripts, const std::vector<TensorView>& inputs) {
  if (inputs.empty())
    throw Error(ErrorKind::Arity, "einsum: at least one operand is needed.");
  std::vector<std::string> names = frontend::defaultOperandNames(inputs.size());
  std::vector<frontend::Arg> args;
  for (std::size_t t = 0; t < inputs.size(); ++t) {
    if (inputs[t].dtype() != inputs[0].dtype())
      throw Error(ErrorKind::Misuse, "einsum: operand " + names[t] + " has dtype " +
                                         std::string(dtypeName(inputs[t].dtype())) + " but " +
                                         names[0] + " has " +
                                         std::string(dtypeName(inputs[0].dtype())) +
                                         "; einjit does not promote dtypes.");
    args.push_back(frontend::Arg{names[t], inputs[t].shape()});
  }
  return frontend::einsum(subscripts, args, inputs[0].dtype());
}

} // namespace

void Engine::einsum(std::string_view subscripts, const std::vector<TensorView>& inputs,
                    const TensorView& out, const RunOptions& options) {
  Plan plan = EngineAccess::planProgram(*this, einsumProgram(subscripts, inputs), false);
  plan.run(inputs, out, options);
}

Tensor Engine::einsum(std::string_view subscripts, const std::vector<TensorView>& inputs,
                      const RunOptions& options) {
  Plan plan = EngineAccess::planProgram(*this, einsumProgram(subscripts, inputs), false);
  return plan.run(inputs, options);
}

EngineStatistics Engine::statistics() const {
  jit::CacheStatistics cache = impl_->cache.statistics();
  EngineStatistics statistics;
  statistics.hits = cache.hits;
  statistics.misses = cache.misses;
  statistics.waits = cache.waits;
  statistics.failures = cache.failures;
  statistics.evictions = cache.evictions;
  statistics.entries = cache.entries;
  statistics.compileMillis = cache.compileMillis;
  return statistics;
}

std::string Engine::targetDescription() const {
  return impl_->target.triple + " " + impl_->target.cpu + ", " +
         std::to_string(impl_->target.vectorBits) + "-bit vectors";
}

} // namespace einjit
