package dev.unideploy.image.read;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.Extent;
import dev.unideploy.image.ImageFormat;
import dev.unideploy.image.ImageFormatException;
import dev.unideploy.image.StoredRun;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.List;
import java.util.Map;

/**
 * What every reader's disk shares: the facts found when the file was opened, the bounds checks of
 * {@link #read}, and positional copies from the file. A subclass only maps a range of the virtual
 * disk to the file ({@link #readWithin}), so concurrent readers stay safe.
 */
public abstract class FileBackedDiskImage implements DiskImage {
  protected final SourceFile file;
  private final ImageFormat format;
  private final long virtualSize;
  private final List<Extent> extents;
  private final Map<String, Object> details;

  protected FileBackedDiskImage(
      SourceFile file,
      ImageFormat format,
      long virtualSize,
      List<Extent> extents,
      Map<String, Object> details) {
    this.file = file;
    this.format = format;
    this.virtualSize = virtualSize;
    this.extents = extents;
    this.details = details;
  }

  @Override
  public final ImageFormat format() {
    return format;
  }

  @Override
  public final long virtualSize() {
    return virtualSize;
  }

  @Override
  public final List<Extent> extents() {
    return extents;
  }

  @Override
  public final Map<String, Object> details() {
    return details;
  }

  @Override
  public final int read(long offset, ByteBuffer dst) throws IOException {
    if (offset < 0) {
      throw new IllegalArgumentException("negative offset " + offset);
    }
    if (offset >= virtualSize) {
      return -1;
    }
    int n = (int) Math.min(dst.remaining(), virtualSize - offset);
    readWithin(offset, dst, n);
    return n;
  }

  /**
   * Puts exactly {@code n} bytes of the virtual disk from {@code offset} into {@code dst},
   * advancing its position; the range is inside the disk.
   */
  protected abstract void readWithin(long offset, ByteBuffer dst, int n) throws IOException;

  @Override
  public final FileChannel storage() {
    return file.channel();
  }

  /**
   * Appends a run of {@code length} bytes stored at {@code fileOffset} for the disk's {@code
   * offset} to {@code out}, extending the last run when both continue it. A run past the end of the
   * file fails here, as a read of it would, rather than in the middle of a kernel copy.
   */
  protected final void addRun(List<StoredRun> out, long offset, long fileOffset, long length)
      throws ImageFormatException {
    file.requireInside("data", fileOffset, length);
    int last = out.size() - 1;
    if (last >= 0) {
      StoredRun prev = out.get(last);
      if (prev.end() == offset && prev.fileOffset() + prev.length() == fileOffset) {
        out.set(last, new StoredRun(prev.offset(), prev.fileOffset(), prev.length() + length));
        return;
      }
    }
    out.add(new StoredRun(offset, fileOffset, length));
  }

  /** Copies {@code n} bytes of the file at {@code at} into {@code dst}, advancing its position. */
  protected final void copyFromFile(long at, ByteBuffer dst, int n) throws IOException {
    ByteBuffer slice = dst.duplicate();
    slice.limit(slice.position() + n);
    file.readFully(at, slice);
    dst.position(dst.position() + n);
  }

  @Override
  public void close() throws IOException {
    file.close();
  }
}
