package dev.unideploy.image.qcow2;

import dev.unideploy.image.ImageFormatException;
import dev.unideploy.image.read.ReaderLimits;
import dev.unideploy.image.read.SourceFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The qcow2 header, validated: only what a reader of the active layer without backing file needs.
 * Layout: https://gitlab.com/qemu-project/qemu/-/blob/master/docs/interop/qcow2.txt
 */
record Qcow2Header(
    int version,
    int clusterBits,
    long virtualSize,
    int l1Entries,
    long l1Offset,
    int compressionType,
    long incompatibleFeatures,
    int snapshots) {

  static final int MAGIC = 0x514649fb; // "QFI\xfb"
  static final String FLATTEN = "`qemu-img convert -O qcow2 IN OUT`";

  private static final long DIRTY = 1L;
  private static final long CORRUPT = 1L << 1;
  private static final long EXTERNAL_DATA = 1L << 2;
  private static final long COMPRESSION_TYPE = 1L << 3;
  private static final long EXTENDED_L2 = 1L << 4;
  private static final long KNOWN_INCOMPATIBLE =
      DIRTY | CORRUPT | EXTERNAL_DATA | COMPRESSION_TYPE | EXTENDED_L2;

  int clusterSize() {
    return 1 << clusterBits;
  }

  /** L2 entries per table (a table is one cluster of 8-byte entries). */
  int l2Entries() {
    return 1 << (clusterBits - 3);
  }

  static Qcow2Header read(SourceFile file) throws IOException {
    Path path = file.path();
    ByteBuffer h = file.readStructure("qcow2 header", 0, 72);
    if (h.getInt(0) != MAGIC) {
      throw ImageFormatException.at(
          path, "qcow2 header", 0, "no qcow2 magic; pass the right format or check the file");
    }
    int version = h.getInt(4);
    if (version != 2 && version != 3) {
      throw unsupported(path, 4, "version " + version + " (only 2 and 3 exist)");
    }
    long backingOffset = h.getLong(8);
    if (backingOffset != 0) {
      throw unsupported(path, 8, "backing files are not supported; flatten it with " + FLATTEN);
    }
    int clusterBits = h.getInt(20);
    if (clusterBits < 9 || clusterBits > 21) {
      throw unsupported(path, 20, "cluster_bits " + clusterBits + " is outside 9..21");
    }
    long size = h.getLong(24);
    if (size < 0 || size > ReaderLimits.MAX_VIRTUAL_SIZE) {
      throw unsupported(
          path,
          24,
          "virtual size "
              + Long.toUnsignedString(size)
              + " exceeds the reader limit of "
              + ReaderLimits.MAX_VIRTUAL_SIZE
              + " bytes");
    }
    int cryptMethod = h.getInt(32);
    if (cryptMethod != 0) {
      throw unsupported(
          path, 32, "encryption is not supported; decrypt it with `qemu-img convert` first");
    }
    int l1Size = h.getInt(36);
    long l1Offset = h.getLong(40);
    int snapshots = h.getInt(60);

    long incompatible = 0;
    int compressionType = 0;
    if (version == 3) {
      ByteBuffer v3 = file.readStructure("qcow2 version 3 header", 72, 32);
      incompatible = v3.getLong(0);
      int refcountOrder = v3.getInt(24);
      int headerLength = v3.getInt(28);
      if (headerLength < 104 || headerLength > file.size()) {
        throw corrupt(path, 100, "header_length " + headerLength + " is invalid");
      }
      if (refcountOrder > 6) {
        throw corrupt(path, 96, "refcount_order " + refcountOrder + " is above 6");
      }
      if (headerLength > 104) {
        compressionType = Byte.toUnsignedInt(file.readStructure("qcow2 header", 104, 1).get(0));
      }
      checkFeatures(path, incompatible, compressionType);
    }
    long clusterMask = (1L << clusterBits) - 1;
    long perL1 = (long) (1 << (clusterBits - 3)) << clusterBits; // bytes mapped per L1 entry
    long needed = (size + perL1 - 1) / perL1;
    long maxEntries = ReaderLimits.MAX_TABLE_ENTRIES;
    if (l1Size < 0 || l1Size > maxEntries) {
      throw unsupported(
          path,
          36,
          "L1 table of "
              + Integer.toUnsignedString(l1Size)
              + " entries exceeds the reader limit of "
              + maxEntries);
    }
    if (l1Size < needed) {
      throw corrupt(
          path, 36, "L1 table of " + l1Size + " entries is too small for " + size + " bytes");
    }
    if (needed > 0) {
      if ((l1Offset & clusterMask) != 0) {
        throw corrupt(path, 40, "L1 table offset " + l1Offset + " is not cluster aligned");
      }
      file.requireInside("qcow2 L1 table", l1Offset, needed * 8);
    }
    return new Qcow2Header(
        version,
        clusterBits,
        size,
        (int) needed,
        l1Offset,
        compressionType,
        incompatible,
        snapshots);
  }

  private static void checkFeatures(Path path, long incompatible, int compressionType)
      throws ImageFormatException {
    if ((incompatible & ~KNOWN_INCOMPATIBLE) != 0) {
      throw unsupported(
          path,
          72,
          "unknown incompatible feature bits 0x"
              + Long.toHexString(incompatible & ~KNOWN_INCOMPATIBLE)
              + "; convert it with a qemu-img that knows them: "
              + FLATTEN);
    }
    if ((incompatible & CORRUPT) != 0) {
      throw corrupt(
          path, 72, "the image is marked corrupt; repair it with `qemu-img check -r all` first");
    }
    if ((incompatible & EXTERNAL_DATA) != 0) {
      throw unsupported(
          path, 72, "an external data file is not supported; convert it with " + FLATTEN);
    }
    if ((incompatible & EXTENDED_L2) != 0) {
      throw unsupported(
          path,
          72,
          "extended L2 entries (subclusters) are not supported; convert it with " + FLATTEN);
    }
    boolean typeBit = (incompatible & COMPRESSION_TYPE) != 0;
    if (compressionType > 1 || (compressionType != 0 && !typeBit)) {
      throw unsupported(
          path,
          104,
          "compression type "
              + compressionType
              + (typeBit ? " with" : " without")
              + " the compression-type feature bit; only deflate (0) and zstd (1) are supported");
    }
  }

  static ImageFormatException unsupported(Path path, long offset, String why) {
    return ImageFormatException.at(path, "qcow2 header", offset, "not a supported qcow2: " + why);
  }

  static ImageFormatException corrupt(Path path, long offset, String why) {
    return ImageFormatException.at(
        path,
        "qcow2 header",
        offset,
        "corrupt qcow2: " + why + "; check it with `qemu-img check` or convert it again");
  }
}
