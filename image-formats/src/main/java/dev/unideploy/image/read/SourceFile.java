package dev.unideploy.image.read;

import dev.unideploy.image.ImageFormatException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An image file opened for positional reads only: no shared position, so any number of threads may
 * read at once. Reads of on-disk structures fail with an {@link ImageFormatException} that names
 * the structure when the file ends early.
 */
public final class SourceFile implements Closeable {
  private final Path path;
  private final FileChannel channel;
  private final long size;

  private SourceFile(Path path, FileChannel channel, long size) {
    this.path = path;
    this.channel = channel;
    this.size = size;
  }

  public static SourceFile open(Path path) throws IOException {
    return open(path, false);
  }

  /**
   * Opens {@code path}; with {@code noFollow}, fails when its last component is a symbolic link
   * (one swapped in after the caller resolved and checked the path).
   */
  public static SourceFile open(Path path, boolean noFollow) throws IOException {
    FileChannel channel =
        noFollow
            ? FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)
            : FileChannel.open(path, StandardOpenOption.READ);
    try {
      return new SourceFile(path, channel, channel.size());
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  public Path path() {
    return path;
  }

  /**
   * The open channel, for positional transfers out of the file ({@link FileChannel#transferTo(long,
   * long, java.nio.channels.WritableByteChannel)} leaves its position alone); callers must not move
   * its position or close it.
   */
  public FileChannel channel() {
    return channel;
  }

  /** The file's size when it was opened. */
  public long size() {
    return size;
  }

  /**
   * Reads {@code length} bytes of the structure named {@code structure} at {@code offset}; fails
   * when they are not all in the file. {@code length} must already be capped by the caller.
   */
  public ByteBuffer readStructure(String structure, long offset, int length) throws IOException {
    requireInside(structure, offset, length);
    ByteBuffer buf = ByteBuffer.allocate(length);
    readFully(offset, buf);
    buf.flip();
    return buf;
  }

  /** {@link #readStructure} as a little-endian buffer. */
  public ByteBuffer readStructureLe(String structure, long offset, int length) throws IOException {
    return readStructure(structure, offset, length).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Fails unless {@code [offset, offset + length)} lies inside the file. */
  public void requireInside(String structure, long offset, long length)
      throws ImageFormatException {
    if (offset < 0 || length < 0 || offset > size || length > size - offset) {
      throw ImageFormatException.at(
          path,
          structure,
          offset,
          (offset > size || offset < 0 ? "starts past" : "runs past")
              + " the end of the file ("
              + size
              + " bytes, "
              + length
              + " needed); the file is truncated or corrupt: copy or convert it again");
    }
  }

  /** Fills {@code dst} from {@code offset}; the range must be inside the file. */
  public void readFully(long offset, ByteBuffer dst) throws IOException {
    long pos = offset;
    while (dst.hasRemaining()) {
      int n = channel.read(dst, pos);
      if (n < 0) {
        throw ImageFormatException.at(
            path,
            "data",
            pos,
            "the file ended early (it shrank while open?); do not modify an image while reading it");
      }
      pos += n;
    }
  }

  /** Fills {@code dst} from {@code offset}, with zeroes for whatever lies past the end of file. */
  public void readZeroPadded(long offset, ByteBuffer dst) throws IOException {
    long pos = offset;
    while (dst.hasRemaining() && pos < size) {
      int n = channel.read(dst, pos);
      if (n < 0) {
        break;
      }
      pos += n;
    }
    while (dst.hasRemaining()) {
      dst.put((byte) 0);
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
