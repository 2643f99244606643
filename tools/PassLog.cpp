#include "PassLog.h"

#include <sstream>

namespace einjit::cli {

passes::LoopOptions loopOptionsFrom(const ParsedArguments& parsed) {
  EngineOptions options = engineOptionsFrom(parsed);
  options.persistentCache = false;
  TargetInfo target = Engine(options).target();
  passes::LoopOptions loops{
      target.vectorBits, target.vectorRegisters,
      support::CacheSizes{target.caches.l1d, target.caches.l2, target.caches.l3}};
  loops.bf16DotProduct = target.bf16DotProduct;
  const std::pair<Strategy, ir::Strategy> forced[] = {
      {Strategy::Direct, ir::Strategy::Direct},
      {Strategy::Small, ir::Strategy::Small},
      {Strategy::Streaming, ir::Strategy::Streaming},
      {Strategy::Packed, ir::Strategy::Packed}};
  for (const auto& [option, strategy] : forced)
    if (options.strategy == option)
      loops.strategy = strategy;
  return loops;
}

ExplainedStage passesStage(const ir::IndexProgram& program, const ParsedArguments& parsed) {
  EngineOptions engineOptions = engineOptionsFrom(parsed);
  passes::LoopOptions options = loopOptionsFrom(parsed);
  // The kernels a plan compiles (Plan::State): a path's steps when the path runs.
  std::vector<ir::IndexProgram> kernels = {program};
  if (engineOptions.contractionPaths) {
    passes::ContractionPath path = passes::pathOf(program, options.caches);
    if (path.runs()) {
      kernels.clear();
      for (const passes::PathStep& step : path.steps)
        kernels.push_back(step.program);
    }
  }
  std::ostringstream log;
  for (std::size_t k = 0; k < kernels.size(); ++k) {
    const ir::IndexProgram& kernel = kernels[k];
    if (kernels.size() > 1)
      log << "-- step " << k << ": " << ir::statementText(kernel) << "\n";
    bool constantExtents = engineOptions.constantExtents;
    std::vector<passes::StrideClass> classes;
    for (std::size_t t = 0; t < kernel.operands.size(); ++t)
      classes.push_back(passes::contiguousStrideClass(kernel.operandShape(t), constantExtents));
    passes::Contraction contraction = passes::makeContraction(
        kernel, classes, passes::contiguousStrideClass(kernel.outputShape(), constantExtents),
        constantExtents);
    passes::lowerContraction(contraction, options, &log);
  }
  return ExplainedStage{"passes", "passes (contiguous operands)", log.str()};
}

} // namespace einjit::cli
