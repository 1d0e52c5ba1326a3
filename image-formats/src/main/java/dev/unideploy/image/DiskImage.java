package dev.unideploy.image;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
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
