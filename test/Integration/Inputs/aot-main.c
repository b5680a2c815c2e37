/* Links a qat-aot object through its generated header (QAT_HEADER): feeds
 * @mlp a fixed 4 x 8 input, writes that input as a .npy (argv[1]) for
 * qat-run, and prints the 4 x 4 result as qat-run --print does. */
#include QAT_HEADER

#include <stdio.h>

int main(int argc, char **argv) {
  float input[4][8], output[4][4];
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 8; ++j)
      input[i][j] = (float)((i * 8 + j) % 13) * 0.37f - 2.0f;
  FILE *npy = fopen(argv[1], "wb");
  if (!npy)
    return 1;
  /* .npy version 1.0: magic, header length, then a header padded to 64. */
  char header[118];
  snprintf(header, sizeof header,
           "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 8), }");
  size_t length = strlen(header);
  memset(header + length, ' ', 117 - length);
  header[117] = '\n';
  unsigned short headerLength = 118;
  fwrite("\x93NUMPY\x01\x00", 1, 8, npy);
  fwrite(&headerLength, 2, 1, npy);
  fwrite(header, 1, 118, npy);
  fwrite(input, sizeof input, 1, npy);
  fclose(npy);

  mlp(&input[0][0], &output[0][0]);
  printf("tensor<4x4xf32>\n");
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j)
      printf("%.9g%s", output[i][j], j == 3 ? "\n" : " ");
  return 0;
}
