package dev.unideploy.image.write;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.StoredRun;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Copies the data of a unit from the image file to the output inside the kernel, with {@link
 * FileChannel#transferTo}: {@code copy_file_range(2)} on Java 25, {@code sendfile(2)} on Java 17
 * (both seen with strace). The bytes never enter the JVM, and what lies outside the data parts is
 * never written, so holes stay holes.
 *
 * <p>Nothing is checked for zeroes on the way: a run of zeroes that the input stores as data is
 * copied as data. Holes, zero clusters and unallocated blocks are zero extents and are never
 * copied, and {@code ImageOpener} scans a raw file that has no holes at all for its zeroes.
 */
public final class KernelCopy {
  private KernelCopy() {}

  /**
   * The runs of the image file that hold the unit's data parts, or null when the unit must be read
   * instead (a part is compressed, or the image has no file).
   */
  public static List<StoredRun> runs(DiskImage image, DataUnit unit) throws IOException {
    if (image.storage() == null) {
      return null;
    }
    List<StoredRun> runs = new ArrayList<>();
    long[] parts = unit.dataParts();
    for (int i = 0; i < parts.length; i += 2) {
      if (!image.storedRuns(parts[i], parts[i + 1], runs)) {
        return null;
      }
    }
    return runs;
  }

  /**
   * Copies the bytes of {@code runs} that fall inside {@code [from, to)} of the disk to {@code out}
   * at {@code at + (offset - from)}. Moves {@code out}'s position; {@code source}'s stays.
   */
  public static void transfer(
      FileChannel source, List<StoredRun> runs, long from, long to, FileChannel out, long at)
      throws IOException {
    for (StoredRun r : runs) {
      long start = Math.max(r.offset(), from);
      long end = Math.min(r.end(), to);
      if (start >= end) {
        continue;
      }
      long filePos = r.fileOffset() + (start - r.offset());
      long left = end - start;
      out.position(at + (start - from));
      while (left > 0) {
        long n = source.transferTo(filePos, left, out);
        if (n <= 0) {
          throw new IOException(
              "the image file ended at byte "
                  + filePos
                  + " while it was copied; it is truncated or was changed during the"
                  + " conversion: let it be and convert again");
        }
        filePos += n;
        left -= n;
      }
    }
  }
}
