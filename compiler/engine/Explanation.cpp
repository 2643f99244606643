// Engine::explain and Plan::explanation: the facts of the call as the driver read it
// (driver/CallReading.h, driver/CallFacts.h) with the compiler's stages.
#include "engine/EngineImpl.h"

#include "driver/CallFacts.h"
#include "driver/CallReading.h"
#include "ir/IndexProgram.h"

namespace einjit {

const ExplainedStage* Explanation::stage(const std::string& key) const {
  for (const ExplainedStage& candidate : stages)
    if (candidate.key == key)
      return &candidate;
  return nullptr;
}

Explanation Plan::explanation(ExplainStage stage) const {
  Explanation explanation = state_->facts ? *state_->facts : driver::programFacts(state_->program);
  explanation.stages = stages(*state_, stage);
  return explanation;
}

Explanation Engine::explain(std::string_view expression, const std::vector<Shape>& shapes,
                            DType dtype, const CallOptions& options,
                            std::optional<ExplainStage> stage) {
  if (stage && *stage > ExplainStage::Index)
    return plan(expression, shapes, dtype, options).explanation(*stage);
  driver::CallReading reading =
      driver::readCall(expression, frontend::ShapeBinding{shapes, {}}, dtype, options);
  if (stage)
    reading.facts.stages.push_back(
        ExplainedStage{"program", "index program", ir::toString(reading.lowered.program)});
  return std::move(reading.facts);
}

} // namespace einjit
