package dev.unideploy.provider.azure.upload;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.Extent;
import dev.unideploy.image.write.vhd.VhdFixedWriter;
import java.util.BitSet;

/**
 * The layout of a fixed VHD page blob: the disk rounded up to whole MiB (at least 20 MiB, what
 * Azure accepts, see {@link VhdFixedWriter#azureSize}) then the 512-byte footer; and which 4 MiB
 * windows may hold data (those overlapping a data extent). A Put Page call carries at most 4 MiB
 * (https://learn.microsoft.com/rest/api/storageservices/put-page), so a window is one call.
 */
final class PagePlan {
  /** The largest Put Page body Azure accepts. */
  static final int WINDOW = 4 << 20;

  static final int PAGE = 512;

  private PagePlan() {}

  /** The virtual size Azure sees: whole MiB, at least 20 MiB. */
  static long virtualSize(DiskImage disk) {
    return VhdFixedWriter.azureSize(disk.virtualSize());
  }

  /** The page blob's (and the upload disk's) size: the virtual size plus the footer. */
  static long blobSize(DiskImage disk) {
    return virtualSize(disk) + PAGE;
  }

  static int windows(long virtualSize) {
    long n = (virtualSize + WINDOW - 1) / WINDOW;
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("a disk of " + virtualSize + " bytes is too large");
    }
    return (int) n;
  }

  /** The windows that overlap a data extent of the disk. */
  static BitSet candidates(DiskImage disk) {
    BitSet set = new BitSet(windows(virtualSize(disk)));
    for (Extent e : disk.extents()) {
      if (e.data()) {
        set.set((int) (e.offset() / WINDOW), (int) ((e.end() - 1) / WINDOW) + 1);
      }
    }
    return set;
  }

  /**
   * The part of {@code buf[0, length)} between its first and last non-zero 512-byte page, as {@code
   * {from, to}} byte offsets (to exclusive), or null when every byte is zero.
   */
  static int[] trim(byte[] buf, int length) {
    int first = -1;
    for (int p = 0; p < length; p += PAGE) {
      if (!zero(buf, p, Math.min(length, p + PAGE))) {
        first = p;
        break;
      }
    }
    if (first < 0) {
      return null;
    }
    int last = first;
    for (int p = ((length - 1) / PAGE) * PAGE; p > first; p -= PAGE) {
      if (!zero(buf, p, Math.min(length, p + PAGE))) {
        last = p;
        break;
      }
    }
    return new int[] {first, Math.min(length, last + PAGE)};
  }

  private static boolean zero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }
}
