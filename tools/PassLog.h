// The scheduling passes seen from the command line: the LoopOptions a compiling subcommand's
// flags stand for, and `explain --emit=passes`, the IR after every pass of a program's pipeline.
#pragma once

#include "CommandLine.h"
#include "einjit/explain.h"
#include "ir/IndexProgram.h"
#include "passes/Passes.h"

namespace einjit::cli {

/// What the Engine's passes would get for these flags (--target, --cache-sizes, --strategy and
/// their environment defaults): the target's vectors and caches, and the forced strategy.
passes::LoopOptions loopOptionsFrom(const ParsedArguments& parsed);

/// The `passes` stage of `explain --emit=passes`: the pipeline's log (the IR after every pass,
/// "(unchanged)" where a pass did nothing) for contiguous operands, one per kernel: the fused
/// nest's, or each path step's when the plan runs a path.
ExplainedStage passesStage(const ir::IndexProgram& program, const ParsedArguments& parsed);

} // namespace einjit::cli
