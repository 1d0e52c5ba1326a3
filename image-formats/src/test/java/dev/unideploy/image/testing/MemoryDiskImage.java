package dev.unideploy.image.testing;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.Extent;
import dev.unideploy.image.ImageFormat;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A test disk held in memory: bytes and an extent map, shared by every module's tests (published in
 * image-formats' test-jar). A disk with a stated extent map fails any read that touches a zero
 * extent, which is how "never read a zero extent" is checked; a disk whose extents are scanned from
 * its bytes allows every read.
 */
public final class MemoryDiskImage implements DiskImage {
  private final byte[] bytes;
  private final long virtualSize;
  private final List<Extent> extents;
  private final boolean zeroReadsFail;

  private MemoryDiskImage(
      byte[] bytes, long virtualSize, List<Extent> extents, boolean zeroReadsFail) {
    this.bytes = bytes;
    this.virtualSize = virtualSize;
    this.extents = List.copyOf(extents);
    this.zeroReadsFail = zeroReadsFail;
  }

  /** {@code bytes} with the stated extent map; reading inside a zero extent fails the test. */
  public static MemoryDiskImage of(byte[] bytes, List<Extent> extents) {
    return new MemoryDiskImage(bytes, bytes.length, extents, true);
  }

  /**
   * {@code bytes} with data extents wherever a {@code block}-sized block holds a non-zero byte
   * (adjacent blocks of one kind merged), as a reader that detects zero blocks would report.
   */
  public static MemoryDiskImage scanned(byte[] bytes, int block) {
    List<Extent> extents = new ArrayList<>();
    for (int off = 0; off < bytes.length; off += block) {
      int len = Math.min(block, bytes.length - off);
      boolean data = false;
      for (int i = off; i < off + len && !data; i++) {
        data = bytes[i] != 0;
      }
      append(extents, off, len, data);
    }
    return new MemoryDiskImage(bytes, bytes.length, extents, false);
  }

  /**
   * A disk of {@code size} bytes (more than an array holds) whose data is {@code prefix} and the
   * rest one zero extent, which must never be read.
   */
  public static MemoryDiskImage withZeroTail(byte[] prefix, long size) {
    List<Extent> extents =
        List.of(Extent.data(0, prefix.length), Extent.zero(prefix.length, size - prefix.length));
    return new MemoryDiskImage(prefix, size, extents, true);
  }

  /** A scanned disk (64 KiB blocks) of {@code size} bytes with {@code marker} at 0 and size/2. */
  public static MemoryDiskImage withMarker(int size, String marker) {
    byte[] b = new byte[size];
    byte[] m = marker.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(m, 0, b, 0, m.length);
    System.arraycopy(m, 0, b, size / 2, m.length);
    return scanned(b, 64 * 1024);
  }

  /**
   * A disk of {@code size} bytes where each {@code [offset, length]} pair is random data marked as
   * a data extent, and everything else is a zero extent.
   */
  public static MemoryDiskImage withData(long size, long seed, long[]... regions) {
    byte[] bytes = new byte[Math.toIntExact(size)];
    Random random = new Random(seed);
    List<Extent> extents = new ArrayList<>();
    long pos = 0;
    for (long[] r : regions) {
      if (r[0] > pos) {
        extents.add(Extent.zero(pos, r[0] - pos));
      }
      byte[] data = new byte[Math.toIntExact(r[1])];
      random.nextBytes(data);
      System.arraycopy(data, 0, bytes, (int) r[0], data.length);
      extents.add(Extent.data(r[0], r[1]));
      pos = r[0] + r[1];
    }
    if (pos < size) {
      extents.add(Extent.zero(pos, size - pos));
    }
    return of(bytes, extents);
  }

  /**
   * Builds a disk from runs: each run is (length, kind) where kind 0 is a zero extent, 1 random
   * data, 2 compressible data (text-like) and 3 a data extent that is all zeroes.
   */
  public static MemoryDiskImage fromRuns(long seed, int[][] runs) {
    int size = 0;
    for (int[] r : runs) {
      size += r[0];
    }
    byte[] bytes = new byte[size];
    Random rnd = new Random(seed);
    List<Extent> extents = new ArrayList<>();
    int pos = 0;
    for (int[] r : runs) {
      int len = r[0];
      if (len <= 0) {
        continue;
      }
      switch (r[1]) {
        case 1 -> {
          byte[] b = new byte[len];
          rnd.nextBytes(b);
          System.arraycopy(b, 0, bytes, pos, len);
        }
        case 2 -> {
          for (int i = 0; i < len; i++) {
            bytes[pos + i] = (byte) ("unikernel " + (i / 37)).charAt(i % 10);
          }
        }
        default -> {}
      }
      append(extents, pos, len, r[1] != 0);
      pos += len;
    }
    return of(bytes, extents);
  }

  /** Adds an extent, merging it into the previous one when both are of the same kind. */
  private static void append(List<Extent> extents, long offset, long length, boolean data) {
    Extent last = extents.isEmpty() ? null : extents.get(extents.size() - 1);
    if (last != null && last.data() == data) {
      extents.set(extents.size() - 1, new Extent(last.offset(), last.length() + length, data));
    } else {
      extents.add(new Extent(offset, length, data));
    }
  }

  /** The disk's contents (the array itself, not a copy). */
  public byte[] bytes() {
    return bytes;
  }

  @Override
  public ImageFormat format() {
    return ImageFormat.RAW;
  }

  @Override
  public long virtualSize() {
    return virtualSize;
  }

  @Override
  public List<Extent> extents() {
    return extents;
  }

  @Override
  public int read(long offset, ByteBuffer dst) {
    if (offset >= virtualSize) {
      return -1;
    }
    int n = (int) Math.min(dst.remaining(), virtualSize - offset);
    if (zeroReadsFail) {
      for (Extent e : extents) {
        if (!e.data() && e.offset() < offset + n && offset < e.end()) {
          throw new AssertionError(
              "read [" + offset + ", " + (offset + n) + ") inside zero extent " + e);
        }
      }
    }
    if (offset + n > bytes.length) {
      throw new AssertionError(
          "read [" + offset + ", " + (offset + n) + ") past the data held in memory");
    }
    dst.put(bytes, (int) offset, n);
    return n;
  }

  @Override
  public Map<String, Object> details() {
    return Map.of();
  }

  @Override
  public void close() {}
}
