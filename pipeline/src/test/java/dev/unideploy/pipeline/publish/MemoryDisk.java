package dev.unideploy.pipeline.publish;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.Extent;
import dev.unideploy.image.ImageFormat;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A small in-memory disk for pipeline tests: data where the bytes are non-zero per 4 KiB. */
final class MemoryDisk implements DiskImage {
  private final byte[] bytes;

  MemoryDisk(byte[] bytes) {
    this.bytes = bytes;
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
    List<Extent> out = new ArrayList<>();
    int block = 4096;
    for (int off = 0; off < bytes.length; off += block) {
      int len = Math.min(block, bytes.length - off);
      boolean data = false;
      for (int i = off; i < off + len && !data; i++) {
        data = bytes[i] != 0;
      }
      Extent last = out.isEmpty() ? null : out.get(out.size() - 1);
      if (last != null && last.data() == data) {
        out.set(out.size() - 1, new Extent(last.offset(), last.length() + len, data));
      } else {
        out.add(new Extent(off, len, data));
      }
    }
    return out;
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
