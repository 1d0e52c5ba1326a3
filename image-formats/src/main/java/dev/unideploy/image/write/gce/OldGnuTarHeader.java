package dev.unideploy.image.write.gce;

import java.nio.charset.StandardCharsets;

/**
 * Builds the header of one regular file in GNU tar's old format ({@code --format=oldgnu}), the
 * format Compute Engine's image import reads, including old-GNU sparse files: type 'S', up to four
 * (offset, size) data regions in the header, 21 more in each extension block, and the full file
 * size in "realsize". Commons Compress reads these but cannot write them.
 * https://www.gnu.org/software/tar/manual/html_node/Standard.html (struct oldgnu_header)
 */
final class OldGnuTarHeader {
  static final int BLOCK = 512;
  private static final int IN_HEADER = 4;
  private static final int PER_EXTENSION = 21;

  private OldGnuTarHeader() {}

  /**
   * The header blocks for a file.
   *
   * @param regions null for a regular file; for a sparse file, (offset, length) pairs of the data
   *     regions in ascending order, the last one ending at {@code realSize} (possibly empty)
   * @param storedSize the bytes of file data that follow the header
   */
  static byte[] build(String name, long mtime, long storedSize, long realSize, long[] regions) {
    int entries = regions == null ? 0 : regions.length / 2;
    int extensions =
        entries <= IN_HEADER ? 0 : (entries - IN_HEADER + PER_EXTENSION - 1) / PER_EXTENSION;
    byte[] h = new byte[BLOCK * (1 + extensions)];
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    if (n.length > 100) {
      throw new IllegalArgumentException("tar entry name longer than 100 bytes: " + name);
    }
    System.arraycopy(n, 0, h, 0, n.length);
    octal(h, 100, 8, 0644);
    octal(h, 108, 8, 0);
    octal(h, 116, 8, 0);
    number(h, 124, storedSize);
    number(h, 136, mtime);
    h[156] = (byte) (regions == null ? '0' : 'S');
    ascii(h, 257, "ustar  "); // old GNU magic and version: "ustar  \0"
    ascii(h, 265, "root");
    ascii(h, 297, "root");
    if (regions != null) {
      int e = 0;
      for (; e < Math.min(entries, IN_HEADER); e++) {
        number(h, 386 + e * 24, regions[2 * e]);
        number(h, 386 + e * 24 + 12, regions[2 * e + 1]);
      }
      h[482] = (byte) (extensions > 0 ? 1 : 0);
      number(h, 483, realSize);
      for (int x = 0; x < extensions; x++) {
        int base = BLOCK * (1 + x);
        for (int k = 0; k < PER_EXTENSION && e < entries; k++, e++) {
          number(h, base + k * 24, regions[2 * e]);
          number(h, base + k * 24 + 12, regions[2 * e + 1]);
        }
        h[base + 504] = (byte) (x + 1 < extensions ? 1 : 0);
      }
    }
    // The checksum counts its own field as eight spaces; written as six octal digits, NUL, space.
    for (int i = 148; i < 156; i++) {
      h[i] = ' ';
    }
    long sum = 0;
    for (int i = 0; i < BLOCK; i++) {
      sum += h[i] & 0xff;
    }
    octal(h, 148, 7, sum);
    h[155] = ' ';
    return h;
  }

  /** A 12-byte numeric field: octal when it fits, else GNU's base-256 (high bit set). */
  static void number(byte[] h, int off, long value) {
    if (value < (1L << 33)) {
      octal(h, off, 12, value);
    } else {
      h[off] = (byte) 0x80;
      for (int i = 11; i >= 1; i--) {
        h[off + i] = (byte) value;
        value >>>= 8;
      }
    }
  }

  /** {@code width - 1} zero-padded octal digits and a NUL. */
  private static void octal(byte[] h, int off, int width, long value) {
    String s = Long.toOctalString(value);
    if (s.length() > width - 1) {
      throw new IllegalArgumentException(value + " does not fit a " + width + "-byte tar field");
    }
    String padded = "0".repeat(width - 1 - s.length()) + s;
    ascii(h, off, padded);
    h[off + width - 1] = 0;
  }

  private static void ascii(byte[] h, int off, String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, h, off, b.length);
  }
}
