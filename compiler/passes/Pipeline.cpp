// The pass pipeline as one straight line: the Contraction passes, the lowering to a plain loop
// nest, then the scheduling passes, logging the IR after every pass.
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

/// Runs the scheduling passes in order up to (not including) `stop`, verifying each output.
ir::LoopNest schedule(ir::LoopNest nest, const LoopOptions& options, std::ostream* log,
                      const char* stop) {
  ir::verify(nest);
  if (log)
    *log << "-- lowerToLoops\n" << ir::toIRText(nest);
  for (const LoopPass& pass : loopPasses()) {
    if (stop && std::string_view(pass.name) == stop)
      break;
    ir::LoopNest after = pass.run(nest, options);
    ir::verify(after);
    if (log) {
      *log << "-- " << pass.name;
      if (after == nest)
        *log << " (unchanged)\n";
      else
        *log << "\n" << ir::toIRText(after);
    }
    nest = std::move(after);
  }
  return nest;
}

} // namespace

const std::vector<LoopPass>& loopPasses() {
  static const std::vector<LoopPass> passes = {
      {"strategy", decideStrategy},
      {"vectorize", vectorize},
      {"tile", tile},
      {"unroll", unroll},
      {"stream", stream},
      {"transpose", transposeTiles},
      {"parallelize", parallelize},
      {"packed", packedUnlessDotTile},
  };
  return passes;
}

const LoopPass* findLoopPass(std::string_view name) {
  for (const LoopPass& pass : loopPasses())
    if (name == pass.name)
      return &pass;
  return nullptr;
}

ir::LoopNest lowerContraction(const Contraction& contraction, const LoopOptions& options,
                              std::ostream* log) {
  if (log)
    *log << "-- input\n" << contraction;
  Contraction current = logged("canonicalize", contraction, canonicalize, log);
  current = logged("dropUnitDims", std::move(current), dropUnitDims, log);
  current = logged("foldLabels", std::move(current), foldLabels, log);
  current = logged("canonicalize", std::move(current), canonicalize, log);
  return schedule(lowerToNest(current), options, log, nullptr);
}

ir::LoopNest lowerToLoops(const Contraction& contraction, const LoopOptions& options) {
  return schedule(lowerToNest(contraction), options, nullptr, "packed");
}

} // namespace einjit::passes
