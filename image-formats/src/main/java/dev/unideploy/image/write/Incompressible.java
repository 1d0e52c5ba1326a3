package dev.unideploy.image.write;

/**
 * Spots blocks that deflate cannot shrink (already compressed or encrypted data) from their byte
 * entropy, so the compressing writers store them (deflate level 0) instead of running zlib's match
 * search over them. zlib at level 6 ends up emitting stored blocks for such data anyway, so the
 * output is the same size, at a tenth of the CPU time.
 *
 * <p>The threshold is 7.99 bits per byte over at least 64 KiB: random bytes measure 7.997 there,
 * text about 4.5 and machine code about 6. Data with near-uniform bytes that still repeats itself
 * within the block would be stored too; the output is then larger, never wrong.
 */
public final class Incompressible {
  static final int MIN_LENGTH = 64 * 1024;
  private static final double THRESHOLD_BITS = 7.99;

  private Incompressible() {}

  public static boolean test(byte[] buf, int off, int len) {
    if (len < MIN_LENGTH) {
      return false;
    }
    int[] counts = new int[256];
    for (int i = off, end = off + len; i < end; i++) {
      counts[buf[i] & 0xff]++;
    }
    double sum = 0;
    for (int c : counts) {
      if (c > 0) {
        sum += c * Math.log(c);
      }
    }
    double bits = (Math.log(len) - sum / len) / Math.log(2);
    return bits >= THRESHOLD_BITS;
  }
}
