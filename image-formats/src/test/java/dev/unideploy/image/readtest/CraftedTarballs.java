package dev.unideploy.image.readtest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

/**
 * Compute Engine tarballs built byte by byte (old-GNU tar headers, gzip'd) with the disk they hold,
 * so that the bad-input corpus can change one field at a time: a sparse disk of 3 MiB with 4 KiB of
 * data at 0 and 8 KiB at 2 MiB, and a regular (non-sparse) disk of 64 KiB.
 */
public final class CraftedTarballs {
  public static final int BLOCK = 512;
  public static final long SPARSE_SIZE = 3L << 20;

  private CraftedTarballs() {}

  /** The sparse tarball's disk.raw: 3 MiB, data at [0, 4 KiB) and [2 MiB, 2 MiB + 8 KiB). */
  public static CraftedImages.Crafted sparse() {
    byte[] a = CraftedImages.pattern(4096, 21);
    byte[] b = CraftedImages.pattern(8192, 22);
    long[] regions = {0, 4096, 2L << 20, 8192, SPARSE_SIZE, 0};
    byte[] tar = tar(header("disk.raw", 'S', 4096 + 8192, regions, SPARSE_SIZE, ""), a, b);
    byte[] disk = new byte[(int) SPARSE_SIZE];
    System.arraycopy(a, 0, disk, 0, a.length);
    System.arraycopy(b, 0, disk, 2 << 20, b.length);
    return new CraftedImages.Crafted(gzip(tar), disk);
  }

  /** A regular (type '0') disk.raw of 64 KiB, with an all-zero 16 KiB in the middle. */
  public static CraftedImages.Crafted regular() {
    byte[] disk = CraftedImages.pattern(64 * 1024, 23);
    Arrays.fill(disk, 16 * 1024, 32 * 1024, (byte) 0);
    byte[] tar = tar(header("disk.raw", '0', disk.length, null, 0, ""), disk);
    return new CraftedImages.Crafted(gzip(tar), disk);
  }

  /**
   * One old-GNU header block ({@code tar --format=oldgnu}): up to four sparse regions in the
   * header, {@code realSize} for type 'S'.
   */
  public static byte[] header(
      String name, char type, long size, long[] regions, long realSize, String linkName) {
    byte[] h = new byte[BLOCK];
    put(h, 0, name);
    octal(h, 100, 8, 0644);
    octal(h, 108, 8, 0);
    octal(h, 116, 8, 0);
    octal(h, 124, 12, size);
    octal(h, 136, 12, 0);
    h[156] = (byte) type;
    put(h, 157, linkName);
    put(h, 257, "ustar  ");
    put(h, 265, "root");
    put(h, 297, "root");
    if (regions != null) {
      for (int e = 0; e < regions.length / 2; e++) {
        octal(h, 386 + e * 24, 12, regions[2 * e]);
        octal(h, 386 + e * 24 + 12, 12, regions[2 * e + 1]);
      }
      octal(h, 483, 12, realSize);
    }
    return checksum(h);
  }

  /** Recomputes a header block's checksum after a change. */
  public static byte[] checksum(byte[] h) {
    Arrays.fill(h, 148, 156, (byte) ' ');
    long sum = 0;
    for (int i = 0; i < BLOCK; i++) {
      sum += h[i] & 0xff;
    }
    octal(h, 148, 7, sum);
    h[155] = ' ';
    return h;
  }

  /** Header, data padded to blocks, two zero blocks, padding to a 10 KiB record. */
  public static byte[] tar(byte[] header, byte[]... data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(header);
    int stored = 0;
    for (byte[] d : data) {
      out.writeBytes(d);
      stored += d.length;
    }
    out.writeBytes(new byte[(BLOCK - stored % BLOCK) % BLOCK]);
    out.writeBytes(new byte[2 * BLOCK]);
    out.writeBytes(new byte[(10240 - out.size() % 10240) % 10240]);
    return out.toByteArray();
  }

  public static byte[] gzip(byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static void octal(byte[] h, int off, int width, long value) {
    String s = Long.toOctalString(value);
    put(h, off, "0".repeat(Math.max(0, width - 1 - s.length())) + s);
    h[off + width - 1] = 0;
  }

  private static void put(byte[] h, int off, String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, h, off, b.length);
  }
}
