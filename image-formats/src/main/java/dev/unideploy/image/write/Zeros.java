package dev.unideploy.image.write;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * All-zero checks; {@link Arrays#mismatch} and {@link ByteBuffer#mismatch} are vectorised by the
 * JIT, so this runs at memory speed.
 */
public final class Zeros {
  /** The page size holes are made at, as {@code qemu-img convert -S 4k}. */
  public static final int PAGE = 4096;

  private static final byte[] ZERO = new byte[64 * 1024];
  private static final ByteBuffer ZERO_DIRECT = ByteBuffer.allocateDirect(ZERO.length);

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

  /** Whether {@code buf}'s bytes {@code [off, off + len)} (absolute indexes) are all zero. */
  public static boolean isZero(ByteBuffer buf, int off, int len) {
    ByteBuffer zero = ZERO_DIRECT.duplicate();
    int pos = off;
    int end = off + len;
    while (pos < end) {
      int n = Math.min(ZERO.length, end - pos);
      if (buf.slice(pos, n).mismatch(zero.limit(n)) >= 0) {
        return false;
      }
      pos += n;
    }
    return true;
  }

  /**
   * One pass over {@code buf} between 0 and its limit: bit {@code i} of the result is set when
   * {@link #PAGE}-byte page {@code i} (the last one possibly short) is all zero.
   */
  public static long[] zeroPages(ByteBuffer buf) {
    int length = buf.limit();
    int pages = (length + PAGE - 1) / PAGE;
    long[] bits = new long[(pages + 63) / 64];
    for (int p = 0; p < pages; p++) {
      int off = p * PAGE;
      if (isZero(buf, off, Math.min(PAGE, length - off))) {
        bits[p >>> 6] |= 1L << p;
      }
    }
    return bits;
  }

  /** Whether bits {@code [from, from + count)} of {@code bits} are all set. */
  public static boolean allSet(long[] bits, int from, int count) {
    for (int i = from; i < from + count; i++) {
      if ((bits[i >>> 6] & (1L << i)) == 0) {
        return false;
      }
    }
    return true;
  }
}
