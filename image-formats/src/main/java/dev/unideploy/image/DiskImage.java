package dev.unideploy.image;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.List;
import java.util.Map;

/**
 * A virtual disk as every reader produces it and every writer consumes it: a size, an ordered map
 * of data and zero extents that covers it exactly, and random reads.
 *
 * <p>Implementations are safe for concurrent {@link #read} calls, so writers can compress or upload
 * grains in parallel.
 */
public interface DiskImage extends Closeable {

  /** The format this image was read from. */
  ImageFormat format();

  /** The size of the disk a guest sees, in bytes. */
  long virtualSize();

  /**
   * Data and zero extents in ascending order, contiguous, covering {@code [0, virtualSize())}. Zero
   * extents must never be read by writers.
   */
  List<Extent> extents();

  /**
   * Reads {@code dst.remaining()} bytes of the virtual disk starting at {@code offset} (fewer only
   * at the end of the disk). Zero regions read as zeroes.
   *
   * @return the number of bytes read, or -1 when {@code offset >= virtualSize()}
   */
  int read(long offset, ByteBuffer dst) throws IOException;

  /** Format-specific facts for {@code inspect}: cluster size, VHD type, subformat, ... */
  Map<String, Object> details();

  /**
   * The file {@link #storedRuns} point into, for copies made by the kernel; null when the disk is
   * not backed by a file. Callers only pass it as the source of positional transfers ({@link
   * FileChannel#transferTo}): they never move its position or close it.
   */
  default FileChannel storage() {
    return null;
  }

  /**
   * Adds to {@code out}, in ascending order, the runs of {@link #storage()} that hold {@code
   * [offset, offset + length)} of the disk byte for byte, and returns true. Returns false, leaving
   * {@code out} in an unspecified state, when part of the range is not stored as it reads
   * (compressed, or zero without being in the file): such a range must be {@linkplain #read read}.
   * The range lies inside the disk.
   */
  default boolean storedRuns(long offset, long length, List<StoredRun> out) throws IOException {
    return false;
  }

  /** Bytes in data extents: what a writer or uploader will actually read. */
  default long allocatedBytes() {
    long sum = 0;
    for (Extent e : extents()) {
      if (e.data()) {
        sum += e.length();
      }
    }
    return sum;
  }
}
