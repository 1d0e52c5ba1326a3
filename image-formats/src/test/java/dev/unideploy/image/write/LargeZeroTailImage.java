package dev.unideploy.image.write;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.Extent;
import dev.unideploy.image.ImageFormat;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/** A large disk whose data is a small prefix; reading past the prefix fails the test. */
final class LargeZeroTailImage implements DiskImage {
  private final byte[] prefix;
  private final long size;
  private final List<Extent> extents;

  LargeZeroTailImage(byte[] prefix, long size, List<Extent> extents) {
    this.prefix = prefix;
    this.size = size;
    this.extents = extents;
  }

  @Override
  public ImageFormat format() {
    return ImageFormat.RAW;
  }

  @Override
  public long virtualSize() {
    return size;
  }

  @Override
  public List<Extent> extents() {
    return extents;
  }

  @Override
  public int read(long offset, ByteBuffer dst) {
    if (offset + dst.remaining() > prefix.length) {
      throw new AssertionError("read past the data prefix at " + offset);
    }
    int n = dst.remaining();
    dst.put(prefix, (int) offset, n);
    return n;
  }

  @Override
  public Map<String, Object> details() {
    return Map.of();
  }

  @Override
  public void close() {}
}
