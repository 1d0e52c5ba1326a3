package dev.unideploy.image.write.vmdk;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Builds the 512-byte SparseExtentHeader of a hosted sparse VMDK extent (VMware "Virtual Disk
 * Format 5.0", section "Hosted Sparse Extent Header"), little-endian and packed.
 */
final class VmdkHeaderWriter {
  static final int MAGIC = 0x564d444b; // "KDMV"
  static final int FLAG_VALID_NEWLINE_TEST = 1;
  static final int FLAG_REDUNDANT_GRAIN_TABLE = 1 << 1;
  static final int FLAG_COMPRESSED = 1 << 16;
  static final int FLAG_MARKERS = 1 << 17;
  static final long GD_AT_END = -1L;
  static final long GRAIN_SECTORS = 128; // 64 KiB, what VMware and qemu use
  static final int GTES_PER_GT = 512;

  private VmdkHeaderWriter() {}

  /** All offsets and sizes are in 512-byte sectors. */
  static byte[] build(
      int version,
      int flags,
      long capacitySectors,
      long descriptorOffset,
      long descriptorSectors,
      long rgdOffset,
      long gdOffset,
      long overheadSectors,
      int compressAlgorithm) {
    ByteBuffer b = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(MAGIC);
    b.putInt(version);
    b.putInt(flags);
    b.putLong(capacitySectors);
    b.putLong(GRAIN_SECTORS);
    b.putLong(descriptorOffset);
    b.putLong(descriptorSectors);
    b.putInt(GTES_PER_GT);
    b.putLong(rgdOffset);
    b.putLong(gdOffset);
    b.putLong(overheadSectors);
    b.put((byte) 0); // uncleanShutdown
    // The four newline-detection characters let a reader notice a file mangled by a text transfer.
    b.put((byte) '\n');
    b.put((byte) ' ');
    b.put((byte) '\r');
    b.put((byte) '\n');
    b.putShort((short) compressAlgorithm);
    return b.array();
  }
}
