package dev.unideploy.provider.local;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.Extent;
import dev.unideploy.image.ImageFormat;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A disk held in memory for tests: data extents where the bytes are non-zero per 64 KiB block. */
final class MemoryDisk implements DiskImage {
  private static final int BLOCK = 64 * 1024;
  private final byte[] bytes;
  private final List<Extent> extents = new ArrayList<>();

  MemoryDisk(byte[] bytes) {
    this.bytes = bytes;
    for (long off = 0; off < bytes.length; off += BLOCK) {
      int len = (int) Math.min(BLOCK, bytes.length - off);
      boolean data = false;
      for (int i = 0; i < len && !data; i++) {
        data = bytes[(int) off + i] != 0;
      }
      Extent last = extents.isEmpty() ? null : extents.get(extents.size() - 1);
      if (last != null && last.data() == data) {
        extents.set(extents.size() - 1, new Extent(last.offset(), last.length() + len, data));
      } else {
        extents.add(new Extent(off, len, data));
      }
    }
  }

  /** A disk of {@code size} bytes with {@code marker} written at a few offsets. */
  static MemoryDisk withMarker(int size, String marker) {
    byte[] b = new byte[size];
    byte[] m = marker.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    System.arraycopy(m, 0, b, 0, m.length);
    System.arraycopy(m, 0, b, size / 2, m.length);
    return new MemoryDisk(b);
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
