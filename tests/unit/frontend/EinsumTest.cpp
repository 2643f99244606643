// einsum lowering (SEMANTICS.md §2, §11.5, §11.6): printed statements, output shapes and values
// through the reference interpreter. Errors are in EinsumErrorTest.cpp.
#include "EinsumTestSupport.h"

#include <string>
#include <vector>

namespace einjit::test {
namespace {

using frontend::EinsumDialect;

constexpr double kTolerance = 1e-9;

void expectValues(const std::vector<double>& actual, const std::vector<double>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], kTolerance) << "element " << i;
}

Tensor ar(const Shape& shape, double start = 0) {
  return arange(DType::f64, shape, start);
}

TEST(Einsum, MatrixProduct) {
  ir::IndexProgram program = lowerEinsum("ij,jk->ik", {{2, 3}, {3, 4}});
  EXPECT_EQ(ir::statementText(program), "out[i,k] = sum_j x[i,j] * y[j,k]");
  EXPECT_EQ(program.outputShape(), (Shape{2, 4}));
  EXPECT_EQ(program.dtype, DType::f64);
  expectValues(evaluate(program, {ar({2, 3}), ar({3, 4})}), {20, 23, 26, 29, 56, 68, 80, 92});
}

TEST(Einsum, OperandNamesAndDtypeComeFromTheCall) {
  ir::IndexProgram program = frontend::einsum("ij,jk", {{"a", {2, 3}}, {"b", {3, 4}}}, DType::f32);
  EXPECT_EQ(ir::statementText(program), "out[i,k] = sum_j a[i,j] * b[j,k]");
  EXPECT_EQ(program.dtype, DType::f32);
  EXPECT_EQ(program.operands[0].shape, (Shape{2, 3}));
}

TEST(Einsum, ImplicitOutputSortsLabelsByAsciiCode) {
  // 'ij,jh' -> 'hi': the transpose of the matrix product.
  ir::IndexProgram program = lowerEinsum("ij,jh", {{2, 3}, {3, 4}});
  EXPECT_EQ(ir::statementText(program), "out[h,i] = sum_j x[i,j] * y[j,h]");
  EXPECT_EQ(program.outputShape(), (Shape{4, 2}));
  expectValues(evaluate(program, {ar({2, 3}), ar({3, 4})}), {20, 56, 23, 68, 26, 80, 29, 92});
}

TEST(Einsum, ImplicitOutputPutsUppercaseBeforeLowercase) {
  EXPECT_EQ(einsumStatement("Ab,bC", {{2, 3}, {3, 4}}), "out[A,C] = sum_b x[A,b] * y[b,C]");
  EXPECT_EQ(einsumStatement("ba,a", {{2, 3}, {3}}), "out[b] = sum_a x[b,a] * y[a]");
  EXPECT_EQ(einsumStatement("zA", {{2, 3}}), "out[A,z] = x[z,A]");
}

TEST(Einsum, ImplicitOutputCountsRepeatsInsideOneOperand) {
  ir::IndexProgram trace = lowerEinsum("ii", {{3, 3}});
  EXPECT_EQ(ir::statementText(trace), "out[] = sum_i x[i,i]");
  EXPECT_EQ(trace.outputShape(), Shape{});
  expectValues(evaluate(trace, {ar({3, 3})}), {12});

  ir::IndexProgram frobenius = lowerEinsum("ij,ij", {{2, 3}, {2, 3}});
  EXPECT_EQ(ir::statementText(frobenius), "out[] = sum_{i,j} x[i,j] * y[i,j]");
  expectValues(evaluate(frobenius, {ar({2, 3}), ar({2, 3})}), {55});
}

TEST(Einsum, ImplicitOutputPutsEllipsisDimsFirst) {
  ir::IndexProgram program = lowerEinsum("i...,...j", {{2, 3, 4}, {3, 4, 5}});
  EXPECT_EQ(ir::statementText(program), "out[a,c,i,j] = x[i,a,c] * y[a,c,j]");
  EXPECT_EQ(program.outputShape(), (Shape{3, 4, 2, 5}));
}

TEST(Einsum, ExplicitOutputSumsEverythingElse) {
  ir::IndexProgram total = lowerEinsum("i->", {{4}});
  EXPECT_EQ(ir::statementText(total), "out[] = sum_i x[i]");
  expectValues(evaluate(total, {ar({4})}), {6});

  ir::IndexProgram columns = lowerEinsum("ij->j", {{2, 3}});
  EXPECT_EQ(ir::statementText(columns), "out[j] = sum_i x[i,j]");
  expectValues(evaluate(columns, {ar({2, 3})}), {3, 5, 7});

  EXPECT_EQ(einsumStatement("i,i->i", {{3}, {3}}), "out[i] = x[i] * y[i]");
  ir::IndexProgram batched = lowerEinsum("bij,bjk->bik", {{2, 2, 3}, {2, 3, 4}});
  EXPECT_EQ(ir::statementText(batched), "out[b,i,k] = sum_j x[b,i,j] * y[b,j,k]");
  EXPECT_EQ(batched.outputShape(), (Shape{2, 2, 4}));
}

TEST(Einsum, DiagonalAndTrace) {
  ir::IndexProgram diagonal = lowerEinsum("ii->i", {{3, 3}});
  EXPECT_EQ(ir::statementText(diagonal), "out[i] = x[i,i]");
  expectValues(evaluate(diagonal, {ar({3, 3})}), {0, 4, 8});

  ir::IndexProgram moved = lowerEinsum("iij->ji", {{2, 2, 3}});
  EXPECT_EQ(ir::statementText(moved), "out[j,i] = x[i,i,j]");
  expectValues(evaluate(moved, {ar({2, 2, 3})}), {0, 9, 1, 10, 2, 11});

  ir::IndexProgram around = lowerEinsum("i...i", {{3, 2, 3}});
  EXPECT_EQ(ir::statementText(around), "out[a] = sum_i x[i,a,i]");
  expectValues(evaluate(around, {ar({3, 2, 3})}), {21, 30});
}

TEST(Einsum, RepeatedLabelsFromNumpyRegressionTests) {
  // gh-10792: 'bbcdc->d' on arange(9).reshape(1, 1, 3, 1, 3) is [12].
  ir::IndexProgram program = lowerEinsum("bbcdc->d", {{1, 1, 3, 1, 3}});
  EXPECT_EQ(ir::statementText(program), "out[d] = sum_{b,c} x[b,b,c,d,c]");
  expectValues(evaluate(program, {ar({1, 1, 3, 1, 3})}), {12});
  // gh-14692: 'ijij->' is the trace of the trace.
  ir::IndexProgram traces = lowerEinsum("ijij->", {{2, 3, 2, 3}});
  EXPECT_EQ(ir::statementText(traces), "out[] = sum_{i,j} x[i,j,i,j]");
  expectValues(evaluate(traces, {ar({2, 3, 2, 3})}), {105});
  // gh-5147
  ir::IndexProgram pairs = lowerEinsum("aabb->ab", {{2, 2, 3, 3}});
  EXPECT_EQ(ir::statementText(pairs), "out[a,b] = x[a,a,b,b]");
  expectValues(evaluate(pairs, {ar({2, 2, 3, 3})}), {0, 4, 8, 27, 31, 35});
}

TEST(Einsum, ViewsFromNumpyTests) {
  EXPECT_EQ(einsumStatement("...", {{3, 3, 3}}), "out[a,c,d] = x[a,c,d]");
  ir::IndexProgram transposed = lowerEinsum("ji", {{2, 3}});
  EXPECT_EQ(ir::statementText(transposed), "out[i,j] = x[j,i]");
  expectValues(evaluate(transposed, {ar({2, 3})}), {0, 3, 1, 4, 2, 5});

  Tensor cube = ar({3, 3, 3});
  expectValues(einsumValues("...ii->...i", {cube}), {0, 4, 8, 9, 13, 17, 18, 22, 26});
  expectValues(einsumValues("...ii->i...", {cube}), {0, 9, 18, 4, 13, 22, 8, 17, 26});
  expectValues(einsumValues("jii->ij", {cube}), {0, 9, 18, 4, 13, 22, 8, 17, 26});
  expectValues(einsumValues("i...i->i...", {cube}), {0, 3, 6, 10, 13, 16, 20, 23, 26});
  // numpy compares these with the diagonals of a.transpose(2, 0, 1): out[r, i] = a[i, i, r].
  expectValues(einsumValues("ii...->...i", {cube}), {0, 12, 24, 1, 13, 25, 2, 14, 26});
  expectValues(einsumValues("ii...->i...", {cube}), {0, 1, 2, 12, 13, 14, 24, 25, 26});
}

TEST(Einsum, SumsFromNumpyTests) {
  expectValues(einsumValues("...i->...", {ar({2, 3})}), {3, 12});
  expectValues(einsumValues("i...->...", {ar({2, 3})}), {3, 5, 7});
  expectValues(einsumValues("..., ...", {f64({}, {3}), f64({}, {4})}), {12});
  EXPECT_EQ(einsumStatement("...i, ...i", {{2, 3}, {3}}), "out[a] = sum_i x[a,i] * y[i]");
  expectValues(einsumValues("...i, ...i", {ar({2, 3}), f64({3}, {1, 2, 3})}), {8, 26});
  expectValues(einsumValues("i..., i...", {ar({2, 3}), ar({2, 3})}), {9, 17, 29});
  expectValues(einsumValues("i,j", {f64({2}, {1, 2}), f64({3}, {3, 4, 5})}), {3, 4, 5, 6, 8, 10});
  expectValues(einsumValues("ij, j", {ar({2, 3}), ones({3})}), {3, 12});
  EXPECT_EQ(einsumStatement("ij,jk,kl", {{2, 2}, {2, 2}, {2, 2}}),
            "out[i,l] = sum_{j,k} x[i,j] * y[j,k] * z[k,l]");
  expectValues(einsumValues("ij,jk,kl", {ar({2, 2}), ar({2, 2}), ar({2, 2})}), {6, 11, 22, 39});
  expectValues(einsumValues("i,i,i->i", {f64({2}, {1, 2}), f64({2}, {3, 4}), f64({2}, {5, 6})}),
               {15, 48});
  expectValues(einsumValues(",i->", {f64({}, {3}), f64({3}, {1, 2, 3})}), {18});
  expectValues(einsumValues("i,->", {f64({3}, {1, 2, 3}), f64({}, {2})}), {12});
  expectValues(einsumValues("i,->i", {f64({3}, {1, 2, 3}), f64({}, {2})}), {2, 4, 6});
}

TEST(Einsum, TensordotOverTwoAxes) {
  // 'ijk, jil -> kl' is tensordot(a, b, axes=([1, 0], [0, 1])).
  Tensor a = ar({2, 3, 2});
  Tensor b = ar({3, 2, 2}, 1);
  ir::IndexProgram program = lowerEinsum("ijk, jil -> kl", {{2, 3, 2}, {3, 2, 2}});
  EXPECT_EQ(ir::statementText(program), "out[k,l] = sum_{i,j} x[i,j,k] * y[j,i,l]");
  std::vector<double> expected(4, 0.0);
  for (int k = 0; k < 2; ++k)
    for (int l = 0; l < 2; ++l)
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 3; ++j)
          expected[2 * k + l] += (6 * i + 2 * j + k) * (4 * j + 2 * i + l + 1);
  expectValues(evaluate(program, {a, b}), expected);
}

TEST(Einsum, LiteralValuesFromNumpyTests) {
  Tensor p = f64({2}, {1, 2});
  Tensor q = ar({2, 2}, 3);
  Tensor r = ar({2, 2}, 7);
  expectValues(einsumValues("z,mz,zm->", {p, q, r}), {253});
  expectValues(einsumValues("...ij,...jk->...ik", {ones({1, 5}, 0.5), ones({5, 5}, 0.5)}),
               {1.25, 1.25, 1.25, 1.25, 1.25});
  Tensor eye = f64({2, 2}, {1, 0, 0, 1});
  for (const char* subscripts : {"ji,i->", "i,ij->", "ij,i->"}) {
    bool vectorFirst = std::string(subscripts).rfind("i,", 0) == 0;
    expectValues(einsumValues(subscripts, vectorFirst ? std::vector<TensorInput>{ones({2}), eye}
                                                      : std::vector<TensorInput>{eye, ones({2})}),
                 {2});
  }
  expectValues(einsumValues("...i,...i", {f64({3}, {1, 2, 3}), f64({3}, {2, 3, 4})}), {20});
  expectValues(einsumValues("i,j", {f64({1}, {1}), f64({1}, {2})}), {2});
  ir::IndexProgram misc = lowerEinsum("ij...,j...->i...", {{1, 2}, {2, 2, 1}});
  EXPECT_EQ(misc.outputShape(), (Shape{1, 2, 1}));
  expectValues(evaluate(misc, {ones({1, 2}), ones({2, 2, 1})}), {2, 2});
}

TEST(Einsum, ThreeOperandsWithLabelsNamedLikeOperands) {
  std::vector<frontend::Arg> args = {{"a", {2}}, {"b", {2, 2}}, {"c", {4, 2}}};
  ir::IndexProgram program = frontend::einsum("x,yx,zx->xzy", args, DType::f64);
  EXPECT_EQ(ir::statementText(program), "out[x,z,y] = a[x] * b[y,x] * c[z,x]");
  expectValues(evaluate(program, {f64({2}, {1, 2}), ar({2, 2}, 1), ar({4, 2}, 1)}),
               {1, 3, 3, 9, 5, 15, 7, 21, 8, 16, 16, 32, 24, 48, 32, 64});
}

TEST(Einsum, ExplicitEllipsisPlacesBroadcastDims) {
  ir::IndexProgram program = lowerEinsum("ij...,jk...->ik...", {{2, 3, 5}, {3, 4, 5}});
  EXPECT_EQ(ir::statementText(program), "out[i,k,a] = sum_j x[i,j,a] * y[j,k,a]");
  EXPECT_EQ(program.outputShape(), (Shape{2, 4, 5}));
}

TEST(Einsum, EllipsisDimsAreRightAlignedAndBroadcastWithLiteralZero) {
  ir::IndexProgram program = lowerEinsum("...i,...i->...i", {{3, 1, 2}, {4, 2}});
  EXPECT_EQ(ir::statementText(program), "out[a,c,i] = x[a,0,i] * y[c,i]");
  EXPECT_EQ(program.outputShape(), (Shape{3, 4, 2}));
  std::vector<double> expected;
  for (int a = 0; a < 3; ++a)
    for (int c = 0; c < 4; ++c)
      for (int i = 0; i < 2; ++i)
        expected.push_back((2 * a + i) * (2 * c + i));
  expectValues(evaluate(program, {ar({3, 1, 2}), ar({4, 2})}), expected);
}

TEST(Einsum, EllipsisLettersAvoidTheUsersLetters) {
  EXPECT_EQ(einsumStatement("ab...,ac...->...bc", {{2, 3, 5}, {2, 4, 5}}),
            "out[d,b,c] = sum_a x[a,b,d] * y[a,c,d]");
}

TEST(Einsum, EllipsisCoveringNoDimsNeedsNoEllipsisInTheOutput) {
  ir::IndexProgram program = lowerEinsum("...ij,jk->ik", {{2, 3}, {3, 4}});
  EXPECT_EQ(ir::statementText(program), "out[i,k] = sum_j x[i,j] * y[j,k]");
}

TEST(Einsum, LabelledExtentOneBroadcasts) {
  ir::IndexProgram program = lowerEinsum("i,i", {{2}, {1}});
  EXPECT_EQ(ir::statementText(program), "out[] = sum_i x[i] * y[0]");
  expectValues(evaluate(program, {f64({2}, {1, 2}), f64({1}, {1})}), {3});
  // numpy test gh-10343 and SEMANTICS.md §2.7.
  ir::IndexProgram rows = lowerEinsum("ij,ij->j", {{10, 2}, {1, 2}});
  EXPECT_EQ(ir::statementText(rows), "out[j] = sum_i x[i,j] * y[0,j]");
  expectValues(evaluate(rows, {ones({10, 2}), ones({1, 2})}), {10, 10});
  expectValues(evaluate(rows, {ar({10, 2}, 1), ar({1, 2}, 1)}), {100, 220});
  expectValues(einsumValues("i, i", {f64({2}, {2, 3}), f64({1}, {4})}), {20});
}

TEST(Einsum, SingletonBroadcastingFromNumpyTests) {
  ir::IndexProgram program = lowerEinsum("ijp,ipq,ikq->ijk", {{3, 1, 1}, {3, 1, 3}, {1, 3, 3}});
  EXPECT_EQ(ir::statementText(program), "out[i,j,k] = sum_{p,q} x[i,j,p] * y[i,p,q] * z[0,k,q]");
  EXPECT_EQ(program.outputShape(), (Shape{3, 1, 3}));
  std::vector<double> expected;
  for (int i = 0; i < 3; ++i)
    for (int k = 0; k < 3; ++k) {
      double sum = 0;
      for (int q = 0; q < 3; ++q)
        sum += (i + 1) * (3 * i + q + 1) * (3 * k + q + 1);
      expected.push_back(sum);
    }
  expectValues(evaluate(program, {ar({3, 1, 1}, 1), ar({3, 1, 3}, 1), ar({1, 3, 3}, 1)}), expected);

  ir::IndexProgram diagonal = lowerEinsum("cacc,bcb->", {{1, 1, 1, 1}, {1, 4, 1}});
  EXPECT_EQ(ir::statementText(diagonal), "out[] = sum_{a,b,c} x[0,a,0,0] * y[b,c,b]");
  expectValues(evaluate(diagonal, {f64({1, 1, 1, 1}, {2}), ar({1, 4, 1}, 1)}), {20});
}

TEST(Einsum, ZeroDimensionalOperands) {
  ir::IndexProgram scalar = lowerEinsum("", {{}});
  EXPECT_EQ(ir::statementText(scalar), "out[] = x[]");
  expectValues(evaluate(scalar, {f64({}, {3})}), {3});
  expectValues(einsumValues(",->", {f64({}, {3}), f64({}, {4})}), {12});
  ir::IndexProgram scaled = lowerEinsum(",ij", {{}, {2, 3}});
  EXPECT_EQ(ir::statementText(scaled), "out[i,j] = x[] * y[i,j]");
  EXPECT_EQ(scaled.outputShape(), (Shape{2, 3}));
  expectValues(evaluate(scaled, {f64({}, {5}), ar({2, 3})}), {0, 5, 10, 15, 20, 25});
}

TEST(Einsum, SpacesAreIgnoredBetweenLabels) {
  // numpy test_spaces (gh-10794): every spacing of '...a->...a'.
  for (int mask = 0; mask < 16; ++mask) {
    std::string text;
    auto space = [&](int bit) { return (mask >> bit) & 1 ? " " : ""; };
    text = std::string(space(0)) + "...a" + space(1) + "->" + space(2) + "...a" + space(3);
    EXPECT_EQ(einsumStatement(text, {{1, 1}}), "out[c,a] = x[c,a]") << "'" << text << "'";
  }
  EXPECT_EQ(einsumStatement(" i j , j k -> i k ", {{2, 3}, {3, 4}}),
            "out[i,k] = sum_j x[i,j] * y[j,k]");
}

TEST(Einsum, BroadcastFormsFromNumpyTestsAgree) {
  // test_einsum_broadcast (gh-2455): each group equals its first, fully labelled, form.
  auto expectSame = [](const std::vector<std::string>& forms,
                       const std::vector<TensorInput>& inputs) {
    std::vector<double> reference = einsumValues(forms[0], inputs);
    for (std::size_t f = 1; f < forms.size(); ++f)
      expectValues(einsumValues(forms[f], inputs), reference);
  };
  expectSame({"ijk,j->ijk", "ij...,j...->ij...", "ij...,...j->ij...", "ij...,j->ij..."},
             {ar({2, 3, 4}), ar({3})});
  expectSame({"ik,kj->ij", "ik...,k...->i...", "ik...,...kj->i...j", "...k,kj", "ik,k...->i..."},
             {ar({4, 3}), ar({3, 2})});
  expectSame({"ijkl,k->ijl", "ijkl,k", "...kl,k...", "...kl,k"}, {ar({2, 3, 4, 5}), ar({4})});
  expectSame({"...lmn,lmno->...o", "...lmn,...lmno->...o"},
             {ar({1, 1, 1, 2, 2, 3}), ar({2, 2, 3, 3})});
  ir::IndexProgram large =
      lowerEinsum("...lmn,lmno->...o", {{1, 1, 1, 160, 160, 120}, {160, 160, 120, 3}});
  EXPECT_EQ(large.outputShape(), (Shape{1, 1, 1, 3}));
  EXPECT_EQ(
      ir::statementText(large),
      einsumStatement("...lmn,...lmno->...o", {{1, 1, 1, 160, 160, 120}, {160, 160, 120, 3}}));
}

TEST(Einsum, KerasOpsEinsumShapes) {
  // keras/src/ops/numpy_test.py, static shapes (SEMANTICS.md §11.6).
  EXPECT_EQ(lowerEinsum("ij,jk->ik", {{2, 3}, {3, 4}}).outputShape(), (Shape{2, 4}));
  EXPECT_EQ(lowerEinsum("ij,jk->ikj", {{2, 3}, {3, 4}}).outputShape(), (Shape{2, 4, 3}));
  EXPECT_EQ(lowerEinsum(",ij", {{}, {2, 3}}).outputShape(), (Shape{2, 3}));
  const Shape x{2, 3, 4}, y{3, 4, 5}, z{1, 1, 1, 9};
  EXPECT_EQ(lowerEinsum("ijk,jkl->li", {x, y}).outputShape(), (Shape{5, 2}));
  EXPECT_EQ(lowerEinsum("ijk,jkl->lij", {x, y}).outputShape(), (Shape{5, 2, 3}));
  EXPECT_EQ(lowerEinsum("...,...j->...j", {x, y}).outputShape(), (Shape{2, 3, 4, 5}));
  EXPECT_EQ(lowerEinsum("i...,...j->i...j", {x, y}).outputShape(), (Shape{2, 3, 4, 5}));
  EXPECT_EQ(lowerEinsum("i...,...j", {x, y}).outputShape(), (Shape{3, 4, 2, 5}));
  ir::IndexProgram three = lowerEinsum("i...,...j,...k", {x, y, z});
  EXPECT_EQ(three.outputShape(), (Shape{1, 3, 4, 2, 5, 9}));
  EXPECT_EQ(ir::statementText(three), "out[a,c,d,i,j,k] = x[i,c,d] * y[c,d,j] * z[a,0,0,k]");
  EXPECT_EQ(lowerEinsum("mij,ijk,...", {x, y, z}).outputShape(), (Shape{1, 1, 1, 9, 5, 2}));
}

TEST(Einsum, TorchSumsEllipsisDimsLeftOutOfTheOutput) {
  ir::IndexProgram program =
      lowerEinsum("...ij,...jk->ik", {{5, 2, 3}, {5, 3, 4}}, EinsumDialect::Torch);
  EXPECT_EQ(ir::statementText(program), "out[i,k] = sum_{a,j} x[a,i,j] * y[a,j,k]");
  EXPECT_EQ(program.outputShape(), (Shape{2, 4}));
  std::vector<double> expected(8, 0.0);
  for (int a = 0; a < 5; ++a)
    for (int i = 0; i < 2; ++i)
      for (int k = 0; k < 4; ++k)
        for (int j = 0; j < 3; ++j)
          expected[4 * i + k] += (6 * a + 3 * i + j) * (12 * a + 4 * j + k);
  expectValues(evaluate(program, {ar({5, 2, 3}), ar({5, 3, 4})}), expected);
}

TEST(Einsum, TorchImplicitOutputAndBroadcastingMatchNumpy) {
  for (const char* subscripts : {"i...,...j", "ij,jh", "Ab,bC", "ii", "...i,...i->...i"}) {
    std::vector<Shape> shapes;
    if (std::string(subscripts) == "i...,...j")
      shapes = {{2, 3, 4}, {3, 4, 5}};
    else if (std::string(subscripts) == "ii")
      shapes = {{3, 3}};
    else if (std::string(subscripts) == "...i,...i->...i")
      shapes = {{3, 1, 2}, {4, 2}};
    else
      shapes = {{2, 3}, {3, 4}};
    EXPECT_EQ(einsumStatement(subscripts, shapes, EinsumDialect::Torch),
              einsumStatement(subscripts, shapes))
        << subscripts;
  }
  EXPECT_EQ(einsumStatement("i,i", {{2}, {1}}, EinsumDialect::Torch), "out[] = sum_i x[i] * y[0]");
}

TEST(Einsum, SublistFormMapsIntsToLetters) {
  using frontend::PyValue;
  std::vector<frontend::Arg> args = einsumArgs({{2, 3}, {3, 4}});
  ir::IndexProgram implicit = frontend::einsumSublist(
      args, {PyValue::ints({0, 1}), PyValue::ints({1, 2})}, std::nullopt, DType::f64);
  EXPECT_EQ(ir::statementText(implicit), "out[A,C] = sum_B x[A,B] * y[B,C]");
  expectValues(evaluate(implicit, {ar({2, 3}), ar({3, 4})}), {20, 23, 26, 29, 56, 68, 80, 92});
  ir::IndexProgram explicitOut = frontend::einsumSublist(
      args, {PyValue::ints({0, 1}), PyValue::ints({1, 2})}, PyValue::ints({2, 0}), DType::f64);
  EXPECT_EQ(ir::statementText(explicitOut), "out[C,A] = sum_B x[A,B] * y[B,C]");
  // test_subscript_range: 0, 20, 27 and 51 are valid; 26 and up are lowercase.
  ir::IndexProgram range =
      frontend::einsumSublist(einsumArgs({{1, 2, 3, 4}}),
                              {PyValue::tuple({PyValue::fromInt(51), PyValue::fromInt(0),
                                               PyValue::fromInt(27), PyValue::fromInt(20)})},
                              std::nullopt, DType::f64);
  EXPECT_EQ(ir::statementText(range), "out[A,U,b,z] = x[z,A,b,U]");
}

TEST(Einsum, SublistFormWithEllipsis) {
  using frontend::PyValue;
  for (EinsumDialect dialect : {EinsumDialect::Numpy, EinsumDialect::Torch}) {
    ir::IndexProgram program = frontend::einsumSublist(
        einsumArgs({{2, 3, 4}, {4}}),
        {PyValue::list({PyValue::ellipsis(), PyValue::fromInt(0)}), PyValue::ints({0})},
        PyValue::list({PyValue::ellipsis()}), DType::f64, dialect);
    EXPECT_EQ(ir::statementText(program), "out[a,c] = sum_A x[a,c,A] * y[A]");
    expectValues(evaluate(program, {ar({2, 3, 4}), ones({4})}), {6, 22, 38, 54, 70, 86});
  }
}

TEST(Einsum, UppercaseAndLowercaseAreDifferentLabels) {
  EXPECT_EQ(einsumStatement("iI", {{2, 3}}), "out[I,i] = x[i,I]");
  ir::IndexProgram outer = lowerEinsum("i,I", {{2}, {3}});
  EXPECT_EQ(ir::statementText(outer), "out[I,i] = x[i] * y[I]");
  EXPECT_EQ(outer.outputShape(), (Shape{3, 2}));
}

TEST(Einsum, EllipsisExtentsBroadcastInBothDirections) {
  ir::IndexProgram program = lowerEinsum("...i,...i", {{2, 1, 3}, {1, 4, 3}});
  EXPECT_EQ(ir::statementText(program), "out[a,c] = sum_i x[a,0,i] * y[0,c,i]");
  EXPECT_EQ(program.outputShape(), (Shape{2, 4}));
  std::vector<double> expected;
  for (int a = 0; a < 2; ++a)
    for (int c = 0; c < 4; ++c) {
      double sum = 0;
      for (int i = 0; i < 3; ++i)
        sum += (3 * a + i) * (3 * c + i);
      expected.push_back(sum);
    }
  expectValues(evaluate(program, {ar({2, 1, 3}), ar({1, 4, 3})}), expected);
}

TEST(Einsum, EllipsisInTheMiddleOfTheOutput) {
  ir::IndexProgram program = lowerEinsum("i...j->j...i", {{2, 3, 4, 5}});
  EXPECT_EQ(ir::statementText(program), "out[j,a,c,i] = x[i,a,c,j]");
  EXPECT_EQ(program.outputShape(), (Shape{5, 3, 4, 2}));
}

TEST(Einsum, ZeroExtents) {
  ir::IndexProgram empty = lowerEinsum("ij,jk->ik", {{2, 0}, {0, 3}});
  EXPECT_EQ(empty.outputShape(), (Shape{2, 3}));
  expectValues(evaluate(empty, {ar({2, 0}), ar({0, 3})}), {0, 0, 0, 0, 0, 0});
  // An extent 1 broadcasts to 0 as numpy broadcasting does.
  ir::IndexProgram stretched = lowerEinsum("i,i->i", {{0}, {1}});
  EXPECT_EQ(ir::statementText(stretched), "out[i] = x[i] * y[0]");
  EXPECT_EQ(stretched.outputShape(), (Shape{0}));
}

TEST(Einsum, SinglePrecisionValues) {
  ir::IndexProgram program =
      frontend::einsum("bik,bjk->bij", einsumArgs({{2, 2, 3}, {2, 2, 3}}), DType::f32);
  EXPECT_EQ(ir::statementText(program), "out[b,i,j] = sum_k x[b,i,k] * y[b,j,k]");
  Tensor x = arange(DType::f32, {2, 2, 3});
  expectValues(evaluate(program, {x, x}), {5, 14, 14, 50, 149, 212, 212, 302});
}

TEST(Einsum, OutputIsRenamedWhenAnOperandIsCalledOut) {
  ir::IndexProgram program =
      frontend::einsum("ij,jk", {{"out", {2, 3}}, {"out1", {3, 4}}}, DType::f64);
  EXPECT_EQ(ir::statementText(program), "out2[i,k] = sum_j out[i,j] * out1[j,k]");
}

} // namespace
} // namespace einjit::test
