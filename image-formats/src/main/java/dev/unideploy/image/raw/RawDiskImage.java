package dev.unideploy.image.raw;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.Extent;
import dev.unideploy.image.ImageFormat;
import dev.unideploy.image.read.SourceFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/**
 * A virtual disk stored as plain bytes in a window of a file: a raw image, the data of a fixed VHD
 * or a VMDK flat extent. Reads are positional, so concurrent callers are safe.
 */
public final class RawDiskImage implements DiskImage {
  private final SourceFile file;
  private final long base;
  private final long virtualSize;
  private final ImageFormat format;
  private final List<Extent> extents;
  private final Map<String, Object> details;

  RawDiskImage(
      SourceFile file,
      long base,
      long virtualSize,
      ImageFormat format,
      List<Extent> extents,
      Map<String, Object> details) {
    this.file = file;
    this.base = base;
    this.virtualSize = virtualSize;
    this.format = format;
    this.extents = extents;
    this.details = details;
  }

  @Override
  public ImageFormat format() {
    return format;
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
  public int read(long offset, ByteBuffer dst) throws IOException {
    if (offset < 0) {
      throw new IllegalArgumentException("negative offset " + offset);
    }
    if (offset >= virtualSize) {
      return -1;
    }
    int n = (int) Math.min(dst.remaining(), virtualSize - offset);
    ByteBuffer slice = dst.duplicate();
    slice.limit(slice.position() + n);
    file.readFully(base + offset, slice);
    dst.position(dst.position() + n);
    return n;
  }

  @Override
  public Map<String, Object> details() {
    return details;
  }

  @Override
  public void close() throws IOException {
    file.close();
  }
}
