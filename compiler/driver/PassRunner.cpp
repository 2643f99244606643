#include "driver/PassRunner.h"

#include "driver/Driver.h"
#include "einjit/error.h"
#include "ir/LoopNest.h"
#include "support/Format.h"

#include <sstream>

namespace einjit::driver {

std::string passLog(const std::vector<ir::IndexProgram>& kernels, bool constantExtents,
                    const passes::LoopOptions& options) {
  std::ostringstream log;
  for (std::size_t k = 0; k < kernels.size(); ++k) {
    const ir::IndexProgram& kernel = kernels[k];
    if (kernels.size() > 1)
      log << "-- step " << k << ": " << ir::statementText(kernel) << "\n";
    std::vector<passes::StrideClass> classes;
    for (std::size_t t = 0; t < kernel.operands.size(); ++t)
      classes.push_back(passes::contiguousStrideClass(kernel.operandShape(t), constantExtents));
    passes::Contraction contraction = passes::makeContraction(
        kernel, classes, passes::contiguousStrideClass(kernel.outputShape(), constantExtents),
        constantExtents);
    passes::lowerContraction(contraction, options, &log);
  }
  return log.str();
}

std::vector<std::string> loopPassNames() {
  std::vector<std::string> names;
  for (const passes::LoopPass& pass : passes::loopPasses())
    names.emplace_back(pass.name);
  return names;
}

namespace {

// What the Engine's lowering gets for `target` (Engine::Impl::loopOptions), from its public
// description.
passes::LoopOptions loopOptionsOf(const TargetInfo& target, Strategy strategy) {
  passes::LoopOptions options{
      target.vectorBits, target.vectorRegisters,
      support::CacheSizes{target.caches.l1d, target.caches.l2, target.caches.l3}};
  options.bf16DotProduct = target.bf16DotProduct;
  options.strategy = driver::forcedStrategy(strategy);
  return options;
}

} // namespace

std::string runLoopPass(const std::string& nestText, const std::string& pass,
                        const TargetInfo& target, Strategy strategy) {
  const passes::LoopPass* loopPass = passes::findLoopPass(pass);
  if (!loopPass)
    throw Error(ErrorKind::Argument, "the pass must be one of " +
                                         support::join(loopPassNames(), ", ") + ", got '" + pass +
                                         "'");
  ir::LoopNest after = loopPass->run(ir::parseLoopNest(nestText), loopOptionsOf(target, strategy));
  ir::verify(after);
  return ir::toIRText(after);
}

} // namespace einjit::driver
