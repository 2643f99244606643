/* An ahead-of-time kernel from an installed einjit (einjit_add_kernel): a 128x96 by 96x64 matrix
 * product large enough to split across einjit_rt's threads, run with 1 and 2 threads and compared
 * with a hand-written loop. Small integers: every result is exact. Exits 0 when all agree. */
#include "matmul.h"

#include <stdio.h>

enum { ROWS = 128, INNER = 96, COLUMNS = 64 };

static float a[ROWS * INNER], b[INNER * COLUMNS], c[ROWS * COLUMNS];

int main(void) {
  int k, i, j, threads, wrong = 0;
  for (k = 0; k < ROWS * INNER; ++k)
    a[k] = (float)(k * 5 % 9 - 4);
  for (k = 0; k < INNER * COLUMNS; ++k)
    b[k] = (float)(k * 3 % 7 - 3);
  for (threads = 1; threads <= 2; ++threads) {
    for (k = 0; k < ROWS * COLUMNS; ++k)
      c[k] = (float)(k % 3);
    if (matmul(a, b, c, 2.0f, 1.0f, threads) != EINJIT_STATUS_OK) {
      fprintf(stderr, "aot_matmul (%d threads): the kernel could not allocate its memory\n",
              threads);
      return 1;
    }
    for (i = 0; i < ROWS; ++i)
      for (j = 0; j < COLUMNS; ++j) {
        float expected = (float)((i * COLUMNS + j) % 3);
        float sum = 0.0f;
        for (k = 0; k < INNER; ++k)
          sum += a[i * INNER + k] * b[k * COLUMNS + j];
        expected += 2.0f * sum;
        if (c[i * COLUMNS + j] != expected) {
          if (wrong < 5)
            fprintf(stderr, "aot_matmul (%d threads): c[%d][%d] = %g, expected %g\n", threads, i, j,
                    c[i * COLUMNS + j], expected);
          ++wrong;
        }
      }
  }
  printf("aot_matmul: %s\n", wrong ? "FAILED" : "ok");
  return wrong ? 1 : 0;
}
