package dev.unideploy.provider.aws.upload;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.Extent;
import java.util.BitSet;

/**
 * Which 512 KiB blocks of an EBS volume to consider: those that overlap a data extent of the image
 * (hole-aware), or, for an encrypted snapshot, every block of the volume: zero blocks may be left
 * out only when the snapshot is unencrypted: EBS returns zeroes for blocks never written only for
 * unencrypted snapshots (https://docs.aws.amazon.com/ebs/latest/userguide/writesnapshots.html).
 */
final class BlockPlan {
  /** The EBS direct API block size: every PutSnapshotBlock carries exactly this many bytes. */
  static final int BLOCK_SIZE = 512 * 1024;

  static final long GIB = 1L << 30;

  private BlockPlan() {}

  /** The volume size for StartSnapshot: the virtual size rounded up to whole GiB (at least 1). */
  static long volumeGib(long virtualSize) {
    return Math.max(1, (virtualSize + GIB - 1) / GIB);
  }

  /** Blocks in a volume of {@code gib} GiB. */
  static int blocksInVolume(long gib) {
    long blocks = gib * (GIB / BLOCK_SIZE);
    if (blocks > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("a " + gib + " GiB volume is larger than EBS allows");
    }
    return (int) blocks;
  }

  /** The candidate blocks: all of the volume when {@code everyBlock}, else those with data. */
  static BitSet candidates(DiskImage disk, boolean everyBlock) {
    int total = blocksInVolume(volumeGib(disk.virtualSize()));
    BitSet blocks = new BitSet(total);
    if (everyBlock) {
      blocks.set(0, total);
      return blocks;
    }
    for (Extent e : disk.extents()) {
      if (e.data()) {
        int first = (int) (e.offset() / BLOCK_SIZE);
        int last = (int) ((e.end() - 1) / BLOCK_SIZE);
        blocks.set(first, last + 1);
      }
    }
    return blocks;
  }
}
