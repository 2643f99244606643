// The one reading of a call text (driver/CallReading.h) that the Engine and ahead-of-time
// compilation both take: a call read with the legacy Keras batch_dot semantics, or with an f32
// output of bf16 operands, computes the same through `einjit compile`'s entry point as through
// Engine::call, and the reading's errors are the Engine's, prefixed by a manifest line's origin.
#include "driver/CallReading.h"
#include "TestSupport.h"
#include "driver/AotCompile.h"
#include "einjit/engine.h"
#include "jit/Jit.h"
#include "jit/ObjectBundle.h"

#include <gtest/gtest.h>

namespace einjit {
namespace {

/// Small integers, exact in every sum here, bf16 included: (3k + 5o) mod 7 - 3.
Tensor smallIntegers(DType dtype, const Shape& shape, int operand) {
  std::vector<double> values(static_cast<std::size_t>(elementCount(shape)));
  for (std::size_t k = 0; k < values.size(); ++k)
    values[k] = static_cast<double>((static_cast<int>(k) * 3 + operand * 5) % 7 - 3);
  return test::tensorOf(dtype, shape, values);
}

CallOptions legacyBatchDot() {
  CallOptions options;
  options.legacyBatchDot = true;
  return options;
}

driver::AotRequest requestOf(const std::string& expression, const std::string& shapes, DType dtype,
                             const CallOptions& callOptions, const std::string& origin = "") {
  driver::AotRequest request;
  request.name = "kernel";
  request.expression = expression;
  request.shapes = shapes;
  request.dtype = dtype;
  request.origin = origin;
  request.callOptions = callOptions;
  return request;
}

/// The Engine's result of the call on x and y (no persistent cache: nothing measured).
Tensor runJit(const std::string& expression, const Tensor& x, const Tensor& y,
              const CallOptions& callOptions) {
  EngineOptions options;
  options.persistentCache = false;
  Engine engine(options);
  return engine.call(expression, {x.view(), y.view()}, RunOptions{}, callOptions);
}

/// `request` compiled ahead of time for the host, single-threaded (so the object needs nothing
/// but libc), linked in-process and run on x and y with alpha 1 and beta 0.
Tensor runAheadOfTime(const driver::AotRequest& request, const Tensor& x, const Tensor& y) {
  driver::AotOptions options = driver::aotOptions("host", std::nullopt, false, "test");
  driver::AotKernel kernel = driver::lowerAot(request, options);
  EXPECT_EQ(kernel.inputNames.size(), 2u);
  EXPECT_EQ(kernel.scratchElements, 0);
  driver::AotObjectCode code =
      driver::compileAot(request.name, {kernel}, options.target, driver::AotCache{"", {}});
  EXPECT_FALSE(code.fromCache);
  jit::Jit jit;
  std::shared_ptr<const jit::Kernel> linked =
      jit.load(jit::bundleObjects({code.object}), request.name, 0);
  // alpha and beta are floats for f32, bf16 and f16 alike.
  using Entry = std::int32_t (*)(const void*, const void*, void*, float, float);
  auto entry = reinterpret_cast<Entry>(reinterpret_cast<void (*)()>(linked->entry()));
  Tensor out(kernel.facts.outputDtype.value_or(kernel.facts.dtype), kernel.facts.result.outShape);
  EXPECT_EQ(entry(x.data(), y.data(), out.data(), 1.0f, 0.0f), driver::kAotStatusOk);
  return out;
}

void expectSameTensor(const Tensor& compiled, const Tensor& jitted) {
  EXPECT_EQ(compiled.dtype(), jitted.dtype());
  EXPECT_EQ(compiled.shape(), jitted.shape());
  EXPECT_EQ(test::realValuesOf(compiled.view()), test::realValuesOf(jitted.view()));
}

TEST(CallReading, LegacyBatchDotCompilesAheadOfTimeAsTheJitRunsIt) {
  // Rank 4: legacy Keras takes every axis but the last two as batch axes (tf.matmul), current
  // Keras only axis 0, so the readings have different shapes.
  const std::string expression = "K.batch_dot(x, y)";
  const std::string shapes = "x=2x3x4x2,y=2x3x2x5";
  Tensor x = smallIntegers(DType::f32, {2, 3, 4, 2}, 0);
  Tensor y = smallIntegers(DType::f32, {2, 3, 2, 5}, 1);
  Tensor legacyJit = runJit(expression, x, y, legacyBatchDot());
  EXPECT_EQ(legacyJit.shape(), (Shape{2, 3, 4, 5}));
  expectSameTensor(
      runAheadOfTime(requestOf(expression, shapes, DType::f32, legacyBatchDot()), x, y), legacyJit);
  Tensor currentJit = runJit(expression, x, y, {});
  EXPECT_EQ(currentJit.shape(), (Shape{2, 3, 4, 3, 5}));
  expectSameTensor(runAheadOfTime(requestOf(expression, shapes, DType::f32, {}), x, y), currentJit);

  // The kernel's facts are the reading's: legacy chosen, the current reading beside it.
  driver::AotKernel kernel =
      driver::lowerAot(requestOf(expression, shapes, DType::f32, legacyBatchDot()),
                       driver::aotOptions("host", std::nullopt, false, "test"));
  ASSERT_TRUE(kernel.facts.batchDot);
  EXPECT_TRUE(kernel.facts.batchDot->legacyChosen);
  EXPECT_TRUE(kernel.facts.batchDot->differs);
  EXPECT_EQ(kernel.facts.result.outShape, (Shape{2, 3, 4, 5}));
  ASSERT_TRUE(kernel.facts.batchDot->current.result);
  EXPECT_EQ(kernel.facts.batchDot->current.result->outShape, (Shape{2, 3, 4, 3, 5}));
}

TEST(CallReading, CallOnlyLegacyKerasAcceptsCompilesAsTheJitRunsIt) {
  // Axis 0 of two 2-D inputs: current Keras refuses it, legacy Keras sums along it (§8.6).
  const std::string expression = "K.batch_dot(x, y, axes=0)";
  Tensor x = smallIntegers(DType::f32, {4, 3}, 0);
  Tensor y = smallIntegers(DType::f32, {4, 3}, 1);
  Tensor jitted = runJit(expression, x, y, legacyBatchDot());
  EXPECT_EQ(jitted.shape(), (Shape{3, 1}));
  expectSameTensor(
      runAheadOfTime(requestOf(expression, "x=4x3,y=4x3", DType::f32, legacyBatchDot()), x, y),
      jitted);
  test::expectError(
      [&] {
        driver::lowerAot(requestOf(expression, "x=4x3,y=4x3", DType::f32, {}),
                         driver::aotOptions("host", std::nullopt, false, "test"));
      },
      ErrorKind::Axis, {"Cannot perform batch_dot over axis 0"});
}

TEST(CallReading, F32OutputOfBf16CompilesAheadOfTimeAsTheJitRunsIt) {
  CallOptions f32Output;
  f32Output.outputDtype = DType::f32;
  const std::string expression = "np.matmul(a, b)";
  Tensor a = smallIntegers(DType::bf16, {5, 7}, 0);
  Tensor b = smallIntegers(DType::bf16, {7, 9}, 1);
  Tensor jitted = runJit(expression, a, b, f32Output);
  EXPECT_EQ(jitted.dtype(), DType::f32);
  Tensor compiled =
      runAheadOfTime(requestOf(expression, "a=5x7,b=7x9", DType::bf16, f32Output), a, b);
  expectSameTensor(compiled, jitted);
}

TEST(CallReading, ErrorsAreTheEnginesPrefixedByTheManifestLine) {
  struct Case {
    std::string expression, shapes;
    std::vector<Shape> positional;
    DType dtype;
    CallOptions options;
    ErrorKind kind;
    std::string needle;
  };
  CallOptions f64Output;
  f64Output.outputDtype = DType::f64;
  std::vector<Case> cases = {
      {"np.einsum('ij,jk->ik', a, b)",
       "a=2x3,b=3x4",
       {{2, 3}, {3, 4}},
       DType::f32,
       legacyBatchDot(),
       ErrorKind::Argument,
       "legacy batch_dot: np.einsum has one meaning"},
      // Legacy Keras' tf.matmul cannot broadcast batch axes (2,3) and (2,6).
      {"K.batch_dot(x, y, axes=[3, 2])",
       "x=2x3x4x5,y=2x6x5x7",
       {{2, 3, 4, 5}, {2, 6, 5, 7}},
       DType::f32,
       legacyBatchDot(),
       ErrorKind::Shape,
       "legacy Keras (Keras <= 2.2.4, tf.keras <= 1.14, TensorFlow backend) refuses this call: "
       "K.batch_dot:"},
      {"np.matmul(a, b)",
       "a=2x3,b=3x4",
       {{2, 3}, {3, 4}},
       DType::f32,
       f64Output,
       ErrorKind::Argument,
       "output dtype f64 for f32 operands"},
  };
  EngineOptions engineOptions;
  engineOptions.persistentCache = false;
  Engine engine(engineOptions);
  for (const Case& call : cases) {
    SCOPED_TRACE(call.expression);
    Error jit = test::expectError(
        [&] { engine.plan(call.expression, call.positional, call.dtype, call.options); }, call.kind,
        {call.needle});
    Error aot = test::expectError(
        [&] {
          driver::lowerAot(
              requestOf(call.expression, call.shapes, call.dtype, call.options, "lib.manifest:3: "),
              driver::aotOptions("host", std::nullopt, true, "test"));
        },
        call.kind, {call.needle});
    EXPECT_EQ(aot.message(), "lib.manifest:3: " + jit.message());
  }
}

} // namespace
} // namespace einjit
