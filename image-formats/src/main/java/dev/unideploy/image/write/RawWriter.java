package dev.unideploy.image.write;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.TargetFormat;
import java.io.IOException;
import java.nio.channels.FileChannel;

/** Writes the virtual disk as a raw file, sparse: zero regions become holes. */
public final class RawWriter implements ImageWriter {

  @Override
  public TargetFormat format() {
    return TargetFormat.RAW;
  }

  @Override
  public WriteResult write(
      DiskImage image, FileChannel out, WriteOptions options, WriteProgress progress)
      throws IOException {
    out.truncate(0);
    SparseCopier.copy(image, out, 0, options, progress);
    SparseCopier.setLength(out, image.virtualSize());
    return new WriteResult(out.size(), image.virtualSize());
  }
}
