// einsum with three and more operands: the contraction-path cases of numpy's test_einsum.py
// (SEMANTICS.md §11.5, shapes from {a:2, b:3, c:4, d:5, e:4, f:3, g:2, h:6}) lower to one
// statement over all operands, whatever path a later pass picks.
#include "EinsumTestSupport.h"

#include <map>
#include <string>
#include <vector>

namespace einjit::test {
namespace {

// The shapes numpy's path tests give each term, from the extent of each letter.
std::vector<Shape> pathShapes(const std::string& subscripts) {
  static const std::map<char, std::int64_t> sizes = {{'a', 2}, {'b', 3}, {'c', 4}, {'d', 5},
                                                     {'e', 4}, {'f', 3}, {'g', 2}, {'h', 6}};
  std::vector<Shape> shapes(1);
  for (char c : subscripts.substr(0, subscripts.find('-'))) {
    if (c == ',')
      shapes.emplace_back();
    else
      shapes.back().push_back(sizes.at(c));
  }
  return shapes;
}

struct PathCase {
  std::string subscripts;
  Shape outputShape;
  std::string statement;
};

TEST(EinsumMultiOperand, PathCasesFromNumpyTests) {
  const std::vector<PathCase> cases = {
      {"a,ab,abc->abc", {2, 3, 4}, "out[a,b,c] = x[a] * y[a,b] * z[a,b,c]"},
      {"ea,fb,gc,hd,abcd->efgh",
       {4, 3, 2, 6},
       "out[e,f,g,h] = sum_{a,b,c,d} x0[e,a] * x1[f,b] * x2[g,c] * x3[h,d] * x4[a,b,c,d]"},
      {"ab,ab,c->", {}, "out[] = sum_{a,b,c} x[a,b] * y[a,b] * z[c]"},
      {"ab,cd,ef->abcdef", {2, 3, 4, 5, 4, 3}, "out[a,b,c,d,e,f] = x[a,b] * y[c,d] * z[e,f]"},
      {"dd,fb,be,cdb->cef",
       {4, 4, 3},
       "out[c,e,f] = sum_{d,b} x0[d,d] * x1[f,b] * x2[b,e] * x3[c,d,b]"},
      {"abcd,ad", {3, 4}, "out[b,c] = sum_{a,d} x[a,b,c,d] * y[a,d]"},
      {"ab,ba", {}, "out[] = sum_{a,b} x[a,b] * y[b,a]"},
      {"abc,cba", {}, "out[] = sum_{a,b,c} x[a,b,c] * y[c,b,a]"},
      {"aab,fa,df,ecc->bde",
       {3, 5, 4},
       "out[b,d,e] = sum_{a,f,c} x0[a,a,b] * x1[f,a] * x2[d,f] * x3[e,c,c]"},
      {"bb,ff,be->e", {4}, "out[e] = sum_{b,f} x[b,b] * y[f,f] * z[b,e]"},
  };
  for (const PathCase& path : cases) {
    SCOPED_TRACE(path.subscripts);
    ir::IndexProgram program = lowerEinsum(path.subscripts, pathShapes(path.subscripts));
    EXPECT_EQ(program.outputShape(), path.outputShape);
    EXPECT_EQ(ir::statementText(program), path.statement);
  }
}

TEST(EinsumMultiOperand, ThreeOperandValuesAgainstLoops) {
  Tensor x = arange(DType::f64, {3, 3});
  Tensor y = arange(DType::f64, {3, 3}, 1);
  Tensor z = arange(DType::f64, {3, 4}, 2);
  // 'bb,ff,be->e' = trace(y) * sum_b x[b,b] * z[b,e].
  std::vector<double> expected(4, 0.0);
  for (int b = 0; b < 3; ++b)
    for (int f = 0; f < 3; ++f)
      for (int e = 0; e < 4; ++e)
        expected[e] += (4 * b) * (4 * f + 1) * (4 * b + e + 2);
  std::vector<double> actual = einsumValues("bb,ff,be->e", {x, y, z});
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t e = 0; e < expected.size(); ++e)
    EXPECT_NEAR(actual[e], expected[e], 1e-9);

  // 'ab,ab,c->' is the Frobenius product times the sum of z.
  Tensor a = arange(DType::f64, {2, 3});
  Tensor c = arange(DType::f64, {4}, 1);
  std::vector<double> scalar = einsumValues("ab,ab,c->", {a, a, c});
  ASSERT_EQ(scalar.size(), 1u);
  EXPECT_NEAR(scalar[0], 55.0 * 10.0, 1e-9);
}

TEST(EinsumMultiOperand, ManyOperandsGetNumberedNames) {
  ir::IndexProgram program =
      lowerEinsum("i,i,i,i->i", {{2}, {2}, {2}, {2}}, frontend::EinsumDialect::Torch);
  EXPECT_EQ(ir::statementText(program), "out[i] = x0[i] * x1[i] * x2[i] * x3[i]");
  Tensor v = tensorOf(DType::f64, {2}, {2, 3});
  std::vector<double> values = evaluate(program, {v, v, v, v});
  ASSERT_EQ(values.size(), 2u);
  EXPECT_NEAR(values[0], 16, 1e-9);
  EXPECT_NEAR(values[1], 81, 1e-9);
}

TEST(EinsumMultiOperand, EllipsisBroadcastsAcrossThreeOperands) {
  // '...' covers (2, 1), (4,) and nothing: right-aligned, literal 0 where extent 1 stretches.
  ir::IndexProgram program = lowerEinsum("...i,...i,i->...", {{2, 1, 3}, {4, 3}, {3}});
  EXPECT_EQ(ir::statementText(program), "out[a,c] = sum_i x[a,0,i] * y[c,i] * z[i]");
  EXPECT_EQ(program.outputShape(), (Shape{2, 4}));
  std::vector<double> expected;
  for (int a = 0; a < 2; ++a)
    for (int c = 0; c < 4; ++c) {
      double sum = 0;
      for (int i = 0; i < 3; ++i)
        sum += (3 * a + i) * (3 * c + i) * (i + 1);
      expected.push_back(sum);
    }
  std::vector<double> actual =
      evaluate(program, {arange(DType::f64, {2, 1, 3}), arange(DType::f64, {4, 3}),
                         arange(DType::f64, {3}, 1)});
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t k = 0; k < expected.size(); ++k)
    EXPECT_NEAR(actual[k], expected[k], 1e-9);
}

TEST(EinsumMultiOperand, BroadcastFailureListsEveryOperand) {
  // The iterator's dims are the output's (i, l) then the summed letters in ASCII order (j, k).
  Error error = expectError(
      [] {
        lowerEinsum("ij,jk,kl->il", {{2, 3}, {3, 4}, {5, 6}});
      },
      ErrorKind::Shape,
      {"einsum: operands could not be broadcast together with remapped shapes "
       "[original->remapped]: (2,3)->(2,newaxis,3,newaxis) (3,4)->(3,4) (5,6)->(6,newaxis,5); "
       "subscript 'k': y.shape[1] != z.shape[0] (4 != 5)"});
  expectSpan(error, 6, 7);
}

} // namespace
} // namespace einjit::test
