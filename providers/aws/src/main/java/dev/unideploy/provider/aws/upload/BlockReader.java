package dev.unideploy.provider.aws.upload;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.Extent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * Fills a 512 KiB buffer with one block of the disk, reading only the data extents it overlaps and
 * zero-filling the rest (zero extents and the tail past the virtual size are never read).
 */
final class BlockReader {
  private static final byte[] ZERO_BLOCK = new byte[BlockPlan.BLOCK_SIZE];

  private final DiskImage disk;
  private final List<Extent> extents;

  BlockReader(DiskImage disk) {
    this.disk = disk;
    this.extents = disk.extents();
  }

  /** Reads block {@code index} into {@code buf} (length {@link BlockPlan#BLOCK_SIZE}). */
  void read(int index, byte[] buf) throws IOException {
    long start = (long) index * BlockPlan.BLOCK_SIZE;
    long end = start + BlockPlan.BLOCK_SIZE;
    // Zero only what no data extent covers: a data block is read over, not cleared first.
    int filled = 0;
    for (int i = firstExtentEndingAfter(start); i < extents.size(); i++) {
      Extent e = extents.get(i);
      if (e.offset() >= end) {
        break;
      }
      if (!e.data()) {
        continue;
      }
      long from = Math.max(start, e.offset());
      long to = Math.min(end, e.end());
      int at = (int) (from - start);
      if (at > filled) {
        Arrays.fill(buf, filled, at, (byte) 0);
      }
      ByteBuffer dst = ByteBuffer.wrap(buf, at, (int) (to - from));
      while (dst.hasRemaining()) {
        long pos = start + dst.position();
        if (disk.read(pos, dst) < 0) {
          throw new IOException(
              "the image ended at byte " + pos + " inside a data extent that runs to " + e.end());
        }
      }
      filled = Math.max(filled, (int) (to - start));
    }
    Arrays.fill(buf, filled, buf.length, (byte) 0);
  }

  static boolean isZero(byte[] buf) {
    return Arrays.equals(buf, ZERO_BLOCK);
  }

  /** Binary search: the first extent whose end is past {@code offset}. */
  private int firstExtentEndingAfter(long offset) {
    int lo = 0;
    int hi = extents.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (extents.get(mid).end() <= offset) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
