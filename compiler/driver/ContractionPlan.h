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
  /// A bf16 or f16 path runs in f32, so that its temporaries are not rounded and the result
  /// rounds once: widen[t] copies operand t (as the statement reads it) exactly into an f32
  /// temporary, which the steps read instead, before they run. Empty otherwise.
  std::vector<ir::IndexProgram> widen;
  /// Then, unless the output is f32 (IndexProgram::outputDtype), the last step writes an f32
  /// temporary too, and this copy rounds it once into the output, with the call's alpha and
  /// beta (out = alpha * t + beta * out in f32, as a 16-bit kernel stores).
  std::optional<ir::IndexProgram> round;
  /// Multiply-adds of a run: the path's when it runs, else the program's.
  std::int64_t multiplyAdds = 0;
  /// Why a path that would pay stays fused for this caller (PlanOptions); empty otherwise.
  std::string fusedBecause;

  bool runsPath() const { return !steps.empty(); }
};

/// The plan of `program` (after its prologues, which the caller runs) under `options`.
ContractionPlan planContraction(const ir::IndexProgram& program, const PlanOptions& options);

/// The programs of the kernels `plan` runs, in order: the program itself when fused, else the
/// widening copies, each step's, and the rounding copy.
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
