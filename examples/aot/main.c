/* A C program using three kernels compiled ahead of time: a matrix product with alpha and beta,
 * a Keras batch_dot, and the product again in bfloat16 (uint16_t arrays, float alpha and beta). It prints every result element on one line per kernel, "NAME v0 v1 ...",
 * for the test suite to compare with the reference interpreter. The product runs twice: on
 * contiguous arrays, and through matmul_f32_strided on a with its rows reversed (a negative
 * stride), b stored transposed and the output written transposed. Operand element k of operand o
 * holds (3k + 5o) mod 7 - 3; the output starts at (k mod 4) - 1.5 where beta reads it. Each entry
 * point returns EINJIT_STATUS_OK (single-threaded kernels allocate nothing and cannot fail). */
#include "batch_dot_f64.h"
#include "matmul_bf16.h"
#include "matmul_f32.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double operand_value(int operand, int k) {
  return (double)((k * 3 + operand * 5) % 7 - 3);
}

static double initial_output(int k) {
  return (double)(k % 4) - 1.5;
}

/* bfloat16 is the upper half of a float's bits: exact for the small values used here. */
static uint16_t to_bf16(float value) {
  uint32_t bits;
  memcpy(&bits, &value, sizeof bits);
  return (uint16_t)(bits >> 16);
}

static float from_bf16(uint16_t value) {
  uint32_t bits = (uint32_t)value << 16;
  float result;
  memcpy(&result, &bits, sizeof result);
  return result;
}

static void check(int32_t status, const char* name) {
  if (status != EINJIT_STATUS_OK) {
    fprintf(stderr, "%s failed with status %d\n", name, (int)status);
    exit(1);
  }
}

static void print_values(const char* name, const double* values, int count) {
  int k;
  printf("%s", name);
  for (k = 0; k < count; ++k)
    printf(" %.17g", values[k]);
  printf("\n");
}

int main(void) {
  float a[2 * 3], b[3 * 4], c[2 * 4];
  float a_reversed[2 * 3], b_transposed[4 * 3], c_transposed[4 * 2];
  const int64_t a_strides[2] = {-3, 1}, b_strides[2] = {1, 3}, c_strides[2] = {1, 2};
  double x[2 * 3 * 4], y[2 * 4 * 2], z[2 * 3 * 2], printed[2 * 4];
  uint16_t a16[2 * 3], b16[3 * 4], c16[2 * 4];
  int k, row, column;

  for (k = 0; k < 2 * 3; ++k)
    a[k] = (float)operand_value(0, k);
  for (k = 0; k < 3 * 4; ++k)
    b[k] = (float)operand_value(1, k);
  for (k = 0; k < 2 * 4; ++k)
    c[k] = (float)initial_output(k);
  check(matmul_f32(a, b, c, 2.0f, 0.5f), "matmul_f32");
  for (k = 0; k < 2 * 4; ++k)
    printed[k] = c[k];
  print_values("matmul_f32", printed, 2 * 4);

  for (row = 0; row < 2; ++row)
    for (column = 0; column < 3; ++column)
      a_reversed[(1 - row) * 3 + column] = a[row * 3 + column];
  for (row = 0; row < 3; ++row)
    for (column = 0; column < 4; ++column)
      b_transposed[column * 3 + row] = b[row * 4 + column];
  for (row = 0; row < 2; ++row)
    for (column = 0; column < 4; ++column)
      c_transposed[column * 2 + row] = (float)initial_output(row * 4 + column);
  /* Element [i][j] of a is at a_reversed + 3 - 3 * i + j. */
  check(matmul_f32_strided(a_reversed + 3, a_strides, b_transposed, b_strides, c_transposed,
                           c_strides, 2.0f, 0.5f),
        "matmul_f32_strided");
  for (row = 0; row < 2; ++row)
    for (column = 0; column < 4; ++column)
      printed[row * 4 + column] = c_transposed[column * 2 + row];
  print_values("matmul_f32_strided", printed, 2 * 4);

  for (k = 0; k < 2 * 3 * 4; ++k)
    x[k] = operand_value(0, k);
  for (k = 0; k < 2 * 4 * 2; ++k)
    y[k] = operand_value(1, k);
  for (k = 0; k < 2 * 3 * 2; ++k)
    z[k] = -1e300; /* beta == 0: the kernel must not read it */
  check(batch_dot_f64(x, y, z, 1.0, 0.0), "batch_dot_f64");
  print_values("batch_dot_f64", z, 2 * 3 * 2);

  /* Sums accumulate in float and round once; these results need at most 8 significant bits. */
  for (k = 0; k < 2 * 3; ++k)
    a16[k] = to_bf16((float)operand_value(0, k));
  for (k = 0; k < 3 * 4; ++k)
    b16[k] = to_bf16((float)operand_value(1, k));
  for (k = 0; k < 2 * 4; ++k)
    c16[k] = to_bf16((float)initial_output(k));
  check(matmul_bf16(a16, b16, c16, 2.0f, 0.5f), "matmul_bf16");
  for (k = 0; k < 2 * 4; ++k)
    printed[k] = from_bf16(c16[k]);
  print_values("matmul_bf16", printed, 2 * 4);
  return 0;
}
