package dev.unideploy.image.vhd;

import dev.unideploy.image.ImageFormatException;
import dev.unideploy.image.read.ReaderLimits;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A VHD footer (hard disk footer), checksum verified, with the virtual size qemu would use. Layout:
 * Microsoft "Virtual Hard Disk Image Format Specification" v1.0, big-endian.
 */
record ParsedVhdFooter(
    long dataOffset,
    String creatorApp,
    long currentSize,
    int cylinders,
    int heads,
    int sectorsPerTrack,
    int diskType,
    long virtualSize,
    boolean sizeFromGeometry) {

  static final int SIZE = 512;
  static final int FIXED = 2;
  static final int DYNAMIC = 3;
  static final int DIFFERENCING = 4;
  private static final long MAX_GEOMETRY_SECTORS = 65535L * 16 * 255;

  static boolean hasCookie(ByteBuffer bytes) {
    return bytes.remaining() >= 8 && "conectix".equals(ascii(bytes, 0, 8));
  }

  static ParsedVhdFooter parse(Path path, ByteBuffer b, long offset) throws ImageFormatException {
    if (!hasCookie(b)) {
      throw ImageFormatException.at(
          path,
          "VHD footer",
          offset,
          "no \"conectix\" cookie; the file is not a VHD or is truncated: copy it again");
    }
    long stored = Integer.toUnsignedLong(b.getInt(64));
    long computed = Integer.toUnsignedLong(checksum(b, 64));
    if (stored != computed) {
      throw ImageFormatException.at(
          path,
          "VHD footer",
          offset,
          "checksum 0x"
              + Long.toHexString(stored)
              + " does not match the contents (0x"
              + Long.toHexString(computed)
              + "); the footer is corrupt: copy or convert the image again");
    }
    int diskType = b.getInt(60);
    long currentSize = b.getLong(48);
    int cylinders = Short.toUnsignedInt(b.getShort(56));
    int heads = Byte.toUnsignedInt(b.get(58));
    int sectors = Byte.toUnsignedInt(b.get(59));
    String creator = ascii(b, 28, 4);
    if (currentSize < 0 || currentSize > ReaderLimits.MAX_VIRTUAL_SIZE) {
      throw ImageFormatException.at(
          path,
          "VHD footer",
          offset + 48,
          "current size "
              + Long.toUnsignedString(currentSize)
              + " exceeds the reader limit of "
              + ReaderLimits.MAX_VIRTUAL_SIZE
              + " bytes; the footer is corrupt");
    }
    // qemu's rule (block/vpc.c), so that sizes agree with `qemu-img`: Virtual PC and qemu's "qemu"
    // creator size disks by CHS geometry; Hyper-V, Disk2vhd, XenServer, XenConverter and qemu with
    // force_size ("qem2") by current_size; a maximal geometry always means current_size.
    long geometrySectors = (long) cylinders * heads * sectors;
    boolean byCurrentSize =
        creator.equals("win ")
            || creator.equals("qem2")
            || creator.equals("d2v ")
            || creator.equals("CTXS")
            || creator.equals("tap\0")
            || geometrySectors == MAX_GEOMETRY_SECTORS;
    long virtualSize = byCurrentSize ? currentSize : geometrySectors * 512;
    return new ParsedVhdFooter(
        b.getLong(16),
        creator,
        currentSize,
        cylinders,
        heads,
        sectors,
        diskType,
        virtualSize,
        !byCurrentSize);
  }

  /** One's complement of the byte sum, skipping the 4-byte checksum field at {@code at}. */
  static int checksum(ByteBuffer b, int at) {
    int sum = 0;
    for (int i = 0; i < b.limit(); i++) {
      if (i < at || i >= at + 4) {
        sum += Byte.toUnsignedInt(b.get(i));
      }
    }
    return ~sum;
  }

  String typeName() {
    switch (diskType) {
      case FIXED:
        return "fixed";
      case DYNAMIC:
        return "dynamic";
      case DIFFERENCING:
        return "differencing";
      default:
        return "type " + diskType;
    }
  }

  private static String ascii(ByteBuffer b, int from, int length) {
    byte[] bytes = new byte[length];
    for (int i = 0; i < length; i++) {
      bytes[i] = b.get(from + i);
    }
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }
}
