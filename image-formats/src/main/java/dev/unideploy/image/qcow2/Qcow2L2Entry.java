package dev.unideploy.image.qcow2;

/**
 * Decodes qcow2 L1 and L2 entries (docs/interop/qcow2.txt, "Cluster mapping"): standard clusters
 * with a host offset or the all-zero flag, and compressed clusters with an offset and sector count.
 */
final class Qcow2L2Entry {
  static final long OFFSET_MASK = 0x00ff_ffff_ffff_fe00L; // bits 9..55
  static final long COMPRESSED = 1L << 62;
  static final long ZERO = 1L;

  private Qcow2L2Entry() {}

  static boolean isCompressed(long entry) {
    return (entry & COMPRESSED) != 0;
  }

  /** A standard cluster that reads as zero: the zero flag, or no host cluster (no backing file). */
  static boolean isZero(long entry) {
    return !isCompressed(entry) && ((entry & ZERO) != 0 || (entry & OFFSET_MASK) == 0);
  }

  static long hostOffset(long entry) {
    return entry & OFFSET_MASK;
  }

  /** The bit where the sector count starts in a compressed entry: x = 62 - (cluster_bits - 8). */
  private static int sizeShift(int clusterBits) {
    return 62 - (clusterBits - 8);
  }

  static long compressedOffset(long entry, int clusterBits) {
    return entry & ((1L << sizeShift(clusterBits)) - 1);
  }

  /**
   * Bytes of compressed data: the sector holding the offset plus the additional sectors, less the
   * part of the first sector before the offset. At most twice the cluster size by construction.
   */
  static int compressedLength(long entry, int clusterBits) {
    int shift = sizeShift(clusterBits);
    long additional = (entry >>> shift) & ((1L << (clusterBits - 8)) - 1);
    long offset = compressedOffset(entry, clusterBits);
    return (int) ((additional + 1) * 512 - (offset & 511));
  }
}
