package dev.unideploy.image.read;

import java.nio.ByteBuffer;

/** Writes runs of zero bytes into buffers without a byte-by-byte loop. */
public final class ZeroFill {
  private static final byte[] ZEROES = new byte[64 * 1024];

  private ZeroFill() {}

  /** Puts {@code n} zero bytes at {@code dst}'s position and advances it. */
  public static void fill(ByteBuffer dst, int n) {
    int left = n;
    while (left > 0) {
      int k = Math.min(left, ZEROES.length);
      dst.put(ZEROES, 0, k);
      left -= k;
    }
  }
}
