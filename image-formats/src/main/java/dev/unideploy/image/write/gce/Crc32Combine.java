package dev.unideploy.image.write.gce;

/**
 * Combines the CRC-32s of two adjacent byte runs into the CRC-32 of their concatenation, by the
 * GF(2) matrix method of zlib's {@code crc32_combine}, so chunks compressed in parallel still get
 * one gzip trailer. The operator for a fixed length is computed once and reused.
 */
final class Crc32Combine {
  private static final int POLY = 0xedb88320;

  private final int[] operator;

  /** An operator that appends {@code length} bytes (length > 0). */
  Crc32Combine(long length) {
    this.operator = operatorFor(length);
  }

  /** The CRC of A followed by B, given crc(A), crc(B) and this operator's length(B). */
  int combine(int crcA, int crcB) {
    return times(operator, crcA) ^ crcB;
  }

  static int combine(int crcA, int crcB, long lengthB) {
    if (lengthB <= 0) {
      return crcA;
    }
    return new Crc32Combine(lengthB).combine(crcA, crcB);
  }

  /** The matrix that advances a CRC register over {@code length} zero bytes. */
  private static int[] operatorFor(long length) {
    int[] odd = new int[32]; // one zero bit
    odd[0] = POLY;
    int row = 1;
    for (int n = 1; n < 32; n++) {
      odd[n] = row;
      row <<= 1;
    }
    int[] even = square(odd); // two zero bits
    odd = square(even); // four zero bits
    int[] result = null;
    long len = length;
    // Square up: the first square gives one zero byte (eight bits), then 2, 4, ... bytes.
    int[] power = odd;
    while (len != 0) {
      power = square(power);
      if ((len & 1) != 0) {
        result = result == null ? power : multiply(power, result);
      }
      len >>>= 1;
    }
    return result;
  }

  private static int times(int[] mat, int vec) {
    int sum = 0;
    int i = 0;
    while (vec != 0) {
      if ((vec & 1) != 0) {
        sum ^= mat[i];
      }
      vec >>>= 1;
      i++;
    }
    return sum;
  }

  private static int[] square(int[] mat) {
    return multiply(mat, mat);
  }

  /** The matrix applying {@code b} then {@code a}. */
  private static int[] multiply(int[] a, int[] b) {
    int[] r = new int[32];
    for (int n = 0; n < 32; n++) {
      r[n] = times(a, b[n]);
    }
    return r;
  }
}
