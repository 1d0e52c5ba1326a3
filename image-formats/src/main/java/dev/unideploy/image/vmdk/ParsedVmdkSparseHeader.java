package dev.unideploy.image.vmdk;

import dev.unideploy.image.ImageFormatException;
import dev.unideploy.image.read.ReaderLimits;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The header of a hosted sparse extent ("KDMV"), validated and bounded. Layout: VMware "Virtual
 * Disk Format 5.0", section "Hosted Sparse Extent Header"; little-endian, all sizes in sectors.
 */
record ParsedVmdkSparseHeader(
    int version,
    int flags,
    long capacitySectors,
    long grainSectors,
    long descriptorSector,
    long descriptorSectors,
    int gtesPerGt,
    long gdSector,
    int compressAlgorithm) {

  static final int MAGIC = 0x564d444b; // "KDMV" read little-endian
  static final long GD_AT_END = -1L;
  static final int FLAG_NEWLINE_TEST = 1;
  static final int FLAG_COMPRESSED = 1 << 16;
  static final int FLAG_MARKERS = 1 << 17;
  static final int MAX_GRAIN_SECTORS = 4096; // 2 MiB; VMware and qemu use 128 (64 KiB)
  static final int MAX_GTES_PER_GT = 512; // the spec's fixed value; qemu refuses more too

  boolean compressed() {
    return (flags & FLAG_COMPRESSED) != 0;
  }

  boolean markers() {
    return (flags & FLAG_MARKERS) != 0;
  }

  int grainBytes() {
    return (int) (grainSectors * 512);
  }

  static ParsedVmdkSparseHeader parse(Path path, ByteBuffer b, long at)
      throws ImageFormatException {
    if (b.getInt(0) != MAGIC) {
      throw corrupt(path, at, "no \"KDMV\" magic");
    }
    int version = b.getInt(4);
    if (version < 1 || version > 3) {
      throw unsupported(path, at + 4, "version " + version + " (1 to 3 are supported)");
    }
    int flags = b.getInt(8);
    if ((flags & FLAG_NEWLINE_TEST) != 0
        && (b.get(73) != '\n' || b.get(74) != ' ' || b.get(75) != '\r' || b.get(76) != '\n')) {
      throw corrupt(
          path,
          at + 73,
          "the newline check characters are wrong: the file was transferred in text mode (e.g."
              + " FTP ASCII); transfer it again in binary mode");
    }
    long capacity = b.getLong(12);
    if (capacity < 0 || capacity > ReaderLimits.MAX_VIRTUAL_SIZE / 512) {
      throw unsupported(
          path,
          at + 12,
          "capacity of "
              + Long.toUnsignedString(capacity)
              + " sectors exceeds the reader limit of "
              + ReaderLimits.MAX_VIRTUAL_SIZE
              + " bytes");
    }
    long grain = b.getLong(20);
    if (grain < 1 || grain > MAX_GRAIN_SECTORS || Long.bitCount(grain) != 1) {
      throw unsupported(
          path,
          at + 20,
          "grain size of "
              + Long.toUnsignedString(grain)
              + " sectors is not a power of two from 1 to "
              + MAX_GRAIN_SECTORS);
    }
    int gtes = b.getInt(44);
    if (gtes < 1 || gtes > MAX_GTES_PER_GT) {
      throw unsupported(
          path,
          at + 44,
          Integer.toUnsignedString(gtes)
              + " entries per grain table is outside 1.."
              + MAX_GTES_PER_GT);
    }
    int algorithm = Short.toUnsignedInt(b.getShort(77));
    if ((flags & FLAG_COMPRESSED) != 0 && algorithm != 1) {
      throw unsupported(
          path, at + 77, "compression algorithm " + algorithm + " (only deflate, 1, exists)");
    }
    return new ParsedVmdkSparseHeader(
        version,
        flags,
        capacity,
        grain,
        b.getLong(28),
        b.getLong(36),
        gtes,
        b.getLong(56),
        algorithm);
  }

  static ImageFormatException corrupt(Path path, long at, String why) {
    return ImageFormatException.at(
        path,
        "VMDK sparse header",
        at,
        "corrupt VMDK: " + why + "; copy or convert the image again");
  }

  static ImageFormatException unsupported(Path path, long at, String why) {
    return ImageFormatException.at(
        path,
        "VMDK sparse header",
        at,
        "not a supported VMDK: "
            + why
            + "; convert it with `qemu-img convert -O vmdk -o subformat=streamOptimized IN OUT`");
  }
}
