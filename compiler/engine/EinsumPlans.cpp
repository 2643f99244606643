// Engine::einsum and Engine::call: the plans of one-shot calls, kept by call signature in the
// engine's plan cache (a support::LruMap), so a repeated call is a lookup and a run.
#include "engine/EngineImpl.h"

#include "driver/CallReading.h"
#include "einjit/error.h"
#include "frontend/Frontends.h"

namespace einjit {

std::shared_ptr<Plan::State> Engine::Impl::einsumPlan(const std::string& key) const {
  std::lock_guard<std::mutex> lock(einsumMutex_);
  std::shared_ptr<Plan::State>* found = einsumPlans_.find(key);
  return found ? *found : nullptr;
}

void Engine::Impl::rememberEinsumPlan(const std::string& key, std::shared_ptr<Plan::State> state) {
  // Dropped plans are released outside the lock: the last one of an engine releases the Impl.
  std::vector<std::shared_ptr<Plan::State>> dropped;
  std::lock_guard<std::mutex> lock(einsumMutex_);
  // Another thread may have planned the same call first: then its plan stays.
  einsumPlans_.insert(key, std::move(state), [&](std::shared_ptr<Plan::State> evicted) {
    dropped.push_back(std::move(evicted));
  });
}

void Engine::Impl::forgetEinsumPlans() {
  std::lock_guard<std::mutex> lock(einsumMutex_);
  einsumPlans_.clear();
}

namespace {

/// Throws unless the inputs can be one call's operands: at least one, one dtype.
void checkEinsumInputs(InputViews inputs, const std::string& who = "einsum") {
  if (inputs.empty())
    throw Error(ErrorKind::Arity, who + ": at least one operand is needed.");
  for (std::size_t t = 1; t < inputs.size(); ++t)
    if (inputs[t].dtype() != inputs[0].dtype()) {
      std::vector<std::string> names = frontend::defaultOperandNames(inputs.size());
      throw Error(ErrorKind::Misuse, who + ": operand " + names[t] + " has dtype " +
                                         std::string(dtypeName(inputs[t].dtype())) + " but " +
                                         names[0] + " has " +
                                         std::string(dtypeName(inputs[0].dtype())) +
                                         "; einjit does not promote dtypes.");
    }
}

ir::IndexProgram einsumProgram(std::string_view subscripts, InputViews inputs) {
  std::vector<std::string> names = frontend::defaultOperandNames(inputs.size());
  std::vector<frontend::Arg> args;
  for (std::size_t t = 0; t < inputs.size(); ++t)
    args.push_back(frontend::Arg{names[t], inputs[t].shape()});
  return frontend::einsum(subscripts, args, inputs[0].dtype());
}

/// What decides an einsum plan: the subscripts, the dtype and every operand's shape. Strides
/// are not part of it: a plan compiles a kernel per stride class itself.
std::string einsumKey(std::string_view subscripts, InputViews inputs) {
  std::string key(subscripts);
  key += '\0';
  key += static_cast<char>(inputs[0].dtype());
  for (const TensorView& input : inputs) {
    auto rank = static_cast<std::int64_t>(input.rank());
    key.append(reinterpret_cast<const char*>(&rank), sizeof rank);
    key.append(reinterpret_cast<const char*>(input.shape().data()),
               input.rank() * sizeof(std::int64_t));
  }
  return key;
}

} // namespace

Plan EngineAccess::einsumPlan(Engine& engine, std::string_view subscripts, InputViews inputs) {
  checkEinsumInputs(inputs);
  std::string key = einsumKey(subscripts, inputs);
  if (std::shared_ptr<Plan::State> state = engine.impl_->einsumPlan(key))
    return Plan(std::move(state));
  Plan plan = planProgram(engine, einsumProgram(subscripts, inputs), false);
  engine.impl_->rememberEinsumPlan(key, plan.state_);
  return plan;
}

Plan EngineAccess::callPlan(Engine& engine, std::string_view expression, InputViews inputs,
                            const CallOptions& options) {
  checkEinsumInputs(inputs, std::string(expression));
  // The prefix keeps call plans apart from einsum plans of the same text ("ij,jk"): a
  // subscripts string never holds a colon.
  std::string key = (options.legacyBatchDot ? "legacy:" : "call:") + einsumKey(expression, inputs);
  if (options.outputDtype && *options.outputDtype != inputs[0].dtype())
    key += "\nout " + std::string(dtypeName(*options.outputDtype));
  if (std::shared_ptr<Plan::State> state = engine.impl_->einsumPlan(key))
    return Plan(std::move(state));
  std::vector<Shape> shapes;
  for (const TensorView& input : inputs)
    shapes.push_back(input.shape());
  std::shared_ptr<Plan::State> state =
      callState(engine.impl_, driver::readCall(expression, frontend::ShapeBinding{shapes, {}},
                                               inputs[0].dtype(), options));
  engine.impl_->rememberEinsumPlan(key, state);
  return Plan(std::move(state));
}

void Engine::call(std::string_view expression, InputViews inputs, const MutableTensorView& out,
                  const RunOptions& options, const CallOptions& callOptions) {
  EngineAccess::callPlan(*this, expression, inputs, callOptions).run(inputs, out, options);
}

Tensor Engine::call(std::string_view expression, InputViews inputs, const RunOptions& options,
                    const CallOptions& callOptions) {
  return EngineAccess::callPlan(*this, expression, inputs, callOptions).run(inputs, options);
}

void Engine::einsum(std::string_view subscripts, InputViews inputs, const MutableTensorView& out,
                    const RunOptions& options) {
  EngineAccess::einsumPlan(*this, subscripts, inputs).run(inputs, out, options);
}

Tensor Engine::einsum(std::string_view subscripts, InputViews inputs, const RunOptions& options) {
  return EngineAccess::einsumPlan(*this, subscripts, inputs).run(inputs, options);
}

} // namespace einjit
