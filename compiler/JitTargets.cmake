# The LLVM JIT: passes, loop nests, LLVM code generation, ORC, and the Engine API.
# Included at the end of compiler/CMakeLists.txt.

# LoopNest is IR: it joins einjit_ir rather than making a library of its own.
target_sources(einjit_ir PRIVATE ir/LoopNest.cpp ir/LoopNestParser.cpp ir/PackedGemm.cpp)

einjit_compiler_library(einjit_passes
  passes/Canonicalize.cpp
  passes/ChoosePath.cpp
  passes/RelayoutPath.cpp
  passes/InnermostRelayoutPath.cpp
  passes/PathCopy.cpp
  passes/ChooseStrategy.cpp
  passes/ClassifyLabels.cpp
  passes/Contraction.cpp
  passes/DropUnitDims.cpp
  passes/FoldLabels.cpp
  passes/LowerToLoops.cpp
  passes/Parallelize.cpp
  passes/Pipeline.cpp
  passes/ReRead.cpp
  passes/SchedulePacked.cpp
  passes/Stream.cpp
  passes/Tile.cpp
  passes/Transpose.cpp
  passes/Unroll.cpp
  passes/Vectorize.cpp
)
target_link_libraries(einjit_passes PUBLIC einjit_ir)

# Only codegen/ and jit/ see LLVM headers.
einjit_compiler_library(einjit_codegen
  codegen/AotObject.cpp
  codegen/Codegen.cpp
  codegen/ComplexLanes.cpp
  codegen/CountedLoop.cpp
  codegen/ElementOps.cpp
  codegen/EmitObject.cpp
  codegen/KernelModule.cpp
  codegen/MicroKernel.cpp
  codegen/OptPipeline.cpp
  codegen/PackedKernel.cpp
  codegen/PackedPacking.cpp
  codegen/PrologueFunction.cpp
  codegen/PrologueIR.cpp
  codegen/RuntimeCalls.cpp
  codegen/Target.cpp
  codegen/TransposeTile.cpp
)
target_link_libraries(einjit_codegen PUBLIC einjit_ir PRIVATE einjit::llvm)

einjit_compiler_library(einjit_jit
  jit/DiskCache.cpp
  jit/JIT.cpp
  jit/ObjectBundle.cpp
  jit/PerfMap.cpp
  jit/KernelCache.cpp
)
target_link_libraries(einjit_jit PUBLIC einjit_codegen PRIVATE einjit::llvm)

# The public Engine (include/einjit/engine.h).
einjit_compiler_library(einjit_engine
  engine/CallOptions.cpp
  engine/EinsumPlans.cpp
  engine/Engine.cpp
  engine/Explanation.cpp
  engine/ExplanationFormat.cpp
  engine/PlanState.cpp
  engine/Run.cpp
  engine/RunPath.cpp
  engine/Staging.cpp
  engine/Tuning.cpp
)
target_link_libraries(einjit_engine PUBLIC einjit_driver einjit_jit einjit_passes einjit_frontend)
target_compile_definitions(einjit_engine PRIVATE EINJIT_VERSION="${PROJECT_VERSION}")

# The compile driver (compiler/driver/): the reading of a call, the contraction plan, the
# lowering and the persistent cache's identity and load-or-compile sequence shared by the Engine
# and `einjit compile`, ahead-of-time compilation, and what the CLI asks of the compiler beyond
# the public API.
einjit_compiler_library(einjit_driver
  driver/AotCompile.cpp
  driver/CallFacts.cpp
  driver/CallOperands.cpp
  driver/CallReading.cpp
  driver/ContractionPlan.cpp
  driver/Driver.cpp
  driver/KernelCacheFiles.cpp
  driver/PassRunner.cpp
  driver/TargetFlags.cpp
)
target_link_libraries(einjit_driver PUBLIC einjit_jit einjit_passes einjit_frontend)
target_compile_definitions(einjit_driver PRIVATE EINJIT_VERSION="${PROJECT_VERSION}")
