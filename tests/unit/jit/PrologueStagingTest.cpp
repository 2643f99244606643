// The prologue staging the engine runs before its kernel (reference::applyPrologues): ravel in C
// order of any strided view, normalize in the wide type, conj left to the kernel, and misuse
// refused in the interpreter's words.
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
