package dev.unideploy.image.write;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.Extent;
import dev.unideploy.image.ImageFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A test disk held in memory: an extent map and the bytes behind it. Reading any byte of a zero
 * extent fails the test, which is how "writers never read a zero extent" is checked.
 */
final class SyntheticImage implements DiskImage {
  private final byte[] contents;
  private final List<Extent> extents;

  SyntheticImage(byte[] contents, List<Extent> extents) {
    this.contents = contents;
    this.extents = List.copyOf(extents);
  }

  /**
   * Builds a disk from runs: each run is (length, kind) where kind 0 is a zero extent, 1 random
   * data, 2 compressible data (text-like) and 3 a data extent that is all zeroes.
   */
  static SyntheticImage fromRuns(long seed, int[][] runs) {
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
      boolean data = r[1] != 0;
      Extent last = extents.isEmpty() ? null : extents.get(extents.size() - 1);
      if (last != null && last.data() == data) {
        extents.set(extents.size() - 1, new Extent(last.offset(), last.length() + len, data));
      } else {
        extents.add(new Extent(pos, len, data));
      }
      pos += len;
    }
    return new SyntheticImage(bytes, extents);
  }

  byte[] contents() {
    return contents;
  }

  @Override
  public ImageFormat format() {
    return ImageFormat.RAW;
  }

  @Override
  public long virtualSize() {
    return contents.length;
  }

  @Override
  public List<Extent> extents() {
    return extents;
  }

  @Override
  public int read(long offset, ByteBuffer dst) throws IOException {
    if (offset >= contents.length) {
      return -1;
    }
    int n = (int) Math.min(dst.remaining(), contents.length - offset);
    for (Extent e : extents) {
      if (!e.data() && e.offset() < offset + n && offset < e.end()) {
        throw new AssertionError(
            "writer read [" + offset + ", " + (offset + n) + ") inside zero extent " + e);
      }
    }
    dst.put(contents, (int) offset, n);
    return n;
  }

  @Override
  public Map<String, Object> details() {
    return Map.of();
  }

  @Override
  public void close() {}
}
