// The pass pipeline as one straight line, logging the contraction after every pass.
#include "passes/Passes.h"

namespace einjit::passes {

namespace {

Contraction logged(const char* pass, Contraction before, Contraction (*run)(Contraction),
                   std::ostream* log) {
  Contraction after = run(before);
  if (log) {
    *log << "-- " << pass;
    if (after == before)
      *log << " (unchanged)\n";
    else
      *log << "\n" << after;
  }
  return after;
}

} // namespace

ir::LoopNest lowerContraction(const Contraction& contraction, const LoopOptions& options,
                              std::ostream* log) {
  if (log)
    *log << "-- input\n" << contraction;
  Contraction current = logged("canonicalize", contraction, canonicalize, log);
  current = logged("dropUnitDims", std::move(current), dropUnitDims, log);
  current = logged("foldLabels", std::move(current), foldLabels, log);
  current = logged("canonicalize", std::move(current), canonicalize, log);
  ir::LoopNest nest = applyPackedStrategy(lowerToLoops(current, options), options);
  if (log)
    *log << "-- lowerToLoops\n" << nest;
  return nest;
}

} // namespace einjit::passes
