/* Calls @empty of Inputs/empty-result.mlir through its qat-aot header
 * (QAT_HEADER) with null buffers: a tensor with no elements needs none, and
 * the wrapper must not pass them to memcpy (built with UBSan's nonnull
 * checks, which stop at such a call). */
#include QAT_HEADER

#include <stdio.h>

int main(void) {
  empty(NULL, NULL);
  printf("empty: ok\n");
  return 0;
}
