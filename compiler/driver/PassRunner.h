// The scheduling passes shown rather than compiled: the pipeline's log for a plan's kernels
// (ExplainStage::Passes, `einjit explain --emit=passes`) and one pass run on a loop nest's text
// (`einjit opt`), under the options the Engine's own lowering gets.
#pragma once

#include "einjit/engine.h"
#include "ir/IndexProgram.h"
#include "passes/Passes.h"

#include <string>
#include <vector>

namespace einjit::driver {

/// The pass pipeline's log (passes::lowerContraction's: the IR after every pass, "(unchanged)"
/// where a pass did nothing) for each of `kernels` on contiguous operands. With more than one
/// kernel (a path's steps) each log is headed "-- step K: STATEMENT".
std::string passLog(const std::vector<ir::IndexProgram>& kernels, bool constantExtents,
                    const passes::LoopOptions& options);

/// The scheduling passes `runLoopPass` takes, in pipeline order ("strategy", …, "packed").
std::vector<std::string> loopPassNames();

/// The loop nest `nestText` (ir::parseLoopNest's text: what --emit=passes prints, or
/// --emit=loops' summary) after the scheduling pass `pass`, verified, as its full IR text. The
/// pass gets what an Engine compiling for `target` under `strategy` gives it: the target's
/// vectors and caches, and the strategy unless Auto. Throws Error(Argument) for an unknown pass,
/// the parser's Error(Syntax) and the verifier's errors.
std::string runLoopPass(const std::string& nestText, const std::string& pass,
                        const TargetInfo& target, Strategy strategy);

} // namespace einjit::driver
