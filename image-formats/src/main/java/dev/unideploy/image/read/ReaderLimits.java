package dev.unideploy.image.read;

/**
 * Caps that keep every reader in bounded memory and time whatever a file claims. Each is far above
 * what a real image needs; a file that exceeds one is refused with a clear error rather than
 * trusted.
 */
public final class ReaderLimits {
  /** Largest virtual disk accepted: 1 PiB (clouds stop at 64 TiB). */
  public static final long MAX_VIRTUAL_SIZE = 1L << 50;

  /**
   * Largest table (qcow2 L1, VMDK grain directory, VHD BAT) read into memory: 32 MiB, the same cap
   * qemu puts on a qcow2 L1 table.
   */
  public static final int MAX_TABLE_BYTES = 32 * 1024 * 1024;

  /**
   * Most entries of any first-level table: 4 Mi, the qcow2 L1 cap in entries. With the checks that
   * sort a copy of the table, a table costs at most 48 MiB of heap while open.
   */
  public static final int MAX_TABLE_ENTRIES = MAX_TABLE_BYTES / 8;

  /** Bytes of second-level tables (qcow2 L2, VMDK grain tables) kept in each image's cache. */
  public static final int TABLE_CACHE_BYTES = 16 * 1024 * 1024;

  /**
   * Most qcow2 compressed clusters in one image: 4 Mi (256 GiB of data in 64 KiB clusters). Their
   * offsets are kept to find aliases, 8 bytes each: at most 32 MiB of heap.
   */
  public static final int MAX_COMPRESSED_CLUSTERS = 4 * 1024 * 1024;

  /** Largest embedded or separate VMDK descriptor accepted. */
  public static final int MAX_DESCRIPTOR_BYTES = 1024 * 1024;

  /**
   * Most extents kept in an extent map; beyond it short zero runs are folded into data (still
   * correct: a data extent may contain zeroes) so that the map stays within a few tens of MiB.
   */
  public static final int MAX_EXTENTS = 1 << 20;

  private ReaderLimits() {}
}
