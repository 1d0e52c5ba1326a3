package dev.unideploy.image.write;

import java.util.Arrays;

/**
 * All-zero checks; {@link Arrays#mismatch} is vectorised by the JIT, so this runs at memory speed.
 */
public final class Zeros {
  private static final byte[] ZERO = new byte[64 * 1024];

  private Zeros() {}

  public static boolean isZero(byte[] buf, int off, int len) {
    int pos = off;
    int end = off + len;
    while (pos < end) {
      int n = Math.min(ZERO.length, end - pos);
      if (Arrays.mismatch(buf, pos, pos + n, ZERO, 0, n) >= 0) {
        return false;
      }
      pos += n;
    }
    return true;
  }
}
