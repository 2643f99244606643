// bf16 and f16 contraction paths compiled ahead of time run the JIT's plan: the inputs widened
// to f32 in scratch, f32 steps and temporaries, one rounding into the 16-bit output with alpha
// and beta. Each entry point runs in-process (single-threaded: the object needs only libc) and
// must equal the Engine's result bit for bit — the same kernels round once from the same f32
// values — and the interpreter's: exactly on small integers (every f32 sum exact, only the last
// rounding left), within the output's rounding on random values. Two operands with the batch
// label innermost, which take a relayout path in f32, stay one fused nest in bf16 and f16 for
// both (passes::relayoutPath weighs no 16-bit copies): they must agree all the same.
#include "TestSupport.h"
#include "driver/AotCompile.h"
#include "einjit/engine.h"
#include "jit/Jit.h"
#include "jit/ObjectBundle.h"
#include "reference/Interpreter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>

namespace einjit {
namespace {

/// An L2 of 16 KiB: small operands already exceed it, so that two operands take a relayout path.
const support::CacheSizes kSmallCaches{4096, 16384, 65536};

struct Case {
  std::string expression;
  std::string shapes; ///< as lowerAot takes them
  bool path = true;   ///< runs a path (else the fused nest)
};

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      // Three operands: t0 = a b first; K = 64 makes temporaries no 16-bit type holds (e.g.
      // 301 in bf16).
      {"np.einsum('ij,jk,kl->il', a, b, c)", "a=16x64,b=64x16,c=16x24"},
      // Edge extents: a single row, odd sizes, a unit contracted extent.
      {"np.einsum('ij,jk,kl->il', a, b, c)", "a=1x37,b=37x5,c=5x33"},
      {"np.einsum('ij,jk,kl->il', a, b, c)", "a=7x1,b=1x9,c=9x3"},
      {"np.einsum('ij,jk,kl,lm->im', w, x, y, z)", "w=3x5,x=5x7,y=7x4,z=4x2"},
      // Two operands whose batch label is innermost (a relayout path in f32).
      {"np.einsum('ikc,jkc->ijc', x, y)", "x=50x80x3,y=47x80x3", false},
      {"np.einsum('ibnd,jbnd->ijbn', x, y)", "x=13x2x3x80,y=11x2x3x80", false},
  };
  return all;
}

std::vector<std::uint16_t> bitsOf(const Tensor& tensor) {
  std::vector<std::uint16_t> bits(static_cast<std::size_t>(tensor.elements()));
  std::memcpy(bits.data(), tensor.view().data(), bits.size() * sizeof(std::uint16_t));
  return bits;
}

/// Small integers (3k + 5o) mod 7 - 3, or uniform in [-1, 1) (rounded to the dtype).
Tensor operandOf(DType dtype, const Shape& shape, int operand, bool integers, std::mt19937& rng) {
  std::vector<double> values(static_cast<std::size_t>(elementCount(shape)));
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  for (std::size_t k = 0; k < values.size(); ++k)
    values[k] = integers ? static_cast<double>((static_cast<int>(k) * 3 + operand * 5) % 7 - 3)
                         : uniform(rng);
  return test::tensorOf(dtype, shape, values);
}

/// The compiled entry point of `kernel`, taking 16-bit arrays, the f32 scratch, alpha and beta.
class CompiledEntry {
public:
  CompiledEntry(const driver::AotKernel& kernel, const std::string& symbol) {
    driver::AotCache noDisk{"", {}};
    driver::AotObjectCode code =
        driver::compileAot("halfpath", {kernel}, codegen::hostTarget(), noDisk);
    linked_ = jit_.load(jit::bundleObjects({code.object}), symbol, 0);
    address_ = reinterpret_cast<void (*)()>(linked_->entry());
  }

  /// Runs the contiguous entry point on `inputs` (two to four arrays) into `out`; `scratch` null
  /// where it takes none.
  std::int32_t run(const std::vector<const Tensor*>& inputs, Tensor& out, float* scratch,
                   float alpha, float beta) const {
    using U = std::uint16_t;
    auto data = [&](std::size_t i) { return static_cast<const U*>(inputs[i]->view().data()); };
    U* target = static_cast<U*>(out.view().data());
    if (!scratch)
      return reinterpret_cast<std::int32_t (*)(const U*, const U*, U*, float, float)>(address_)(
          data(0), data(1), target, alpha, beta);
    if (inputs.size() == 2)
      return reinterpret_cast<std::int32_t (*)(const U*, const U*, U*, float*, float, float)>(
          address_)(data(0), data(1), target, scratch, alpha, beta);
    if (inputs.size() == 3)
      return reinterpret_cast<std::int32_t (*)(const U*, const U*, const U*, U*, float*, float,
                                               float)>(address_)(data(0), data(1), data(2), target,
                                                                 scratch, alpha, beta);
    return reinterpret_cast<std::int32_t (*)(const U*, const U*, const U*, const U*, U*, float*,
                                             float, float)>(address_)(
        data(0), data(1), data(2), data(3), target, scratch, alpha, beta);
  }

private:
  jit::Jit jit_;
  std::shared_ptr<const jit::Kernel> linked_;
  void (*address_)() = nullptr;
};

driver::AotKernel lowered(const Case& call, DType dtype) {
  driver::AotOptions options;
  options.target = codegen::hostTarget();
  options.caches = kSmallCaches;
  options.threaded = false;
  return driver::lowerAot({"kernel", call.expression, call.shapes, dtype, ""}, options);
}

TEST(AotHalfPath, EntryPointsMatchTheEngineBitForBitAndTheInterpreter) {
  EngineOptions engineOptions;
  engineOptions.target = "host";
  engineOptions.persistentCache = false;
  engineOptions.cacheSizes = CacheSizes{kSmallCaches.l1d, kSmallCaches.l2, kSmallCaches.l3};
  Engine engine(engineOptions);
  std::mt19937 rng(20261207);
  for (DType dtype : {DType::bf16, DType::f16})
    for (const Case& call : cases()) {
      SCOPED_TRACE(std::string(dtypeName(dtype)) + " " + call.expression + " " + call.shapes);
      driver::AotKernel kernel = lowered(call, dtype);
      // The path runs, in f32: a widening copy per operand and every step write scratch, and
      // the last kernel rounds the f32 result into out.
      const ir::IndexProgram& program = kernel.program;
      std::size_t operands = program.operands.size();
      ASSERT_EQ(kernel.path.steps.empty(), !call.path);
      if (call.path) {
        EXPECT_EQ(kernel.scratchDtype, DType::f32);
        ASSERT_EQ(kernel.entry.steps.size(), operands + kernel.path.steps.size());
        for (std::size_t t = 0; t < operands; ++t) {
          EXPECT_EQ(kernel.entry.steps[t].nest.dtype, dtype);
          EXPECT_EQ(kernel.entry.steps[t].nest.resultDtype(), DType::f32);
        }
        EXPECT_EQ(kernel.entry.nest.dtype, DType::f32);
        EXPECT_EQ(kernel.entry.nest.resultDtype(), dtype);
      } else {
        EXPECT_TRUE(kernel.entry.steps.empty());
        EXPECT_EQ(kernel.scratchElements, 0);
      }
      CompiledEntry entry(kernel, "kernel");

      std::vector<Shape> shapes;
      for (const ir::Operand& operand : program.operands)
        shapes.push_back(operand.shape);
      Plan plan = engine.plan(call.expression, shapes, dtype);
      for (bool integers : {true, false})
        for (auto [alpha, beta] : {std::pair{1.0f, 0.0f}, std::pair{0.75f, -1.5f}}) {
          SCOPED_TRACE((integers ? "integers, alpha " : "random, alpha ") + std::to_string(alpha) +
                       ", beta " + std::to_string(beta));
          std::vector<Tensor> inputs;
          std::vector<const Tensor*> pointers;
          std::vector<TensorView> views;
          for (std::size_t t = 0; t < operands; ++t)
            inputs.push_back(operandOf(dtype, shapes[t], static_cast<int>(t), integers, rng));
          for (const Tensor& input : inputs) {
            pointers.push_back(&input);
            views.push_back(input.view());
          }
          Tensor initial = operandOf(dtype, program.outputShape(), 7, integers, rng);
          Tensor aot = initial.clone();
          Tensor jit = initial.clone();
          Tensor expected = initial.clone();
          // NaN-filled, so that a kernel reading scratch before writing it shows.
          std::vector<float> scratch(static_cast<std::size_t>(kernel.scratchElements), NAN);
          ASSERT_EQ(entry.run(pointers, aot, call.path ? scratch.data() : nullptr, alpha, beta), 0);
          plan.run(views, jit.view(), RunOptions{.alpha = alpha, .beta = beta});
          EXPECT_EQ(bitsOf(aot), bitsOf(jit));
          reference::interpret(program, views, expected.view(), {alpha, beta});
          std::vector<double> got = test::realValuesOf(aot.view());
          std::vector<double> want = test::realValuesOf(expected.view());
          if (integers) {
            EXPECT_EQ(got, want);
            continue;
          }
          // One rounding of the result (2^-8 relative for bf16, 2^-11 for f16) and f32 sums of
          // a few hundred terms below 1 in magnitude.
          double largest = 0;
          for (double value : want)
            largest = std::max(largest, std::abs(value));
          double tolerance = (dtype == DType::bf16 ? 0x1p-7 : 0x1p-10) * (largest + 1);
          for (std::size_t k = 0; k < want.size(); ++k)
            ASSERT_NEAR(got[k], want[k], tolerance) << "element " << k;
        }
    }
}

TEST(AotHalfPath, ScratchHoldsTheWidenedInputsAndF32Temporaries) {
  // t0 = a b (16x16) then out = t0 c (16x24): the three f32 copies, t0, and the f32 result.
  driver::AotKernel kernel = lowered(cases()[0], DType::bf16);
  ASSERT_EQ(kernel.path.steps.size(), 2u);
  EXPECT_EQ(kernel.path.steps[0].program.outputShape(), (Shape{16, 16}));
  EXPECT_EQ(kernel.scratchElements, 16 * 64 + 64 * 16 + 16 * 24 + 16 * 16 + 16 * 24);
  // Every temporary apart, in order: each starts where the one before ends.
  std::int64_t offset = 0;
  for (const codegen::AotStep& step : kernel.entry.steps) {
    EXPECT_EQ(step.scratchOffset, offset);
    offset += elementCount(step.shape);
  }
  // The rounding copy reads the last temporary (after the three parameters).
  EXPECT_EQ(kernel.entry.inputOfTensor, (std::vector<std::size_t>{3 + 5 - 1}));
  // The stages name the copies as `einjit explain` does.
  ASSERT_EQ(kernel.stages.size(), 3u);
  EXPECT_NE(kernel.stages[2].text.find("-- widen to f32: "), std::string::npos);
  EXPECT_NE(kernel.stages[2].text.find("-- round to bf16: "), std::string::npos);
  EXPECT_EQ(kernel.stages[1].text.find("fused nest runs here"), std::string::npos);
}

TEST(AotHalfPath, StridedEntryPointWidensAndRoundsThroughTheCallersStrides) {
  // a stored transposed (column-major) and out written transposed: the same bits as the
  // contiguous entry point.
  const Case& call = cases()[0];
  driver::AotKernel kernel = lowered(call, DType::bf16);
  ASSERT_TRUE(kernel.hasStridedEntry);
  CompiledEntry contiguous(kernel, "kernel");
  driver::AotCache noDisk{"", {}};
  driver::AotObjectCode code =
      driver::compileAot("halfpath", {kernel}, codegen::hostTarget(), noDisk);
  jit::Jit jit;
  std::shared_ptr<const jit::Kernel> linked =
      jit.load(jit::bundleObjects({code.object}), "kernel_strided", 0);
  using U = std::uint16_t;
  using Strided =
      std::int32_t (*)(const U*, const std::int64_t*, const U*, const std::int64_t*, const U*,
                       const std::int64_t*, U*, const std::int64_t*, float*, float, float);
  auto strided = reinterpret_cast<Strided>(reinterpret_cast<void (*)()>(linked->entry()));

  std::mt19937 rng(7);
  const ir::IndexProgram& program = kernel.program;
  std::vector<Tensor> inputs;
  for (std::size_t t = 0; t < 3; ++t)
    inputs.push_back(
        operandOf(DType::bf16, program.operands[t].shape, static_cast<int>(t), false, rng));
  Tensor out(DType::bf16, program.outputShape());
  std::vector<float> scratch(static_cast<std::size_t>(kernel.scratchElements));
  ASSERT_EQ(contiguous.run({&inputs[0], &inputs[1], &inputs[2]}, out, scratch.data(), 1, 0), 0);

  // a is 16x64: stored as [64][16].
  Tensor aTransposed(DType::bf16, {64, 16});
  const U* a = static_cast<const U*>(inputs[0].view().data());
  U* at = static_cast<U*>(aTransposed.view().data());
  for (int row = 0; row < 16; ++row)
    for (int column = 0; column < 64; ++column)
      at[column * 16 + row] = a[row * 64 + column];
  Tensor outTransposed(DType::bf16, {24, 16});
  const std::int64_t aStrides[2] = {1, 16}, bStrides[2] = {16, 1}, cStrides[2] = {24, 1};
  const std::int64_t outStrides[2] = {1, 16};
  ASSERT_EQ(strided(at, aStrides, static_cast<const U*>(inputs[1].view().data()), bStrides,
                    static_cast<const U*>(inputs[2].view().data()), cStrides,
                    static_cast<U*>(outTransposed.view().data()), outStrides, scratch.data(), 1, 0),
            0);
  const U* written = static_cast<const U*>(outTransposed.view().data());
  std::vector<std::uint16_t> back(16 * 24);
  for (int row = 0; row < 16; ++row)
    for (int column = 0; column < 24; ++column)
      back[static_cast<std::size_t>(row * 24 + column)] = written[column * 16 + row];
  EXPECT_EQ(back, bitsOf(out));
}

} // namespace
} // namespace einjit
