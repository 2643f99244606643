// codegen's ahead-of-time half without the CLI: the named-CPU target check, the object's refusal
// of kernels its entry points cannot feed (a path's steps included), and what a threaded entry
// point calls.
#include "codegen/AotObject.h"
#include "TestSupport.h"
#include "frontend/CallText.h"
#include "passes/Passes.h"

#include <gtest/gtest.h>

namespace einjit {
namespace {

/// The nest of `expression` with every stride known (contiguous) or, when `runtimeStrides`,
/// none known; extents constant unless `runtimeExtents`.
ir::LoopNest nestOf(const std::string& expression, const std::string& shapes,
                    bool runtimeStrides = false, bool runtimeExtents = false) {
  ir::IndexProgram program =
      frontend::lowerCallText(expression, frontend::parseShapes(shapes)).program;
  auto strideClass = [&](const Shape& shape) {
    passes::StrideClass strides = passes::contiguousStrideClass(shape, !runtimeExtents);
    if (runtimeStrides)
      for (std::size_t d = 0; d < shape.size(); ++d)
        if (shape[d] != 1)
          strides[d].reset();
    return strides;
  };
  std::vector<passes::StrideClass> classes;
  for (std::size_t t = 0; t < program.operands.size(); ++t)
    classes.push_back(strideClass(program.operandShape(t)));
  passes::Contraction contraction = passes::makeContraction(
      program, classes, strideClass(program.outputShape()), !runtimeExtents);
  return passes::lowerContraction(contraction, passes::LoopOptions{});
}

// The tests name x86 CPUs; elsewhere LLVM rightly refuses them.
constexpr bool kX86Host =
#if defined(__x86_64__) || defined(_M_X64)
    true;
#else
    false;
#endif

codegen::AotEntryPoint entryOf(const std::string& name, ir::LoopNest nest, bool strided = false) {
  codegen::AotEntryPoint entry;
  entry.name = name;
  entry.strided = strided;
  entry.inputCount = nest.inputs.size();
  for (const ir::TensorAccess& input : nest.inputs)
    entry.inputOfTensor.push_back(input.source);
  entry.nest = std::move(nest);
  return entry;
}

TEST(AotObject, NamedCpuIsCheckedAgainstLlvm) {
  if (!kX86Host)
    GTEST_SKIP() << "x86 CPU names";
  codegen::TargetDesc haswell = codegen::resolveTarget("haswell", "compile: --target");
  EXPECT_EQ(haswell.cpu, "haswell");
  EXPECT_EQ(haswell.vectorBits, 256u);
  Error error = test::expectError(
      [] { codegen::resolveTarget("pentium9000", "compile: --target"); }, ErrorKind::Argument,
      {"compile: --target: LLVM does not know the CPU 'pentium9000'"});
  EXPECT_EQ(error.message().rfind("compile: ", 0), 0u);
  test::expectError([] { codegen::resolveTarget("host9000", "compile: --target"); },
                    ErrorKind::Argument, {"does not know the CPU 'host9000'"});
  // "host" and "" both name the machine the compiler runs on.
  EXPECT_EQ(codegen::resolveTarget("", "compile: --target").key(), codegen::hostTarget().key());
  EXPECT_EQ(codegen::resolveTarget("host", "compile: --target").key(), codegen::hostTarget().key());
}

TEST(AotObject, ObjectIsElfWithEveryEntryPoint) {
  if (!kX86Host)
    GTEST_SKIP() << "x86 CPU names";
  codegen::TargetDesc target = codegen::resolveTarget("x86-64-v3", "compile: --target");
  std::string object =
      codegen::compileAotObject({entryOf("first", nestOf("ij,jk->ik", "2x3,3x4")),
                                 entryOf("second", nestOf("ij,jk->ik", "2x3,3x4", true), true)},
                                target);
  ASSERT_GT(object.size(), 4u);
  EXPECT_EQ(object.substr(0, 4), "\x7f"
                                 "ELF");
  EXPECT_NE(object.find("first"), std::string::npos);
  EXPECT_NE(object.find("second"), std::string::npos);
  // The kernels are internal to the entry points.
  EXPECT_EQ(object.find("einjit_kernel"), std::string::npos);
}

TEST(AotObject, RefusesKernelsTheEntryPointCannotFeed) {
  if (!kX86Host)
    GTEST_SKIP() << "x86 CPU names";
  codegen::TargetDesc target = codegen::resolveTarget("x86-64-v3", "compile: --target");
  test::expectError(
      [&] {
        codegen::compileAotObject(
            {entryOf("runtime_strides", nestOf("ij,jk->ik", "2x3,3x4", true))}, target);
      },
      ErrorKind::Internal, {"runtime_strides", "stride the entry point cannot supply"});
  test::expectError(
      [&] {
        codegen::compileAotObject(
            {entryOf("runtime_extents", nestOf("ij,jk->ik", "2x3,3x4", true, true), true)}, target);
      },
      ErrorKind::Internal, {"runtime_extents", "reads its extents at run time"});
  codegen::AotEntryPoint parallel = entryOf("parallel", nestOf("ij,jk->ik", "2x3,3x4"));
  parallel.nest.outputLoops.front().parallel = true;
  test::expectError([&] { codegen::compileAotObject({parallel}, target); }, ErrorKind::Internal,
                    {"parallel", "thread pool"});
  codegen::AotEntryPoint unbound = entryOf("unbound", nestOf("ij,jk->ik", "2x3,3x4"));
  unbound.inputCount = 1;
  test::expectError([&] { codegen::compileAotObject({unbound}, target); }, ErrorKind::Internal,
                    {"unbound", "parameter that does not exist"});
  // A normalized copy is contiguous: a kernel reading it with run-time strides would read the
  // caller's strides of a different array.
  codegen::AotEntryPoint copy = entryOf("copy", nestOf("ij,jk->ik", "2x3,3x4", true), true);
  copy.normalized.push_back({0, {2, 3}, 1, 1e-7, 0});
  copy.normalizedOfTensor = {0, std::nullopt};
  test::expectError([&] { codegen::compileAotObject({copy}, target); }, ErrorKind::Internal,
                    {"copy", "stride the entry point cannot supply"});
  codegen::AotEntryPoint missing = entryOf("missing", nestOf("ij,jk->ik", "2x3,3x4"));
  missing.normalizedOfTensor = {0, std::nullopt};
  test::expectError([&] { codegen::compileAotObject({missing}, target); }, ErrorKind::Internal,
                    {"missing", "normalized copy that does not exist"});
}

TEST(AotObject, ThreadedEntryPointCallsThePoolOnlyForParallelNests) {
  if (!kX86Host)
    GTEST_SKIP() << "x86 CPU names";
  codegen::TargetDesc target = codegen::resolveTarget("x86-64-v3", "compile: --target");
  codegen::AotEntryPoint parallel = entryOf("parallel", nestOf("ij,jk->ik", "2x3,3x4"));
  parallel.nest.outputLoops.front().parallel = true;
  parallel.threaded = true;
  codegen::AotEntryPoint serial = entryOf("serial", nestOf("ij,jk->ik", "2x3,3x4"));
  serial.threaded = true;
  std::string object = codegen::compileAotObject({serial}, target);
  EXPECT_EQ(object.find("einjit_rt"), std::string::npos);
  object = codegen::compileAotObject({parallel, serial}, target);
  EXPECT_NE(object.find("einjit_rt_call_with_threads"), std::string::npos);
  EXPECT_NE(object.find("einjit_rt_parallel_for"), std::string::npos);
}

/// An entry point computing (x y) z for x 2x3, y 3x4, z 4x5: one step writing t = x y (2x4) into
/// scratch, then out = t z. Only the last kernel reads run-time strides when `strided`.
codegen::AotEntryPoint chainOf(const std::string& name, bool strided = false) {
  codegen::AotEntryPoint entry = entryOf(name, nestOf("ij,jk->ik", "2x4,4x5", strided), strided);
  entry.inputCount = 3;
  entry.inputOfTensor = {3, 2};
  entry.steps.push_back({nestOf("ij,jk->ik", "2x3,3x4"), {0, 1}, {2, 4}, 0, {}});
  return entry;
}

TEST(AotObject, PathEntryPointRunsItsStepsInternally) {
  if (!kX86Host)
    GTEST_SKIP() << "x86 CPU names";
  codegen::TargetDesc target = codegen::resolveTarget("x86-64-v3", "compile: --target");
  std::string object = codegen::compileAotObject({chainOf("chain")}, target);
  EXPECT_NE(object.find("chain"), std::string::npos);
  // Step kernels are internal, like the last one.
  EXPECT_EQ(object.find("einjit_step"), std::string::npos);
  EXPECT_EQ(object.find("einjit_kernel"), std::string::npos);
}

TEST(AotObject, RefusesStepsTheEntryPointCannotFeed) {
  if (!kX86Host)
    GTEST_SKIP() << "x86 CPU names";
  codegen::TargetDesc target = codegen::resolveTarget("x86-64-v3", "compile: --target");
  // A temporary is contiguous: the caller's strides do not describe it.
  codegen::AotEntryPoint strided = chainOf("strided_temporary", true);
  test::expectError([&] { codegen::compileAotObject({strided}, target); }, ErrorKind::Internal,
                    {"strided_temporary", "stride the entry point cannot supply"});
  // A step reads parameters and earlier temporaries only, never its own.
  codegen::AotEntryPoint own = chainOf("own_temporary");
  own.steps.front().inputOfTensor = {0, 3};
  test::expectError([&] { codegen::compileAotObject({own}, target); }, ErrorKind::Internal,
                    {"own_temporary", "step 0", "parameter that does not exist"});
  codegen::AotEntryPoint parallel = chainOf("parallel_step");
  parallel.steps.front().nest.outputLoops.front().parallel = true;
  test::expectError([&] { codegen::compileAotObject({parallel}, target); }, ErrorKind::Internal,
                    {"parallel_step", "step 0", "thread pool"});
  // The temporaries share one scratch dtype (the first step's output: f32 for a bf16 path).
  codegen::AotEntryPoint mixed = chainOf("mixed_scratch");
  mixed.steps.push_back(mixed.steps.front());
  mixed.steps.back().nest.dtype = DType::f64;
  mixed.steps.back().scratchOffset = 8;
  test::expectError([&] { codegen::compileAotObject({mixed}, target); }, ErrorKind::Internal,
                    {"mixed_scratch", "step 1", "writes f64 into a scratch buffer of f32"});
}

TEST(AotObject, ScratchHoldsEveryTemporary) {
  codegen::AotEntryPoint entry = chainOf("scratch");
  EXPECT_EQ(codegen::aotScratchElements(entry), 2 * 4);
  EXPECT_EQ(codegen::aotScratchDtype(entry), DType::f32);
  entry.steps.push_back({nestOf("ij,jk->ik", "2x3,3x4"), {0, 1}, {3, 5}, 8, {}});
  EXPECT_EQ(codegen::aotScratchElements(entry), 8 + 15);
}

TEST(AotObject, ScratchHoldsEveryNormalizedCopy) {
  codegen::AotEntryPoint entry = entryOf("scratch", nestOf("ij,jk->ik", "2x3,3x4"));
  EXPECT_EQ(codegen::aotScratchElements(entry), 0);
  entry.normalized.push_back({0, {2, 3}, 1, 1e-7, 0});
  entry.normalized.push_back({1, {3, 4}, 0, 1e-7, 6});
  EXPECT_EQ(codegen::aotScratchElements(entry), 6 + 12);
}

} // namespace
} // namespace einjit
