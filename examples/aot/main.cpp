// A C++ program using kernels compiled ahead of time with the default threaded signature (a last
// `int threads` argument; at these small shapes they run on the calling thread): a Gram matrix
// that reads one operand twice (int32), contiguous and through its strided entry point on a
// transposed copy, np.outer (which ravels an operand), a complex matrix-vector product with
// complex alpha and beta, and a Keras Dot(normalize=True) layer (cosine similarities), whose
// entry point normalizes into a scratch buffer: contiguous, strided, with a zero fibre, and on
// complex values; then K.batch_dot read as legacy Keras did, and a bf16 product whose output is
// the f32 sums (--batch-dot=legacy, --output-dtype f32).
// Prints "NAME v0 v1 ..." (complex as real, imaginary pairs) for the test suite. Operand element k
// of operand o is (3k + 5o) mod 7 - 3, imaginary part (5k + o) mod 5 - 2; the output starts at (k
// mod 4) - 1.5 + 1i where beta reads it. Every entry point returns a status, checked after each
// call (these kernels allocate nothing, so they return EINJIT_STATUS_OK).
#include "batch_dot_legacy_f64.h"
#include "cosine_f32.h"
#include "cosine_self_c64.h"
#include "gram_i32.h"
#include "matmul_bf16_f32.h"
#include "matvec_c64.h"
#include "outer_f64.h"

#include <complex>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <vector>

namespace {

double realPart(int operand, int k) {
  return (k * 3 + operand * 5) % 7 - 3;
}

double imaginaryPart(int operand, int k) {
  return (k * 5 + operand) % 5 - 2;
}

template <typename T>
void printValues(const char* name, const std::vector<T>& values) {
  std::printf("%s", name);
  for (const T& value : values) {
    if constexpr (std::is_same_v<T, std::complex<float>>)
      std::printf(" %.9g %.9g", value.real(), value.imag());
    else if constexpr (std::is_floating_point_v<T>)
      std::printf(" %.17g", value);
    else
      std::printf(" %lld", static_cast<long long>(value));
  }
  std::printf("\n");
}

/// bfloat16 is the upper half of a float's bits: exact for the small integers used here.
std::uint16_t toBf16(float value) {
  std::uint32_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  return static_cast<std::uint16_t>(bits >> 16);
}

/// Stops the program when an entry point reports a failure (EINJIT_STATUS_OUT_OF_MEMORY).
void check(std::int32_t status, const char* name) {
  if (status == EINJIT_STATUS_OK)
    return;
  std::fprintf(stderr, "%s failed with status %d\n", name, static_cast<int>(status));
  std::exit(1);
}

} // namespace

int main() {
  std::vector<std::int32_t> a(3 * 4), gram(3 * 3, -7);
  for (int k = 0; k < 3 * 4; ++k)
    a[k] = static_cast<std::int32_t>(realPart(0, k));
  check(gram_i32(a.data(), gram.data(), 3, 0, 1), "gram_i32");
  printValues("gram_i32", gram);

  // Again from a copy of `a` stored transposed: element [i][j] at aTransposed[j * 3 + i].
  std::vector<std::int32_t> aTransposed(4 * 3), gramAgain(3 * 3, -7);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j)
      aTransposed[j * 3 + i] = a[i * 4 + j];
  const std::int64_t aStrides[2] = {1, 3}, gramStrides[2] = {3, 1};
  check(gram_i32_strided(aTransposed.data(), aStrides, gramAgain.data(), gramStrides, 3, 0, 1),
        "gram_i32_strided");
  printValues("gram_i32_strided", gramAgain);

  // np.outer ravels p: the contiguous 2x2 array is read as its 4 elements.
  std::vector<double> p(2 * 2), q(3), outer(4 * 3);
  for (int k = 0; k < 2 * 2; ++k)
    p[k] = realPart(0, k);
  for (int k = 0; k < 3; ++k)
    q[k] = realPart(1, k);
  check(outer_f64(p.data(), q.data(), outer.data(), 1.0, 0.0, 0), "outer_f64");
  printValues("outer_f64", outer);

  std::vector<std::complex<float>> m(3 * 2), v(2), out(3);
  for (int k = 0; k < 3 * 2; ++k)
    m[k] = {float(realPart(0, k)), float(imaginaryPart(0, k))};
  for (int k = 0; k < 2; ++k)
    v[k] = {float(realPart(1, k)), float(imaginaryPart(1, k))};
  for (int k = 0; k < 3; ++k)
    out[k] = {float(k % 4 - 1.5), 1.0f};
  const float alpha[2] = {1.0f, 1.0f};
  const float beta[2] = {0.5f, -1.0f};
  // std::complex<float> is laid out as float[2], the header's interleaved pairs.
  check(matvec_c64(reinterpret_cast<const float*>(m.data()),
                   reinterpret_cast<const float*>(v.data()), reinterpret_cast<float*>(out.data()),
                   alpha, beta, 1),
        "matvec_c64");
  printValues("matvec_c64", out);

  // Cosines between the rows of x (2x3x4) and of y (2x5x4), batch by batch.
  std::vector<float> x(2 * 3 * 4), y(2 * 5 * 4), cosines(2 * 3 * 5);
  std::vector<float> scratch(COSINE_F32_SCRATCH_ELEMENTS);
  for (int k = 0; k < 2 * 3 * 4; ++k)
    x[k] = float(realPart(0, k));
  for (int k = 0; k < 2 * 5 * 4; ++k)
    y[k] = float(realPart(1, k));
  check(cosine_f32(x.data(), y.data(), cosines.data(), scratch.data(), 1.0f, 0.0f, 1),
        "cosine_f32");
  printValues("cosine_f32", cosines);

  // The same through the strided entry point, with x stored as [batch][k][row].
  std::vector<float> xByColumn(2 * 4 * 3), cosinesAgain(2 * 3 * 5);
  for (int b = 0; b < 2; ++b)
    for (int i = 0; i < 3; ++i)
      for (int k = 0; k < 4; ++k)
        xByColumn[b * 12 + k * 3 + i] = x[b * 12 + i * 4 + k];
  const std::int64_t xStrides[3] = {12, 1, 3}, yStrides[3] = {20, 4, 1},
                     cosineStrides[3] = {15, 5, 1};
  check(cosine_f32_strided(xByColumn.data(), xStrides, y.data(), yStrides, cosinesAgain.data(),
                           cosineStrides, scratch.data(), 1.0f, 0.0f, 1),
        "cosine_f32_strided");
  printValues("cosine_f32_strided", cosinesAgain);

  // A zero row has norm 0 < epsilon: its cosines are 0, not NaN.
  for (int k = 0; k < 4; ++k)
    x[k] = 0.0f;
  check(cosine_f32(x.data(), y.data(), cosines.data(), scratch.data(), 1.0f, 0.0f, 1),
        "cosine_f32");
  printValues("cosine_f32_zero_row", cosines);

  // Complex, and one operand normalized twice: along axis 1 as the left operand, along axis 2 as
  // the right one, into two copies in one scratch buffer.
  std::vector<std::complex<float>> z(2 * 3 * 3), zCosines(2 * 3 * 3);
  std::vector<float> zScratch(COSINE_SELF_C64_SCRATCH_ELEMENTS);
  for (int k = 0; k < 2 * 3 * 3; ++k)
    z[k] = {float(realPart(0, k)), float(imaginaryPart(0, k))};
  const float one[2] = {1.0f, 0.0f}, zero[2] = {0.0f, 0.0f};
  check(cosine_self_c64(reinterpret_cast<const float*>(z.data()),
                        reinterpret_cast<float*>(zCosines.data()), zScratch.data(), one, zero, 1),
        "cosine_self_c64");
  printValues("cosine_self_c64", zCosines);

  // Legacy Keras contracts axis 0 of both 3x4 inputs: a 4x1 result.
  std::vector<double> bx(3 * 4), by(3 * 4), legacy(4);
  for (int k = 0; k < 3 * 4; ++k) {
    bx[k] = realPart(0, k);
    by[k] = realPart(1, k);
  }
  check(batch_dot_legacy_f64(bx.data(), by.data(), legacy.data(), 1.0, 0.0, 1),
        "batch_dot_legacy_f64");
  printValues("batch_dot_legacy_f64", legacy);

  // bf16 inputs, a float output (alpha, beta and the sums in float, not rounded to bf16).
  std::vector<std::uint16_t> a16(2 * 3), b16(3 * 4);
  std::vector<float> sums(2 * 4);
  for (int k = 0; k < 2 * 3; ++k)
    a16[k] = toBf16(float(realPart(0, k)));
  for (int k = 0; k < 3 * 4; ++k)
    b16[k] = toBf16(float(realPart(1, k)));
  for (int k = 0; k < 2 * 4; ++k)
    sums[k] = float(k % 4 - 1.5);
  check(matmul_bf16_f32(a16.data(), b16.data(), sums.data(), 2.0f, 0.5f, 1), "matmul_bf16_f32");
  printValues("matmul_bf16_f32", sums);
  return 0;
}
