// The structured explanation (include/einjit/explain.h): Engine::explain's fields, the legacy
// batch_dot option on explain and call (also where only legacy Keras accepts the call), the
// stages of Plan::explanation, and the text and JSON forms built from the fields.
#include "einjit/engine.h"
#include "einjit/error.h"

#include <gtest/gtest.h>

namespace einjit::test {
namespace {

EngineOptions memoryOnly() {
  EngineOptions options;
  options.persistentCache = false;
  return options;
}

TEST(Explanation, FieldsOfAnEinsum) {
  Engine engine(memoryOnly());
  Explanation e = engine.explain("bij,bjk->bik", {{2, 3, 4}, {2, 4, 5}}, DType::f64);
  EXPECT_EQ(e.function, "np.einsum");
  EXPECT_EQ(e.dtype, DType::f64);
  ASSERT_EQ(e.operands.size(), 2u);
  EXPECT_EQ(e.operands[1].shape, (Shape{2, 4, 5}));
  EXPECT_EQ(e.result.outShape, (Shape{2, 3, 5}));
  EXPECT_EQ(e.result.einsum, "bij,bjk->bik");
  EXPECT_EQ(e.result.index, "out[b,i,k] = sum_j x[b,i,j] * y[b,j,k]");
  ASSERT_EQ(e.result.labels.size(), 4u);
  EXPECT_EQ(e.result.labels[0].role, "batch");
  EXPECT_EQ(e.result.multiplyAdds, 2 * 3 * 4 * 5);
  EXPECT_FALSE(e.batchDot.has_value());
  EXPECT_TRUE(e.stages.empty()) << "no stage asked for";
  EXPECT_NE(e.text().find("einsum     np.einsum('bij,bjk->bik', x, y)\n"), std::string::npos)
      << e.text();
  EXPECT_NE(e.json().find("\"out_shape\": [2, 3, 5]"), std::string::npos) << e.json();
}

TEST(Explanation, StagesInOrderEachOnce) {
  Engine engine(memoryOnly());
  Explanation e =
      engine.explain("ij,jk,kl", {{8, 2}, {2, 8}, {8, 2}}, DType::f32, {}, ExplainStage::LLVM);
  std::vector<std::string> keys;
  for (const ExplainedStage& stage : e.stages)
    keys.push_back(stage.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"program", "path", "loops", "llvm"}));
  ASSERT_NE(e.stage("llvm"), nullptr);
  EXPECT_NE(e.stage("llvm")->text.find("define"), std::string::npos);
  EXPECT_EQ(e.stage("asm"), nullptr);
  // Plan::explain prints the same sections as text.
  Plan plan = engine.plan("ij,jk,kl", {{8, 2}, {2, 8}, {8, 2}}, DType::f32);
  std::string text = plan.explain(ExplainStage::Loops);
  EXPECT_NE(text.find("loops (contiguous operands):\n" + e.stage("loops")->text), std::string::npos)
      << text;
}

TEST(Explanation, PassesStageLogsEveryKernelsPipeline) {
  Engine engine(memoryOnly());
  Explanation fused =
      engine.explain("ik,kj->ij", {{16, 8}, {8, 12}}, DType::f32, {}, ExplainStage::Passes);
  std::vector<std::string> keys;
  for (const ExplainedStage& stage : fused.stages)
    keys.push_back(stage.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"program", "passes"})) << "no loops, llvm or asm";
  const ExplainedStage* log = fused.stage("passes");
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->heading, "passes (contiguous operands)");
  EXPECT_EQ(log->text.rfind("-- input\nout[i,j] = sum_k x[i,k] * y[k,j]\n", 0), 0u) << log->text;
  EXPECT_NE(log->text.find("-- packed"), std::string::npos) << log->text;
  EXPECT_EQ(log->text.find("-- step"), std::string::npos) << log->text;
  EXPECT_NE(fused.text().find("-- passes (contiguous operands) --\n-- input\n"), std::string::npos)
      << fused.text();

  // A plan that runs a path logs each step's pipeline, after the path.
  Explanation path = engine.explain("ij,jk,kl->il", {{1024, 16}, {16, 1024}, {1024, 16}},
                                    DType::f32, {}, ExplainStage::Passes);
  keys.clear();
  for (const ExplainedStage& stage : path.stages)
    keys.push_back(stage.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"program", "path", "passes"}));
  ASSERT_NE(path.stage("passes"), nullptr);
  const std::string& steps = path.stage("passes")->text;
  EXPECT_EQ(steps.rfind("-- step 0: ", 0), 0u) << steps;
  EXPECT_NE(steps.find("-- step 1: "), std::string::npos) << steps;
}

TEST(Explanation, LegacyBatchDotWhereOnlyLegacyKerasAccepts) {
  Engine engine(memoryOnly());
  std::vector<Shape> shapes{{32, 20}, {32, 20}};
  EXPECT_THROW(engine.explain("K.batch_dot(x, y, axes=0)", shapes, DType::f64), Error);
  Explanation e = engine.explain("K.batch_dot(x, y, axes=0)", shapes, DType::f64,
                                 CallOptions{.legacyBatchDot = true});
  EXPECT_EQ(e.result.outShape, (Shape{20, 1}));
  ASSERT_TRUE(e.batchDot.has_value());
  EXPECT_TRUE(e.batchDot->legacyChosen);
  EXPECT_FALSE(e.batchDot->current.result.has_value());
  EXPECT_NE(e.batchDot->current.error.find("axis 0"), std::string::npos);
  // Engine::call computes the same reading: 32 ones times ones summed per column.
  std::vector<double> ones(32 * 20, 1.0);
  TensorView x(ones.data(), DType::f64, {32, 20});
  Tensor out = engine.call("K.batch_dot(x, y, axes=0)", std::vector<TensorView>{x, x}, {},
                           CallOptions{.legacyBatchDot = true});
  ASSERT_EQ(out.shape(), (Shape{20, 1}));
  for (std::int64_t i = 0; i < 20; ++i)
    EXPECT_EQ(out.as<double>()[i], 32.0);
}

TEST(Explanation, LegacyOnACallOfOneMeaningIsRefused) {
  Engine engine(memoryOnly());
  try {
    engine.explain("np.dot(a, b)", {{2, 3}, {3, 4}}, DType::f32,
                   CallOptions{.legacyBatchDot = true});
    FAIL() << "np.dot has no legacy reading";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::Argument);
    EXPECT_NE(std::string(error.what()).find("np.dot has one meaning"), std::string::npos);
  }
}

TEST(Explanation, CallShapesByName) {
  EXPECT_EQ(callShapes("K.batch_dot(x, y)", "y=2x5x3,x=2x4x5"),
            (std::vector<Shape>{{2, 4, 5}, {2, 5, 3}}));
  EXPECT_EQ(callShapes("ij,jk", "2x3,3x4"), (std::vector<Shape>{{2, 3}, {3, 4}}));
  EXPECT_THROW(callShapes("K.batch_dot(x, y)", "x=2x4x5,z=2x5x3"), Error);
}

} // namespace
} // namespace einjit::test
