package dev.unideploy.it.formats;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.Extent;
import dev.unideploy.image.ImageFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

/**
 * A raw file whose extent map the test states, so a large sparse input needs no hole scan (the raw
 * reader's fast SEEK_HOLE path needs JVM flags this module's test JVM does not pass).
 */
final class KnownExtentsImage implements DiskImage {
  private final FileChannel channel;
  private final long size;
  private final List<Extent> extents;

  KnownExtentsImage(Path file, List<Extent> extents) throws IOException {
    this.channel = FileChannel.open(file, StandardOpenOption.READ);
    this.size = channel.size();
    this.extents = List.copyOf(extents);
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
  public int read(long offset, ByteBuffer dst) throws IOException {
    if (offset >= size) {
      return -1;
    }
    return channel.read(dst, offset);
  }

  @Override
  public Map<String, Object> details() {
    return Map.of();
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
