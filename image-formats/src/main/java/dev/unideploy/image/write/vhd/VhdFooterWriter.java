package dev.unideploy.image.write.vhd;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Builds the 512-byte VHD hard disk footer (Microsoft "Virtual Hard Disk Image Format
 * Specification", section "Hard Disk Footer Format"). All fields are big-endian.
 *
 * <p>Creator application is {@code "win "} (Hyper-V). qemu decides between the CHS geometry and the
 * footer's current size by this field: for {@code "vpc "} and {@code "qemu"} it multiplies out the
 * geometry, which cannot express most sizes (a 20 MiB disk would read as 19.9 MiB), while for
 * {@code "win "}, {@code "qem2"}, {@code "d2v "}, {@code "CTXS"} and {@code "tap\0"} it uses the
 * current size, as Hyper-V and Azure do. See {@code vpc_open} /{@code vpc_ignore_current_size} in
 * https://gitlab.com/qemu-project/qemu/-/blob/master/block/vpc.c. {@code "win "} is in that list in
 * every qemu release since 2.5 and is what Hyper-V, whose rules Azure follows, writes itself, so
 * Azure and qemu-img agree on the size.
 */
public final class VhdFooterWriter {
  public static final int SIZE = 512;
  public static final int TYPE_FIXED = 2;
  public static final int TYPE_DYNAMIC = 3;

  /** Seconds from the Unix epoch to the VHD epoch, 2000-01-01T00:00:00Z. */
  private static final long VHD_EPOCH = 946_684_800L;

  private VhdFooterWriter() {}

  /**
   * The footer bytes.
   *
   * @param dataOffset the dynamic header's offset, or -1 (all ones) for a fixed disk
   * @param uniqueId 16 bytes, derived from the contents so output is reproducible
   */
  public static byte[] build(
      int diskType, long currentSize, long dataOffset, long mtimeEpochSeconds, byte[] uniqueId) {
    ByteBuffer b = ByteBuffer.allocate(SIZE);
    b.put("conectix".getBytes(StandardCharsets.US_ASCII));
    b.putInt(0x00000002); // features: the "reserved" bit the spec says must always be set
    b.putInt(0x00010000); // file format version 1.0
    b.putLong(dataOffset);
    b.putInt((int) Math.max(0, mtimeEpochSeconds - VHD_EPOCH));
    b.put("win ".getBytes(StandardCharsets.US_ASCII));
    b.putInt(0x00010000); // creator version
    b.put("Wi2k".getBytes(StandardCharsets.US_ASCII)); // creator host OS: Windows
    b.putLong(currentSize); // original size
    b.putLong(currentSize);
    b.putInt(geometry(currentSize / 512));
    b.putInt(diskType);
    int checksumAt = b.position();
    b.putInt(0);
    b.put(uniqueId, 0, 16);
    b.put((byte) 0); // saved state
    byte[] bytes = b.array();
    ByteBuffer.wrap(bytes).putInt(checksumAt, checksum(bytes));
    return bytes;
  }

  /** One's complement of the byte sum, with the checksum field counted as zero. */
  static int checksum(byte[] bytes) {
    int sum = 0;
    for (byte x : bytes) {
      sum += x & 0xff;
    }
    return ~sum;
  }

  /**
   * Cylinders (16 bits), heads (8) and sectors per track (8) by the algorithm in the spec's
   * appendix "CHS Calculation"; only old tools read it, but it must be the spec's value.
   */
  static int geometry(long totalSectors) {
    long sectors = Math.min(totalSectors, 65535L * 16 * 255);
    int spt;
    int heads;
    long cylTimesHeads;
    if (sectors >= 65535L * 16 * 63) {
      spt = 255;
      heads = 16;
      cylTimesHeads = sectors / spt;
    } else {
      spt = 17;
      cylTimesHeads = sectors / spt;
      heads = (int) Math.max(4, (cylTimesHeads + 1023) / 1024);
      if (cylTimesHeads >= heads * 1024L || heads > 16) {
        spt = 31;
        heads = 16;
        cylTimesHeads = sectors / spt;
      }
      if (cylTimesHeads >= heads * 1024L) {
        spt = 63;
        heads = 16;
        cylTimesHeads = sectors / spt;
      }
    }
    long cylinders = cylTimesHeads / heads;
    return (int) (cylinders << 16 | heads << 8 | spt);
  }
}
