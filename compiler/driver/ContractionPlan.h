// The contraction plan the JIT (Plan::State) and ahead-of-time compilation (lowerAot) both take
// for a program: one fused loop nest, or a path of steps (pairwise contractions for three or more
// operands, relayout copies around a product for two), each step's program as it runs, and the
// explanation stages that show the choice.
#pragma once

#include "einjit/explain.h"
#include "ir/IndexProgram.h"
#include "passes/Passes.h"
#include "support/CacheSizes.h"

#include <optional>
#include <string>
#include <vector>

namespace einjit::driver {

/// What decides a plan besides the program, and what the caller can run of a path.
struct PlanOptions {
  /// Consider a path at all (EngineOptions::contractionPaths); false: always the fused nest.
  bool paths = true;
  /// The caches the kernels are blocked for, which relayoutPath weighs the operands against.
  support::CacheSizes caches;
  /// The caller runs a bf16 or f16 path in f32: it widens the operands once and rounds the last
  /// temporary into the output once (the Engine, RunPath.cpp). An entry point compiled ahead of
  /// time cannot (its steps share the output's dtype), so such a program stays fused there.
  bool widensHalfPaths = true;
  /// The caller's steps read operands after their prologues (the Engine stages them first). An
  /// entry point's steps read only its parameters and temporaries, so a program with prologues
  /// stays fused there.
  bool stagesPrologues = true;
};

/// The plan of one program.
struct ContractionPlan {
  /// passes::pathOf's path, which the explanation shows even where the fused nest runs; empty
  /// when there is none (or PlanOptions::paths is off).
  passes::ContractionPath path;
  /// When the path runs: each step's program as it runs (f32 for a bf16 or f16 path), parallel
  /// to path.steps. Empty: one fused kernel of the program runs.
  std::vector<ir::IndexProgram> steps;
  /// Multiply-adds of a run: the path's when it runs, else the program's.
  std::int64_t multiplyAdds = 0;
  /// Why a path that would pay stays fused for this caller (PlanOptions); empty otherwise.
  std::string fusedBecause;

  bool runsPath() const { return !steps.empty(); }
};

/// The plan of `program` (after its prologues, which the caller runs) under `options`.
ContractionPlan planContraction(const ir::IndexProgram& program, const PlanOptions& options);

/// The programs of the kernels `plan` runs, in order: the program itself when fused, else each
/// step's.
std::vector<const ir::IndexProgram*> kernelPrograms(const ir::IndexProgram& program,
                                                    const ContractionPlan& plan);

/// The explanation's "path" stage of `plan` (what `einjit explain --emit=path` prints), or none
/// where there is no path to show.
std::optional<ExplainedStage> pathStage(const ir::IndexProgram& program,
                                        const ContractionPlan& plan);

/// The text of a stage that shows every kernel of `plan` (loops, llvm, asm): `texts`, one per
/// kernelPrograms entry, each after a "-- step K: STATEMENT" line where the plan runs a path.
std::string kernelStageText(const ir::IndexProgram& program, const ContractionPlan& plan,
                            const std::vector<std::string>& texts);

} // namespace einjit::driver
