// driver/PassRunner.h: the pipeline's log of a program's kernels (ExplainStage::Passes) and one
// scheduling pass on a loop nest's text (`einjit opt`), with the options a target gives.
#include "driver/PassRunner.h"

#include "TestSupport.h"

namespace einjit::driver {
namespace {

using test::expectError;

// An element-wise copy of four f32s, in the summary form --emit=loops prints.
const char* const kCopyNest = "loop nest f32, strategy direct\n"
                              "  labels a=4\n"
                              "  x[a] strides a=1\n"
                              "  out[a] strides a=1\n"
                              "for a in 0..4 {\n"
                              "  acc = 0\n"
                              "  acc += x[a]\n"
                              "  out[a] = alpha * acc + beta * out[a]\n"
                              "}\n";

TargetInfo avx2Target() {
  TargetInfo target;
  target.vectorBits = 256;
  target.vectorRegisters = 16;
  target.caches = {32 << 10, 1 << 20, 32 << 20};
  return target;
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t found = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
    ++found;
  return found;
}

TEST(PassRunner, LoopPassNamesInPipelineOrder) {
  EXPECT_EQ(loopPassNames(),
            (std::vector<std::string>{"strategy", "vectorize", "tile", "unroll", "stream",
                                      "transpose", "parallelize", "packed"}));
}

TEST(PassRunner, OnePassOnNestText) {
  std::string vectorized = runLoopPass(kCopyNest, "vectorize", avx2Target(), Strategy::Auto);
  EXPECT_NE(vectorized.find("for a in 0..4 vector 4x1 {"), std::string::npos) << vectorized;
  // The full text the pass prints parses back: a second run changes nothing.
  EXPECT_EQ(runLoopPass(vectorized, "vectorize", avx2Target(), Strategy::Auto), vectorized);
}

TEST(PassRunner, AForcedStrategyReachesThePass) {
  std::string chosen = runLoopPass(kCopyNest, "strategy", avx2Target(), Strategy::Streaming);
  EXPECT_NE(chosen.find("strategy streaming"), std::string::npos) << chosen;
  EXPECT_NE(chosen.find("forced"), std::string::npos) << chosen;
}

TEST(PassRunner, BadPassAndBadText) {
  expectError([] { runLoopPass(kCopyNest, "fuse", avx2Target(), Strategy::Auto); },
              ErrorKind::Argument,
              {"the pass must be one of strategy, vectorize, tile, unroll, stream, transpose, "
               "parallelize, packed, got 'fuse'"});
  expectError(
      [] { runLoopPass("loop nest f32, strategy wide\n", "tile", avx2Target(), Strategy::Auto); },
      ErrorKind::Syntax, {"unknown strategy 'wide'"});
}

TEST(PassRunner, PassLogOfOneKernelAndOfSteps) {
  ir::IndexProgram product = ir::parseIndexProgram("x: f32[8, 4]\n"
                                                   "y: f32[4, 6]\n"
                                                   "out[i, j] = sum_k x[i, k] * y[k, j]\n");
  passes::LoopOptions options;
  std::string log = passLog({product}, true, options);
  EXPECT_EQ(log.rfind("-- input\n", 0), 0u) << log;
  EXPECT_EQ(count(log, "-- packed"), 1u) << log;
  EXPECT_EQ(log.find("-- step"), std::string::npos) << log;
  std::string steps = passLog({product, product}, true, options);
  EXPECT_EQ(steps.rfind("-- step 0: out[i,j] = sum_k x[i,k] * y[k,j]\n-- input\n", 0), 0u) << steps;
  EXPECT_NE(steps.find("-- step 1: "), std::string::npos) << steps;
  EXPECT_EQ(count(steps, "-- packed"), 2u) << steps;
}

} // namespace
} // namespace einjit::driver
