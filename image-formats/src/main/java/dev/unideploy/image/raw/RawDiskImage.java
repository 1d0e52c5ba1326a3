package dev.unideploy.image.raw;

import dev.unideploy.image.Extent;
import dev.unideploy.image.ImageFormat;
import dev.unideploy.image.StoredRun;
import dev.unideploy.image.read.FileBackedDiskImage;
import dev.unideploy.image.read.SourceFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/**
 * A virtual disk stored as plain bytes in a window of a file: a raw image, the data of a fixed VHD
 * or a VMDK flat extent. Reads are positional, so concurrent callers are safe.
 */
public final class RawDiskImage extends FileBackedDiskImage {
  private final long base;

  RawDiskImage(
      SourceFile file,
      long base,
      long virtualSize,
      ImageFormat format,
      List<Extent> extents,
      Map<String, Object> details) {
    super(file, format, virtualSize, extents, details);
    this.base = base;
  }

  @Override
  public boolean storedRuns(long offset, long length, List<StoredRun> out) throws IOException {
    addRun(out, offset, base + offset, length);
    return true;
  }

  @Override
  protected void readWithin(long offset, ByteBuffer dst, int n) throws IOException {
    copyFromFile(base + offset, dst, n);
  }
}
