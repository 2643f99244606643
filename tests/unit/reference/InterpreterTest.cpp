// The reference interpreter on hand-computed values: every dtype, diagonals, literal 0, conj,
// alpha/beta, the prologues, empty extents and misuse errors. Programs are written as IR text.
#include "reference/Interpreter.h"

#include "TestSupport.h"

#include <chrono>
#include <cmath>
#include <limits>

namespace einjit::reference {
namespace {

using test::arange;
using test::expectError;
using test::realValuesOf;
using test::tensorOf;
using test::valuesOf;

void* const kNoData = nullptr;

ir::IndexProgram program(const std::string& text) {
  return ir::parseIndexProgram(text);
}

Tensor complexTensor(DType dtype, const Shape& shape,
                     const std::vector<std::complex<double>>& values) {
  Tensor tensor(dtype, shape);
  EXPECT_EQ(static_cast<std::int64_t>(values.size()), tensor.elements());
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (dtype == DType::c64)
      tensor.as<std::complex<float>>()[i] = std::complex<float>(values[i]);
    else
      tensor.as<std::complex<double>>()[i] = values[i];
  }
  return tensor;
}

void expectNear(const std::vector<double>& actual, const std::vector<double>& expected,
                double tolerance) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], tolerance) << "element " << i;
}

const char* const kMatmulText = "x: DT[2,3]\ny: DT[3,2]\nout[i,j] = sum_k x[i,k] * y[k,j]\n";

std::string withDType(std::string text, DType dtype) {
  for (std::size_t at; (at = text.find("DT")) != std::string::npos;)
    text.replace(at, 2, dtypeName(dtype));
  return text;
}

// bf16 and f16 sum wide and round once into the output: 256 + 1 + 1 + 1 + 1 is 260 in bf16,
// where rounding after each step would stay at 256 (257 is a tie that rounds to the even 256);
// likewise 2048 + 4 × 1 in f16.
TEST(Interpreter, HalfPrecisionRoundsOnceAtTheEnd) {
  struct Case {
    DType dtype;
    double big;
  };
  for (Case c : {Case{DType::bf16, 256}, Case{DType::f16, 2048}}) {
    SCOPED_TRACE(dtypeName(c.dtype));
    Tensor x = tensorOf(c.dtype, {5}, {c.big, 1, 1, 1, 1});
    Tensor ones = tensorOf(c.dtype, {5}, {1, 1, 1, 1, 1});
    ir::IndexProgram dot =
        program(withDType("x: DT[5]\ny: DT[5]\nout[] = sum_i x[i] * y[i]", c.dtype));
    EXPECT_EQ(realValuesOf(interpret(dot, {x.view(), ones.view()}).view()),
              (std::vector<double>{c.big + 4}));
    // alpha and beta join the wide sum before the one rounding: 0.5 * 260 + 1 * 1 = 131, which
    // bf16 holds (steps of 1 up to 256), and 0.5 * 2052 + 1 = 1027 in f16.
    Tensor out = tensorOf(c.dtype, {}, {1});
    InterpretOptions options;
    options.alpha = 0.5;
    options.beta = 1;
    interpret(dot, {x.view(), ones.view()}, out.view(), options);
    EXPECT_EQ(realValuesOf(out.view()), (std::vector<double>{(c.big + 4) / 2 + 1}));
  }
  // The wide result rounds to nearest even, directly from double: 1 + 2^-8 + 2^-30 is just
  // above the bf16 tie 1 + 2^-8 and goes up; a double rounding (to float, then bf16) would go
  // to 1.
  Tensor x = tensorOf(DType::bf16, {3}, {1, 0x1p-8, 0x1p-30});
  ir::IndexProgram sum = program("x: bf16[3]\nout[] = sum_i x[i]");
  EXPECT_EQ(realValuesOf(interpret(sum, {x.view()}).view()), (std::vector<double>{1 + 0x1p-7}));
}

TEST(Interpreter, MatmulInEveryDType) {
  // arange(6).reshape(2,3) @ (arange(6).reshape(3,2) + 1) = [[13,16],[40,52]].
  for (DType dtype : {DType::f32, DType::f64, DType::i32, DType::i64, DType::c64, DType::c128,
                      DType::bf16, DType::f16}) {
    SCOPED_TRACE(dtypeName(dtype));
    Tensor x = arange(dtype, {2, 3});
    Tensor y = arange(dtype, {3, 2}, 1);
    Tensor out = interpret(program(withDType(kMatmulText, dtype)), {x.view(), y.view()});
    EXPECT_EQ(out.dtype(), dtype);
    EXPECT_EQ(out.shape(), (Shape{2, 2}));
    EXPECT_EQ(realValuesOf(out.view()), (std::vector<double>{13, 16, 40, 52}));
  }
}

TEST(Interpreter, ComplexProductsUseBothParts) {
  Tensor x = complexTensor(DType::c128, {2}, {{1, 2}, {3, -1}});
  Tensor y = complexTensor(DType::c128, {2}, {{2, 1}, {1, 1}});
  // (1+2i)(2+i) + (3-i)(1+i) = 5i + (4+2i) = 4+7i
  Tensor plain =
      interpret(program("x: c128[2]\ny: c128[2]\nout[] = sum_i x[i] * y[i]"), {x.view(), y.view()});
  EXPECT_EQ(valuesOf(plain.view()), (std::vector<std::complex<double>>{{4, 7}}));
  // conj(x): (1-2i)(2+i) + (3+i)(1+i) = (4-3i) + (2+4i) = 6+i
  Tensor conjugated = interpret(program("x: c64[2]\ny: c64[2]\nout[] = sum_i conj(x[i]) * y[i]"),
                                {complexTensor(DType::c64, {2}, {{1, 2}, {3, -1}}).view(),
                                 complexTensor(DType::c64, {2}, {{2, 1}, {1, 1}}).view()});
  EXPECT_EQ(valuesOf(conjugated.view()), (std::vector<std::complex<double>>{{6, 1}}));
}

TEST(Interpreter, ConjOnRealDTypeIsIdentity) {
  Tensor x = tensorOf(DType::f64, {2}, {1, 2});
  Tensor out = interpret(program("x: f64[2]\nout[i] = conj(x[i])"), {x.view()});
  EXPECT_EQ(realValuesOf(out.view()), (std::vector<double>{1, 2}));
}

TEST(Interpreter, IntegersWrapAroundLikeNumpy) {
  Tensor x = tensorOf(DType::i32, {2}, {70000, 1});
  Tensor y = tensorOf(DType::i32, {2}, {70000, 5});
  Tensor out32 =
      interpret(program("x: i32[2]\ny: i32[2]\nout[] = sum_k x[k] * y[k]"), {x.view(), y.view()});
  // 70000² = 4900000000 wraps to 4900000000 - 2³² = 605032704; plus 5.
  EXPECT_EQ(out32.as<std::int32_t>()[0], 605032709);

  Tensor a = tensorOf(DType::i64, {2}, {std::ldexp(1.0, 62), 3});
  Tensor b = tensorOf(DType::i64, {2}, {2, 1});
  Tensor out64 =
      interpret(program("x: i64[2]\ny: i64[2]\nout[] = sum_k x[k] * y[k]"), {a.view(), b.view()});
  // 2⁶² · 2 = 2⁶³ wraps to -2⁶³; plus 3.
  EXPECT_EQ(out64.as<std::int64_t>()[0], std::numeric_limits<std::int64_t>::min() + 3);
}

TEST(Interpreter, FloatAccumulatesWide) {
  // 1 + 2⁻³⁰ · 1024 terms: float accumulation would lose every small term.
  std::vector<double> values(1025, std::ldexp(1.0, -30));
  values[0] = 1;
  Tensor x = tensorOf(DType::f32, {1025}, values);
  Tensor out = interpret(program("x: f32[1025]\nout[] = sum_i x[i]"), {x.view()});
  EXPECT_EQ(out.as<float>()[0], static_cast<float>(1 + std::ldexp(1.0, -20)));
}

TEST(Interpreter, DiagonalsAndTraces) {
  Tensor a = arange(DType::f64, {3, 3});
  EXPECT_EQ(realValuesOf(interpret(program("a: f64[3,3]\nout[i] = a[i,i]"), {a.view()}).view()),
            (std::vector<double>{0, 4, 8}));
  EXPECT_EQ(
      realValuesOf(interpret(program("a: f64[3,3]\nout[] = sum_i a[i,i]"), {a.view()}).view()),
      (std::vector<double>{12}));
  // SEMANTICS §11.5: 'bbcdc->d' on arange(9).reshape(1,1,3,1,3) -> [12].
  Tensor c = arange(DType::f64, {1, 1, 3, 1, 3});
  Tensor out = interpret(program("a: f64[1,1,3,1,3]\nout[d] = sum_{b,c} a[b,b,c,d,c]"), {c.view()});
  EXPECT_EQ(out.shape(), (Shape{1}));
  EXPECT_EQ(realValuesOf(out.view()), (std::vector<double>{12}));
  // 'iij->ji' on arange(12).reshape(2,2,3): a[0,0,:] = 0 1 2, a[1,1,:] = 9 10 11.
  Tensor d = arange(DType::i64, {2, 2, 3});
  EXPECT_EQ(
      realValuesOf(interpret(program("a: i64[2,2,3]\nout[j,i] = a[i,i,j]"), {d.view()}).view()),
      (std::vector<double>{0, 9, 1, 10, 2, 11}));
}

TEST(Interpreter, LiteralZeroBroadcastsAndAddsUnitOutputDims) {
  // SEMANTICS §11.5 "i, i" with [2,3],[4] -> 20.
  Tensor a = tensorOf(DType::f64, {2}, {2, 3});
  Tensor b = tensorOf(DType::f64, {1}, {4});
  Tensor out =
      interpret(program("a: f64[2]\nb: f64[1]\nout[] = sum_i a[i] * b[0]"), {a.view(), b.view()});
  EXPECT_EQ(realValuesOf(out.view()), (std::vector<double>{20}));
  // K.batch_dot of (2,3) and (2,3): out[b,0], shape (2,1).
  Tensor x = arange(DType::f32, {2, 3});
  Tensor unit = interpret(program("x: f32[2,3]\ny: f32[2,3]\nout[b,0] = sum_k x[b,k] * y[b,k]"),
                          {x.view(), x.view()});
  EXPECT_EQ(unit.shape(), (Shape{2, 1}));
  EXPECT_EQ(realValuesOf(unit.view()), (std::vector<double>{5, 50}));
}

TEST(Interpreter, ThreeOperandsAndPureReduction) {
  // SEMANTICS §11.5: 'z,mz,zm->' with p=[1,2], q=arange(4).reshape(2,2)+3,
  // r=arange(4).reshape(2,2)+7 -> 253.
  Tensor p = tensorOf(DType::f64, {2}, {1, 2});
  Tensor q = arange(DType::f64, {2, 2}, 3);
  Tensor r = arange(DType::f64, {2, 2}, 7);
  Tensor out =
      interpret(program("p: f64[2]\nq: f64[2,2]\nr: f64[2,2]\nout[] = sum_{z,m} p[z] * q[m,z] * "
                        "r[z,m]"),
                {p.view(), q.view(), r.view()});
  EXPECT_EQ(realValuesOf(out.view()), (std::vector<double>{253}));
  // 'x,yx,zx->xzy' (SEMANTICS §11.5 test_einsum_misc).
  Tensor a = tensorOf(DType::i32, {2}, {1, 2});
  Tensor b = arange(DType::i32, {2, 2}, 1);
  Tensor c = arange(DType::i32, {4, 2}, 1);
  Tensor xzy = interpret(program("a: i32[2]\nb: i32[2,2]\nc: i32[4,2]\nout[x,z,y] = a[x] * "
                                 "b[y,x] * c[z,x]"),
                         {a.view(), b.view(), c.view()});
  EXPECT_EQ(xzy.shape(), (Shape{2, 4, 2}));
  EXPECT_EQ(realValuesOf(xzy.view()),
            (std::vector<double>{1, 3, 3, 9, 5, 15, 7, 21, 8, 16, 16, 32, 24, 48, 32, 64}));
}

TEST(Interpreter, AlphaAndBeta) {
  ir::IndexProgram matmul = program(withDType(kMatmulText, DType::f64));
  Tensor x = arange(DType::f64, {2, 3});
  Tensor y = arange(DType::f64, {3, 2}, 1);
  Tensor out = tensorOf(DType::f64, {2, 2}, {1, 2, 3, 4});
  interpret(matmul, {x.view(), y.view()}, out.view(), {2.0, 10.0});
  EXPECT_EQ(realValuesOf(out.view()), (std::vector<double>{36, 52, 110, 144}));

  // beta == 0 must not read the output, as in BLAS: NaN there does not leak.
  Tensor nans = tensorOf(DType::f64, {2, 2}, std::vector<double>(4, std::nan("")));
  interpret(matmul, {x.view(), y.view()}, nans.view(), {1.0, 0.0});
  EXPECT_EQ(realValuesOf(nans.view()), (std::vector<double>{13, 16, 40, 52}));

  // Complex alpha: i · (4+7i) = -7+4i; real dtypes use the real part; integers round.
  Tensor cx = complexTensor(DType::c128, {2}, {{1, 2}, {3, -1}});
  Tensor cy = complexTensor(DType::c128, {2}, {{2, 1}, {1, 1}});
  Tensor cout = complexTensor(DType::c128, {}, {{0, 0}});
  interpret(program("x: c128[2]\ny: c128[2]\nout[] = sum_i x[i] * y[i]"), {cx.view(), cy.view()},
            cout.view(), {{0, 1}, {0, 0}});
  EXPECT_EQ(valuesOf(cout.view()), (std::vector<std::complex<double>>{{-7, 4}}));
  Tensor ix = arange(DType::i32, {2, 3});
  Tensor iy = arange(DType::i32, {3, 2}, 1);
  Tensor iout = tensorOf(DType::i32, {2, 2}, {1, 1, 1, 1});
  interpret(program(withDType(kMatmulText, DType::i32)), {ix.view(), iy.view()}, iout.view(),
            {{2.4, 5}, {-1.0, 0}});
  EXPECT_EQ(realValuesOf(iout.view()), (std::vector<double>{25, 31, 79, 103}));
}

TEST(Interpreter, NormalizeGivesCosines) {
  // SEMANTICS §9.4: Dot(axes=1, normalize=True) on x=[[1,2,2],[0,3,4]], y=[[2,0,0],[0,0,5]].
  const std::string text = "x: DT[2,3]\ny: DT[2,3]\nx := normalize(x, axis=1, eps=1e-07)\n"
                           "y := normalize(y, axis=1, eps=1e-07)\n"
                           "out[b,0] = sum_k x[b,k] * y[b,k]\n";
  for (DType dtype : {DType::f32, DType::f64, DType::c64, DType::c128}) {
    SCOPED_TRACE(dtypeName(dtype));
    Tensor x = tensorOf(dtype, {2, 3}, {1, 2, 2, 0, 3, 4});
    Tensor y = tensorOf(dtype, {2, 3}, {2, 0, 0, 0, 0, 5});
    Tensor out = interpret(program(withDType(text, dtype)), {x.view(), y.view()});
    EXPECT_EQ(out.shape(), (Shape{2, 1}));
    expectNear(realValuesOf(out.view()), {1.0 / 3.0, 0.8}, 1e-6);
  }
}

TEST(Interpreter, NormalizeOfZeroVectorIsZeroNotNaN) {
  Tensor x = tensorOf(DType::f32, {1, 3}, {0, 0, 0});
  Tensor y = tensorOf(DType::f32, {1, 3}, {1, 2, 3});
  Tensor out = interpret(program("x: f32[1,3]\ny: f32[1,3]\nx := normalize(x, axis=1, eps=1e-07)\n"
                                 "y := normalize(y, axis=1, eps=1e-07)\n"
                                 "out[b,0] = sum_k x[b,k] * y[b,k]"),
                         {x.view(), y.view()});
  EXPECT_EQ(realValuesOf(out.view()), (std::vector<double>{0.0}));
}

TEST(Interpreter, NormalizeAlongAMiddleAxisAndEpsilonFloor) {
  // Fibres along axis 1 of a (2,2,2) tensor: (0,2),(1,3),(4,6),(5,7).
  Tensor x = arange(DType::f64, {2, 2, 2});
  Tensor out = interpret(program("x: f64[2,2,2]\nx := normalize(x, axis=1, eps=1e-07)\n"
                                 "out[a,b,c] = x[a,b,c]"),
                         {x.view()});
  auto n = [](double a, double b) { return std::sqrt(a * a + b * b); };
  expectNear(realValuesOf(out.view()),
             {0, 1 / n(1, 3), 1, 3 / n(1, 3), 4 / n(4, 6), 5 / n(5, 7), 6 / n(4, 6), 7 / n(5, 7)},
             1e-12);
  // A norm below epsilon is replaced by epsilon: [3e-8, 4e-8] has norm 5e-8 < 1e-7.
  Tensor tiny = tensorOf(DType::f64, {2}, {3e-8, 4e-8});
  Tensor floored = interpret(
      program("x: f64[2]\nx := normalize(x, axis=0, eps=1e-07)\nout[i] = x[i]"), {tiny.view()});
  expectNear(realValuesOf(floored.view()), {0.3, 0.4}, 1e-12);
}

TEST(Interpreter, NormalizeOfIntegersIsUnsupported) {
  Tensor x = arange(DType::i32, {2, 3});
  expectError(
      [&] {
        interpret(program("x: i32[2,3]\nx := normalize(x, axis=1, eps=1e-07)\nout[a,b] = x[a,b]"),
                  {x.view()});
      },
      ErrorKind::Unsupported, {"reference::interpret", "normalize(x, axis=1)", "i32"});
}

TEST(Interpreter, RavelFlattensTheLogicalViewInCOrder) {
  // np.outer(a, b) with a the transpose of arange(4).reshape(2,2): ravel(a.T) = [0,2,1,3].
  Tensor base = arange(DType::f64, {2, 2});
  TensorView transposed(base.data(), DType::f64, {2, 2}, {1, 2});
  Tensor b = tensorOf(DType::f64, {2}, {1, 10});
  Tensor out = interpret(program("a: f64[2,2]\nb: f64[2]\na := ravel(a)\nout[i,j] = a[i] * b[j]"),
                         {transposed, b.view()});
  EXPECT_EQ(out.shape(), (Shape{4, 2}));
  EXPECT_EQ(realValuesOf(out.view()), (std::vector<double>{0, 0, 2, 20, 1, 10, 3, 30}));
}

TEST(Interpreter, StridedInputsAndOutputs) {
  // x viewed with a negative row stride (rows reversed) and y with a zero stride (a broadcast
  // row); the output written transposed.
  Tensor xData = arange(DType::f32, {2, 3});
  TensorView xReversed(xData.as<float>() + 3, DType::f32, {2, 3}, {-3, 1});
  std::vector<float> yRow{1, 2};
  TensorView yBroadcast(yRow.data(), DType::f32, {3, 2}, {0, 1});
  Tensor outData(DType::f32, {2, 2});
  MutableTensorView outTransposed(outData.data(), DType::f32, {2, 2}, {1, 2});
  interpret(program(withDType(kMatmulText, DType::f32)), {xReversed, yBroadcast}, outTransposed);
  // rows of x reversed: [3,4,5],[0,1,2]; every row of y is [1,2]: out = [[12,24],[3,6]].
  EXPECT_EQ(realValuesOf(outTransposed), (std::vector<double>{12, 24, 3, 6}));
  EXPECT_EQ(realValuesOf(outData.view()), (std::vector<double>{12, 3, 24, 6}));

  Tensor fortran(DType::f64, {2, 3}, Tensor::Order::F);
  for (int i = 0; i < 6; ++i)
    fortran.as<double>()[i] = i; // column-major: logical [[0,2,4],[1,3,5]]
  Tensor rowSums = interpret(program("x: f64[2,3]\nout[i] = sum_j x[i,j]"), {fortran.view()});
  EXPECT_EQ(realValuesOf(rowSums.view()), (std::vector<double>{6, 9}));
}

TEST(Interpreter, EmptyExtents) {
  Tensor x(DType::f64, {0, 3});
  Tensor y = arange(DType::f64, {3, 2});
  Tensor empty = interpret(program("x: f64[0,3]\ny: f64[3,2]\nout[i,j] = sum_k x[i,k] * y[k,j]"),
                           {x.view(), y.view()});
  EXPECT_EQ(empty.shape(), (Shape{0, 2}));
  EXPECT_EQ(empty.elements(), 0);

  // A summed extent of 0 gives zeros; the output is still scaled by beta.
  Tensor a(DType::f64, {2, 0});
  Tensor b(DType::f64, {0, 2});
  Tensor out = tensorOf(DType::f64, {2, 2}, {1, 2, 3, 4});
  interpret(program("a: f64[2,0]\nb: f64[0,2]\nout[i,j] = sum_k a[i,k] * b[k,j]"),
            {TensorView(kNoData, DType::f64, {2, 0}), TensorView(kNoData, DType::f64, {0, 2})},
            out.view(), {1.0, 3.0});
  EXPECT_EQ(realValuesOf(out.view()), (std::vector<double>{3, 6, 9, 12}));
  Tensor zeros = interpret(program("a: f64[2,0]\nb: f64[0,2]\nout[i,j] = sum_k a[i,k] * b[k,j]"),
                           {a.view(), b.view()});
  EXPECT_EQ(realValuesOf(zeros.view()), (std::vector<double>{0, 0, 0, 0}));
}

TEST(Interpreter, MillionMultiplyAddsFinishQuickly) {
  // 100×100×100 matmul of ones against arange: out[i,j] = Σ_k (100k + j) = 495000 + 100 j.
  const std::string text = "x: f32[100,100]\ny: f32[100,100]\nout[i,j] = sum_k x[i,k] * y[k,j]";
  Tensor x = tensorOf(DType::f32, {100, 100}, std::vector<double>(10000, 1.0));
  Tensor y = arange(DType::f32, {100, 100});
  auto start = std::chrono::steady_clock::now();
  Tensor out = interpret(program(text), {x.view(), y.view()});
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(out.as<float>()[0], 495000.0f);
  EXPECT_EQ(out.as<float>()[9999], 495000.0f + 9900.0f);
  // Generous bound for a loaded debug build; it typically takes a few tens of milliseconds.
  EXPECT_LT(seconds, 5.0);
}

TEST(Interpreter, MisuseNamesOperandAxisAndExtents) {
  ir::IndexProgram matmul = program(withDType(kMatmulText, DType::f32));
  Tensor x = arange(DType::f32, {2, 3});
  Tensor y = arange(DType::f32, {3, 2});
  Tensor wrongExtent = arange(DType::f32, {3, 4});
  expectError([&] { interpret(matmul, {x.view()}); }, ErrorKind::Misuse,
              {"reference::interpret", "2 operands (x, y)", "1 input was passed"});
  expectError(
      [&] {
        interpret(matmul, {x.view(), arange(DType::f64, {3, 2}).view()});
      },
      ErrorKind::Misuse, {"y has dtype f64", "computes in f32"});
  expectError(
      [&] {
        interpret(matmul, {x.view(), arange(DType::f32, {6}).view()});
      },
      ErrorKind::Misuse, {"y has rank 1", "(6,)", "rank 2", "(3, 2)"});
  expectError(
      [&] {
        interpret(matmul, {x.view(), wrongExtent.view()});
      },
      ErrorKind::Misuse, {"y.shape[1] != 2 (4 != 2)", "(3, 4)"});
  expectError(
      [&] {
        interpret(matmul, {x.view(), TensorView(kNoData, DType::f32, {3, 2})});
      },
      ErrorKind::Misuse, {"y has a null data pointer", "6 elements"});
  Tensor badOut(DType::f32, {2, 3});
  expectError(
      [&] {
        interpret(matmul, {x.view(), y.view()}, badOut.view());
      },
      ErrorKind::Misuse, {"out.shape[1] != 2 (3 != 2)"});
  Tensor wrongDType(DType::i32, {2, 2});
  expectError(
      [&] {
        interpret(matmul, {x.view(), y.view()}, wrongDType.view());
      },
      ErrorKind::Misuse, {"out has dtype i32"});
  Tensor row(DType::f32, {2});
  expectError(
      [&] {
        interpret(matmul, {x.view(), y.view()},
                  MutableTensorView(row.data(), DType::f32, {2, 2}, {0, 1}));
      },
      ErrorKind::Misuse, {"out.strides[0] is 0", "overlap"});
  ir::IndexProgram integerMatmul = program(withDType(kMatmulText, DType::i64));
  Tensor ix = arange(DType::i64, {2, 3});
  Tensor iy = arange(DType::i64, {3, 2});
  expectError(
      [&] {
        interpret(integerMatmul, {ix.view(), iy.view()}, {1e30, 0.0});
      },
      ErrorKind::Misuse, {"alpha 1e+30 does not round to a 64-bit integer"});
}

TEST(Interpreter, RavelChecksTheShapeBeforeFlattening) {
  ir::IndexProgram outer = program("a: f64[2,3]\nb: f64[2]\na := ravel(a)\nout[i,j] = a[i] * b[j]");
  Tensor flat = arange(DType::f64, {6});
  Tensor b = arange(DType::f64, {2});
  expectError(
      [&] {
        interpret(outer, {flat.view(), b.view()});
      },
      ErrorKind::Misuse, {"a has rank 1", "(2, 3)"});
}

} // namespace
} // namespace einjit::reference
