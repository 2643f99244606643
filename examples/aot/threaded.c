/* A C program using a kernel compiled ahead of time that splits its outermost output loop across
 * threads: a 128x96 by 96x64 matrix product, large enough to split. It links einjit_rt (the thread
 * pool) and no LLVM. The first argument is the thread count the program passes (default 1); it
 * prints "matmul_threaded v0 v1 ..." for the test suite, which runs it with 1 and 2 threads and
 * compares with the reference interpreter. Operand element k of operand o holds (3k + 5o) mod 7 -
 * 3; the output starts at (k mod 4) - 1.5. Its status is checked as every caller's should be:
 * a kernel that needs per-thread scratch memory says EINJIT_STATUS_OUT_OF_MEMORY when it gets none. */
#include "matmul_threaded.h"

#include <stdio.h>
#include <stdlib.h>

enum { ROWS = 128, INNER = 96, COLUMNS = 64 };

static float a[ROWS * INNER], b[INNER * COLUMNS], c[ROWS * COLUMNS];

int main(int argc, char** argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  int k;
  for (k = 0; k < ROWS * INNER; ++k)
    a[k] = (float)((k * 3) % 7 - 3);
  for (k = 0; k < INNER * COLUMNS; ++k)
    b[k] = (float)((k * 3 + 5) % 7 - 3);
  for (k = 0; k < ROWS * COLUMNS; ++k)
    c[k] = (float)(k % 4) - 1.5f;
  if (matmul_threaded(a, b, c, 2.0f, 0.5f, threads) != EINJIT_STATUS_OK) {
    fprintf(stderr, "matmul_threaded: out of memory\n");
    return 1;
  }
  printf("matmul_threaded");
  for (k = 0; k < ROWS * COLUMNS; ++k)
    printf(" %.9g", c[k]);
  printf("\n");
  return 0;
}
