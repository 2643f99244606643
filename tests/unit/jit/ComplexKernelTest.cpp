// Complex contractions by the complex kernels ((re, im) pairs in vector lanes,
// codegen/ComplexLanes.cpp), checked against the reference interpreter for both complex dtypes
// over edge shapes (not multiples of the vector), batch and interleaved labels, transposed,
// padded and reversed views, conjugated operands, real and complex alpha and beta.
#include "JitTestSupport.h"
#include "engine/EngineImpl.h"
#include "reference/Interpreter.h"

#include <gtest/gtest.h>

#include <complex>

namespace einjit::test {
namespace {

struct ComplexCase {
  std::string spec;
  std::vector<Shape> shapes;
  std::vector<std::size_t> conjugated;
};

const std::vector<ComplexCase>& cases() {
  static const std::vector<ComplexCase> all{
      {"ik,kj->ij", {{37, 61}, {61, 45}}, {}},
      {"ik,kj->ij", {{64, 64}, {64, 64}}, {0}},
      {"ik,jk->ij", {{33, 70}, {29, 70}}, {1}},
      {"bik,bkj->bij", {{3, 17, 40}, {3, 40, 23}}, {0, 1}},
      {"abcd,dbef->acef", {{6, 5, 7, 9}, {9, 5, 8, 6}}, {}},
      {"ikc,jkc->ijc", {{19, 13, 5}, {21, 13, 5}}, {}},
      {"fdtk,fetl->fkdle", {{3, 4, 50, 5}, {3, 3, 50, 4}}, {}},
  };
  return all;
}

struct Scalars {
  std::complex<double> alpha;
  std::complex<double> beta;
};

class ComplexKernel : public ::testing::TestWithParam<DType> {};

TEST_P(ComplexKernel, MatchesTheInterpreter) {
  DType dtype = GetParam();
  Engine engine;
  std::mt19937 rng(17);
  const std::vector<Layout> layouts{Layout::Contiguous, Layout::Permuted, Layout::Padded,
                                    Layout::Reversed};
  const std::vector<Scalars> scalars{{{1, 0}, {0, 0}}, {{-0.5, 0}, {2, 0}}, {{1, 0}, {1, 0}},
                                     {{0, 1}, {0, 0}}, {{1, 0}, {0.5, -1}}, {{2, -1}, {1, 1}}};
  for (const ComplexCase& c : cases()) {
    ir::IndexProgram program = programOf(c.spec, c.shapes, dtype, c.conjugated);
    Plan plan = EngineAccess::planProgram(engine, program, true);
    for (std::size_t variant = 0; variant < layouts.size() * scalars.size(); ++variant) {
      Layout inputLayout = layouts[variant % layouts.size()];
      Layout outputLayout = layouts[(variant / 2) % layouts.size()];
      const Scalars& s = scalars[variant % scalars.size()];
      OwnedViews inputs = randomViews(dtype, c.shapes, inputLayout, rng);
      const std::vector<TensorView>& views = inputs.views;
      OwnedView initial = randomView(dtype, program.outputShape(), outputLayout, rng);
      OwnedView out = copyOf(initial);
      OwnedView expected = copyOf(initial);
      reference::interpret(program, views, expected.view, {s.alpha, s.beta});
      RunOptions options;
      options.alpha = s.alpha;
      options.beta = s.beta;
      plan.run(views, out.view, options);
      std::ostringstream context;
      context << c.spec << " " << dtypeName(dtype) << " inputs " << layoutName(inputLayout)
              << " out " << layoutName(outputLayout) << " alpha " << s.alpha << " beta " << s.beta;
      expectClose(out.view, expected.view, toleranceOf(dtype, false), context.str());
    }
  }
}

TEST_P(ComplexKernel, TheComplexKernelRunsItselfNotFourRealProducts) {
  // The interleaved complex kernel (codegen/ComplexLanes.cpp) outran the four packed real
  // products of the 4M method on every shape measured (docs/architecture.md), so a complex GEMM
  // runs its own nest, over the complex dtype.
  Engine engine;
  std::string text = EngineAccess::planProgram(
                         engine, programOf("ik,kj->ij", {{64, 64}, {64, 64}}, GetParam()), true)
                         .explain(ExplainStage::Loops);
  EXPECT_NE(text.find("loop nest " + std::string(dtypeName(GetParam()))), std::string::npos)
      << text;
  EXPECT_EQ(text.find("strategy packed"), std::string::npos) << text;
}

TEST_P(ComplexKernel, HugeSummedExtentsPlanWithoutOverflow) {
  // 2^80 summed terms per element (k and l each 2^40, in different operands): planning counts
  // them without overflowing (UBSan would report it).
  Engine engine;
  std::int64_t huge = std::int64_t{1} << 40;
  Plan plan = EngineAccess::planProgram(
      engine, programOf("ik,jl->ij", {{2, huge}, {2, huge}}, GetParam()), false);
  EXPECT_EQ(plan.outputShape(), (Shape{2, 2}));
}

INSTANTIATE_TEST_SUITE_P(Dtypes, ComplexKernel, ::testing::Values(DType::c64, DType::c128),
                         [](const ::testing::TestParamInfo<DType>& info) {
                           return std::string(dtypeName(info.param));
                         });

} // namespace
} // namespace einjit::test
