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
   * Longest copy held back to be joined with the next: long enough that the system call costs
   * nothing next to the bytes it moves, short enough that progress events stay close to the truth.
   */
  static final long MAX_PENDING = 64L << 20;

  private final FileChannel source;
  private final FileChannel out;
  private long pendingFile;
  private long pendingOut;
  private long pendingLength;
  private int calls;

  /**
   * A copier that joins consecutive copies: a piece that continues the last one both in the image
   * file and in the output is added to it, so that a run of 64 KiB VMDK grains, or data extents
   * that span many units, become one kernel call instead of one per grain or unit. Call {@link
   * #flush} before the output is closed or its length is set.
   */
  public KernelCopy(FileChannel source, FileChannel out) {
    this.source = source;
    this.out = out;
  }

  /**
   * Copies (now, or joined with later copies at the next {@link #flush}) the bytes of {@code runs}
   * that fall inside {@code [from, to)} of the disk to {@code out} at {@code at + (offset - from)}.
   */
  public void add(List<StoredRun> runs, long from, long to, long at) throws IOException {
    for (StoredRun r : runs) {
      long start = Math.max(r.offset(), from);
      long end = Math.min(r.end(), to);
      if (start < end) {
        add(r.fileOffset() + (start - r.offset()), at + (start - from), end - start);
      }
    }
  }

  private void add(long filePos, long outPos, long length) throws IOException {
    if (pendingLength > 0
        && pendingFile + pendingLength == filePos
        && pendingOut + pendingLength == outPos
        && pendingLength + length <= MAX_PENDING) {
      pendingLength += length;
      return;
    }
    flush();
    pendingFile = filePos;
    pendingOut = outPos;
    pendingLength = length;
  }

  /** Copies what is held back. Moves {@code out}'s position; {@code source}'s stays. */
  public void flush() throws IOException {
    long filePos = pendingFile;
    long left = pendingLength;
    pendingLength = 0;
    if (left == 0) {
      return;
    }
    out.position(pendingOut);
    while (left > 0) {
      long n = source.transferTo(filePos, left, out);
      calls++;
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

  /** How many kernel copies this copier has made, for tests that check the joining. */
  int calls() {
    return calls;
  }
}
