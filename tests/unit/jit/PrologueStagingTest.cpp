// Prologue staging. The reference's (reference::applyPrologues, the oracle): ravel in C order of
// any strided view, normalize in the wide type, conj left to the kernel, and misuse refused in
// the interpreter's words. The engine's (generated prologue functions, codegen/PrologueIR.h):
// the same values as the oracle's for every floating dtype and layout, through a plan whose
// statement copies the staged operand to the output.
#include "JitTestSupport.h"
#include "TestSupport.h"
#include "reference/Interpreter.h"

#include <gtest/gtest.h>

namespace einjit::test {
namespace {

ir::IndexProgram withPrologue(ir::IndexProgram program, ir::Prologue prologue) {
  program.prologues.push_back(prologue);
  return program;
}

/// The engine's staged operand 0 of `program` (whose statement copies it to the output) beside
/// the reference's: equal for f32, c64, bf16 and f16 (the same sums in double, one rounding),
/// within double precision for f64 and c128 (the reference sums in long double).
void expectStagedAsTheReference(Engine& engine, const ir::IndexProgram& program,
                                const TensorView& input, const std::string& context) {
  Plan plan = engine.planIndexProgram(ir::toString(program));
  Tensor staged = plan.run({input});
  Tensor expected = reference::applyPrologues(program, 0, input);
  bool wide = program.dtype == DType::f64 || program.dtype == DType::c128;
  expectClose(staged.view(), expected.view(), wide ? 1e-15 : 0, context);
}

TEST(PrologueStaging, GeneratedNormalizeMatchesTheReference) {
  Engine engine;
  std::mt19937 rng(14);
  const Shape shape{3, 4, 5};
  for (DType dtype : {DType::f32, DType::f64, DType::c64, DType::c128, DType::bf16, DType::f16})
    for (Layout layout : {Layout::Contiguous, Layout::Permuted, Layout::Padded, Layout::Reversed,
                          Layout::Broadcast})
      for (int axis = 0; axis < 3; ++axis) {
        ir::IndexProgram program =
            withPrologue(programOf("ijk->ijk", {shape}, dtype),
                         ir::Prologue{ir::PrologueKind::Normalize, 0, axis, 1e-7});
        OwnedView input = randomView(dtype, shape, layout, rng);
        expectStagedAsTheReference(engine, program, input.view,
                                   std::string(dtypeName(dtype)) + " " + layoutName(layout) +
                                       " axis " + std::to_string(axis));
      }
}

TEST(PrologueStaging, GeneratedRavelAndNormalizeChainsMatchTheReference) {
  Engine engine;
  std::mt19937 rng(7);
  for (DType dtype : {DType::f32, DType::c128, DType::bf16, DType::i64}) {
    // Ravel alone (np.outer); ravel, then normalize the raveled operand (in the staged copy);
    // normalize the columns, then ravel (a prologue's axis is of the shape at its turn).
    std::vector<std::vector<ir::Prologue>> chains{{ir::Prologue{ir::PrologueKind::Ravel, 0, 0, 0}}};
    if (!isInteger(dtype)) {
      chains.push_back({ir::Prologue{ir::PrologueKind::Ravel, 0, 0, 0},
                        ir::Prologue{ir::PrologueKind::Normalize, 0, 0, 1e-7}});
      chains.push_back({ir::Prologue{ir::PrologueKind::Normalize, 0, 0, 1e-7},
                        ir::Prologue{ir::PrologueKind::Ravel, 0, 0, 0}});
    }
    for (std::size_t c = 0; c < chains.size(); ++c)
      for (Layout layout : {Layout::Contiguous, Layout::Permuted, Layout::Reversed}) {
        ir::IndexProgram program = programOf("i->i", {{12}}, dtype);
        program.operands[0].shape = {3, 4};
        program.prologues = chains[c];
        ir::verify(program);
        OwnedView input = randomView(dtype, {3, 4}, layout, rng);
        expectStagedAsTheReference(engine, program, input.view,
                                   std::string(dtypeName(dtype)) + " chain " + std::to_string(c) +
                                       " " + layoutName(layout));
      }
  }
}

TEST(PrologueStaging, NormalizeDividesEachFibreByItsNorm) {
  // SEMANTICS.md §9.4: x = [[1, 2, 2], [0, 3, 4]] normalized along axis 1.
  ir::IndexProgram program = withPrologue(programOf("ij,ij->i", {{2, 3}, {2, 3}}, DType::f32),
                                          ir::Prologue{ir::PrologueKind::Normalize, 0, 1, 1e-12});
  Tensor x = tensorOf(DType::f32, {2, 3}, {1, 2, 2, 0, 3, 4});
  Tensor staged = reference::applyPrologues(program, 0, x.view());
  EXPECT_EQ(staged.shape(), (Shape{2, 3}));
  std::vector<double> values = realValuesOf(staged.view());
  std::vector<double> expected{1.0 / 3, 2.0 / 3, 2.0 / 3, 0, 0.6, 0.8};
  ASSERT_EQ(values.size(), expected.size());
  for (std::size_t i = 0; i < values.size(); ++i)
    EXPECT_NEAR(values[i], expected[i], 1e-7) << i;
  // Along axis 0 the columns are the fibres; a zero fibre divides by epsilon and stays zero.
  program.prologues[0].axis = 0;
  Tensor columns = tensorOf(DType::f64, {2, 3}, {3, 0, 0, 4, 0, 5});
  program.dtype = DType::f64;
  EXPECT_EQ(realValuesOf(reference::applyPrologues(program, 0, columns.view()).view()),
            (std::vector<double>{0.6, 0, 0, 0.8, 0, 1}));
}

TEST(PrologueStaging, RavelReadsAStridedViewInCOrder) {
  // The operand keeps its declared shape; its indices name the raveled dimension.
  ir::IndexProgram program = withPrologue(programOf("i,i->", {{6}, {6}}, DType::i64),
                                          ir::Prologue{ir::PrologueKind::Ravel, 0, 0, 0});
  program.operands[0].shape = {3, 2};
  ir::verify(program);
  Tensor storage = arange(DType::i64, {2, 3});
  TensorView transposed(storage.data(), DType::i64, {3, 2}, {1, 3});
  Tensor staged = reference::applyPrologues(program, 0, transposed);
  EXPECT_EQ(staged.shape(), (Shape{6}));
  EXPECT_EQ(realValuesOf(staged.view()), (std::vector<double>{0, 3, 1, 4, 2, 5}));
}

TEST(PrologueStaging, ConjIsLeftToTheKernel) {
  ir::IndexProgram program = withPrologue(programOf("i,i->", {{2}, {2}}, DType::c128, {0}),
                                          ir::Prologue{ir::PrologueKind::Normalize, 0, 0, 1e-12});
  Tensor x(DType::c128, {2});
  x.as<std::complex<double>>()[0] = {0, 3};
  x.as<std::complex<double>>()[1] = {4, 0};
  std::vector<std::complex<double>> values =
      valuesOf(reference::applyPrologues(program, 0, x.view()).view());
  ASSERT_EQ(values.size(), 2u);
  EXPECT_NEAR(std::abs(values[0] - std::complex<double>(0, 0.6)), 0, 1e-15);
  EXPECT_NEAR(std::abs(values[1] - std::complex<double>(0.8, 0)), 0, 1e-15);
}

TEST(PrologueStaging, MisuseIsRefused) {
  ir::IndexProgram program = withPrologue(programOf("ij,ij->i", {{2, 3}, {2, 3}}, DType::f32),
                                          ir::Prologue{ir::PrologueKind::Normalize, 0, 1, 1e-7});
  Tensor wrong = arange(DType::f32, {3, 2});
  expectError([&] { reference::applyPrologues(program, 0, wrong.view()); }, ErrorKind::Misuse,
              {"reference::applyPrologues: x.shape[0] != 2 (3 != 2)"});
  Tensor doubles = arange(DType::f64, {2, 3});
  expectError([&] { reference::applyPrologues(program, 0, doubles.view()); }, ErrorKind::Misuse,
              {"x has dtype f64 but the program computes in f32."});
  program.dtype = DType::i32;
  Tensor integers = arange(DType::i32, {2, 3});
  expectError([&] { reference::applyPrologues(program, 0, integers.view()); },
              ErrorKind::Unsupported,
              {"reference::applyPrologues: normalize(x, axis=1) needs a floating-point"});
  expectError([&] { reference::applyPrologues(program, 2, integers.view()); }, ErrorKind::Internal,
              {"operand 2 of 2"});
}

} // namespace
} // namespace einjit::test
