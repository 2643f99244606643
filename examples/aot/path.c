/* A C program using kernels of three and four operands compiled ahead of time. Each entry point
 * runs the contraction path the JIT would (one kernel per pairwise step) and keeps the
 * temporaries in a scratch buffer the caller provides, NAME_SCRATCH_ELEMENTS elements from the
 * header. It prints every result element on one line per kernel, "NAME v0 v1 ...", for the test
 * suite to compare with the reference interpreter. chain3_f32 also runs through
 * chain3_f32_strided with a stored transposed and the output written transposed. Operand
 * element k of operand o holds (3k + 5o) mod 7 - 3; the output starts at (k mod 4) - 1.5 where
 * beta reads it. The first argument is the thread count chain3_large_f32 may use (default 2).
 * chain3_bf16 takes bfloat16 bits (a float's upper half; every value here is exact in bf16) and
 * a float scratch buffer: its temporary (up to 576, which bf16 cannot hold) stays float. */
#include "chain3_bf16.h"
#include "chain3_f32.h"
#include "chain3_large_f32.h"
#include "chain4_f64.h"

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

static void check(int32_t status, const char* name) {
  if (status != EINJIT_STATUS_OK) {
    fprintf(stderr, "%s failed with status %d\n", name, (int)status);
    exit(1);
  }
}

static void print_floats(const char* name, const float* values, int count) {
  int k;
  printf("%s", name);
  for (k = 0; k < count; ++k)
    printf(" %.17g", (double)values[k]);
  printf("\n");
}

static void fill_floats(float* values, int count, int operand) {
  int k;
  for (k = 0; k < count; ++k)
    values[k] = (float)operand_value(operand, k);
}

/* A float's upper 16 bits: exact for the small values used here. */
static uint16_t bf16_of(double value) {
  float single = (float)value;
  uint32_t bits;
  memcpy(&bits, &single, sizeof bits);
  return (uint16_t)(bits >> 16);
}

static void fill_bf16(uint16_t* values, int count, int operand) {
  int k;
  for (k = 0; k < count; ++k)
    values[k] = bf16_of(operand_value(operand, k));
}

static void print_bf16(const char* name, const uint16_t* values, int count) {
  int k;
  printf("%s", name);
  for (k = 0; k < count; ++k) {
    uint32_t bits = (uint32_t)values[k] << 16;
    float single;
    memcpy(&single, &bits, sizeof single);
    printf(" %.17g", (double)single);
  }
  printf("\n");
}

static void fill_doubles(double* values, int count, int operand) {
  int k;
  for (k = 0; k < count; ++k)
    values[k] = operand_value(operand, k);
}

/* Large enough for each step to split across threads: static, as the arrays would not fit a
 * small stack. */
static float large_a[128 * 96], large_b[96 * 128], large_c[128 * 64], large_out[128 * 64];
static float large_scratch[CHAIN3_LARGE_F32_SCRATCH_ELEMENTS];

int main(int argc, char** argv) {
  float a[4 * 3], b[3 * 5], c[5 * 2], out[4 * 2];
  float a_transposed[3 * 4], out_transposed[2 * 4], printed[4 * 2];
  const int64_t a_strides[2] = {1, 4}, b_strides[2] = {5, 1}, c_strides[2] = {2, 1};
  const int64_t out_strides[2] = {1, 4};
  float scratch[CHAIN3_F32_SCRATCH_ELEMENTS];
  double w[2 * 3], x[3 * 4], y[4 * 5], z[5 * 2], result[2 * 2];
  double scratch64[CHAIN4_F64_SCRATCH_ELEMENTS];
  int k, row, column;

  fill_floats(a, 4 * 3, 0);
  fill_floats(b, 3 * 5, 1);
  fill_floats(c, 5 * 2, 2);
  for (k = 0; k < 4 * 2; ++k)
    out[k] = (float)initial_output(k);
  check(chain3_f32(a, b, c, out, scratch, 2.0f, 0.5f), "chain3_f32");
  print_floats("chain3_f32", out, 4 * 2);

  for (row = 0; row < 4; ++row)
    for (column = 0; column < 3; ++column)
      a_transposed[column * 4 + row] = a[row * 3 + column];
  for (row = 0; row < 4; ++row)
    for (column = 0; column < 2; ++column)
      out_transposed[column * 4 + row] = (float)initial_output(row * 2 + column);
  check(chain3_f32_strided(a_transposed, a_strides, b, b_strides, c, c_strides, out_transposed,
                           out_strides, scratch, 2.0f, 0.5f),
        "chain3_f32_strided");
  for (row = 0; row < 4; ++row)
    for (column = 0; column < 2; ++column)
      printed[row * 2 + column] = out_transposed[column * 4 + row];
  print_floats("chain3_f32_strided", printed, 4 * 2);

  fill_doubles(w, 2 * 3, 0);
  fill_doubles(x, 3 * 4, 1);
  fill_doubles(y, 4 * 5, 2);
  fill_doubles(z, 5 * 2, 3);
  for (k = 0; k < 2 * 2; ++k)
    result[k] = -1e300; /* beta == 0: the last step must not read it */
  check(chain4_f64(w, x, y, z, result, scratch64, 1.0, 0.0, 1), "chain4_f64");
  printf("chain4_f64");
  for (k = 0; k < 2 * 2; ++k)
    printf(" %.17g", result[k]);
  printf("\n");

  fill_floats(large_a, 128 * 96, 0);
  fill_floats(large_b, 96 * 128, 1);
  fill_floats(large_c, 128 * 64, 2);
  for (k = 0; k < 128 * 64; ++k)
    large_out[k] = (float)initial_output(k);
  check(chain3_large_f32(large_a, large_b, large_c, large_out, large_scratch, 2.0f, 0.5f,
                         argc > 1 ? atoi(argv[1]) : 2),
        "chain3_large_f32");
  print_floats("chain3_large_f32", large_out, 128 * 64);

  {
    uint16_t ha[2 * 64], hb[64 * 8], hc[8 * 3], hout[2 * 3];
    float hscratch[CHAIN3_BF16_SCRATCH_ELEMENTS];
    fill_bf16(ha, 2 * 64, 0);
    fill_bf16(hb, 64 * 8, 1);
    fill_bf16(hc, 8 * 3, 2);
    for (k = 0; k < 2 * 3; ++k)
      hout[k] = bf16_of(initial_output(k));
    check(chain3_bf16(ha, hb, hc, hout, hscratch, 2.0f, 0.5f), "chain3_bf16");
    print_bf16("chain3_bf16", hout, 2 * 3);
  }
  return 0;
}
