package dev.unideploy.provider.aws.upload;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.Extent;
import dev.unideploy.image.ImageFormat;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** A disk held in memory, with an explicit extent map; counts reads of zero extents. */
final class MemoryDiskImage implements DiskImage {
  private final byte[] bytes;
  private final List<Extent> extents;

  MemoryDiskImage(byte[] bytes, List<Extent> extents) {
    this.bytes = bytes;
    this.extents = List.copyOf(extents);
  }

  /**
   * A disk of {@code size} bytes where each {@code [offset, length]} pair is random data marked as
   * a data extent, and everything else is a zero extent.
   */
  static MemoryDiskImage withData(long size, long seed, long[]... regions) {
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
    return new MemoryDiskImage(bytes, extents);
  }

  byte[] bytes() {
    return bytes;
  }

  @Override
  public ImageFormat format() {
    return ImageFormat.RAW;
  }

  @Override
  public long virtualSize() {
    return bytes.length;
  }

  @Override
  public List<Extent> extents() {
    return extents;
  }

  @Override
  public int read(long offset, ByteBuffer dst) {
    if (offset >= bytes.length) {
      return -1;
    }
    for (Extent e : extents) {
      if (!e.data() && offset >= e.offset() && offset < e.end()) {
        throw new AssertionError("read of zero extent at " + offset);
      }
    }
    int n = (int) Math.min(dst.remaining(), bytes.length - offset);
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
