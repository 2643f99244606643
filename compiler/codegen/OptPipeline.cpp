// The optimization pipelines, tuned by the target machine's cost model so that the loop passes
// see the real vector width.
//
// A JIT kernel runs a short function pipeline rather than O3. The kernel builders already emit
// what O3 would spend most of its time finding: explicit vectors and llvm.fma, register tiles,
// unrolled bodies, loops marked where LLVM must not vectorize or unroll them. A kernel is a few
// functions with counted loops and nothing to inline: the inliner, the CGSCC and module passes,
// loop unswitching, the vectorizers and IndVarSimplify took about 70 % of O3's time and moved
// no measured kernel's speed by 3 % (IndVarSimplify alone costs a packed kernel ~4.5 ms for an
// exit counter shared with the address). What remains is what the emitted IR needs: promote the
// builders' stack slots (SROA), fold and share address arithmetic (EarlyCSE, InstCombine, GVN,
// SCCP), rotate loops and hoist invariant loads and offsets out of them (LICM), and unroll short
// reduction loops where the cost model finds it pays.
//
// A prologue function (PrologueFunction.cpp) runs the same pipeline plus the loop vectorizer:
// its builder emits scalar loops, and its per-element divisions, vectorized, take half the time.
//
// The ahead-of-time object keeps O3: its entry points rely on the inliner (AotObject.cpp), and
// its compile time is on no one's critical path.
#include "codegen/LLVMCodegen.h"

#include <llvm/Analysis/CGSCCPassManager.h>
#include <llvm/Analysis/LoopAnalysisManager.h>
#include <llvm/IR/PassManager.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Transforms/InstCombine/InstCombine.h>
#include <llvm/Transforms/Scalar/EarlyCSE.h>
#include <llvm/Transforms/Scalar/GVN.h>
#include <llvm/Transforms/Scalar/LICM.h>
#include <llvm/Transforms/Scalar/LoopPassManager.h>
#include <llvm/Transforms/Scalar/LoopRotation.h>
#include <llvm/Transforms/Scalar/LoopUnrollPass.h>
#include <llvm/Transforms/Scalar/SCCP.h>
#include <llvm/Transforms/Scalar/SROA.h>
#include <llvm/Transforms/Scalar/SimplifyCFG.h>
#include <llvm/Transforms/Vectorize/LoopVectorize.h>

#include <functional>

namespace einjit::codegen {

namespace {

/// The kernel pipeline; `vectorize` adds LLVM's loop vectorizer (for prologue functions, whose
/// builder emits scalar loops: the vectorizer checks their run-time strides for 1 and divides
/// several elements at a time).
llvm::FunctionPassManager kernelPipeline(bool vectorize = false) {
  llvm::FunctionPassManager passes;
  passes.addPass(llvm::SROAPass(llvm::SROAOptions::ModifyCFG));
  passes.addPass(llvm::EarlyCSEPass(/*UseMemorySSA=*/true));
  passes.addPass(llvm::InstCombinePass());
  passes.addPass(llvm::SimplifyCFGPass());
  llvm::LoopPassManager loops;
  loops.addPass(llvm::LoopRotatePass());
  loops.addPass(llvm::LICMPass(llvm::LICMOptions()));
  passes.addPass(llvm::createFunctionToLoopPassAdaptor(std::move(loops), /*UseMemorySSA=*/true));
  passes.addPass(llvm::GVNPass());
  if (vectorize) {
    passes.addPass(llvm::LoopVectorizePass());
    passes.addPass(llvm::InstCombinePass());
  }
  passes.addPass(llvm::LoopUnrollPass(llvm::LoopUnrollOptions(/*OptLevel=*/3)));
  // Folds the constant trip counts and offsets that unrolling exposes.
  passes.addPass(llvm::SCCPPass());
  passes.addPass(llvm::SimplifyCFGPass());
  return passes;
}

/// Runs the module pipeline `build` makes, with every analysis registered for `machine`.
void runPipeline(llvm::Module& module, llvm::TargetMachine& machine,
                 const std::function<llvm::ModulePassManager(llvm::PassBuilder&)>& build) {
  llvm::LoopAnalysisManager loops;
  llvm::FunctionAnalysisManager functions;
  llvm::CGSCCAnalysisManager sccs;
  llvm::ModuleAnalysisManager modules;
  llvm::PipelineTuningOptions tuning;
  tuning.LoopUnrolling = true;
  tuning.LoopVectorization = true;
  tuning.SLPVectorization = true;
  llvm::PassBuilder builder(&machine, tuning);
  builder.registerModuleAnalyses(modules);
  builder.registerCGSCCAnalyses(sccs);
  builder.registerFunctionAnalyses(functions);
  builder.registerLoopAnalyses(loops);
  builder.crossRegisterProxies(loops, functions, sccs, modules);
  build(builder).run(module, modules);
}

} // namespace

void optimizeModule(llvm::Module& module, llvm::TargetMachine& machine) {
  runPipeline(module, machine, [](llvm::PassBuilder&) {
    llvm::ModulePassManager pipeline;
    pipeline.addPass(llvm::createModuleToFunctionPassAdaptor(kernelPipeline()));
    return pipeline;
  });
}

void optimizePrologueModule(llvm::Module& module, llvm::TargetMachine& machine) {
  runPipeline(module, machine, [](llvm::PassBuilder&) {
    llvm::ModulePassManager pipeline;
    pipeline.addPass(llvm::createModuleToFunctionPassAdaptor(kernelPipeline(true)));
    return pipeline;
  });
}

void optimizeLinkedModule(llvm::Module& module, llvm::TargetMachine& machine) {
  runPipeline(module, machine, [](llvm::PassBuilder& builder) {
    return builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3);
  });
}

} // namespace einjit::codegen
