package dev.unideploy.image.write;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.TargetFormat;
import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * Writes a {@link DiskImage} in one target format: in one pass over the data extents, in bounded
 * memory, never reading a zero extent, and byte-for-byte reproducibly.
 */
public interface ImageWriter {

  TargetFormat format();

  /**
   * Writes {@code image} to {@code out}, which is truncated first. The channel must be a file:
   * writers leave holes for zeroes and patch headers in place at the end.
   */
  WriteResult write(DiskImage image, FileChannel out, WriteOptions options, WriteProgress progress)
      throws IOException;
}
