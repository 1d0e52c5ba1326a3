package dev.unideploy.image.vhd;

import dev.unideploy.image.ImageFormatException;
import dev.unideploy.image.read.ReaderLimits;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** The dynamic disk header of a dynamic VHD ("cxsparse"), checksum verified and bounded. */
record ParsedVhdDynamicHeader(long tableOffset, int maxTableEntries, int blockSize) {

  static final int SIZE = 1024;
  static final int MAX_BLOCK_SIZE = 256 * 1024 * 1024;

  static ParsedVhdDynamicHeader parse(Path path, ByteBuffer b, long offset, long virtualSize)
      throws ImageFormatException {
    byte[] cookie = new byte[8];
    b.get(0, cookie);
    if (!"cxsparse".equals(new String(cookie, StandardCharsets.ISO_8859_1))) {
      throw corrupt(path, offset, "no \"cxsparse\" cookie");
    }
    long stored = Integer.toUnsignedLong(b.getInt(36));
    long computed = Integer.toUnsignedLong(ParsedVhdFooter.checksum(b, 36));
    if (stored != computed) {
      throw corrupt(
          path,
          offset,
          "checksum 0x"
              + Long.toHexString(stored)
              + " does not match the contents (0x"
              + Long.toHexString(computed)
              + ")");
    }
    long tableOffset = b.getLong(16);
    int maxEntries = b.getInt(28);
    int blockSize = b.getInt(32);
    if (blockSize < 512 || blockSize > MAX_BLOCK_SIZE || Integer.bitCount(blockSize) != 1) {
      throw corrupt(
          path,
          offset + 32,
          "block size "
              + Integer.toUnsignedString(blockSize)
              + " is not a power of two from 512 bytes to 256 MiB");
    }
    long maxAllowed = ReaderLimits.MAX_TABLE_ENTRIES;
    if (maxEntries < 0 || maxEntries > maxAllowed) {
      throw corrupt(
          path,
          offset + 28,
          "block allocation table of "
              + Integer.toUnsignedString(maxEntries)
              + " entries exceeds the reader limit of "
              + maxAllowed);
    }
    if ((long) maxEntries * blockSize < virtualSize) {
      throw corrupt(
          path,
          offset + 28,
          maxEntries + " blocks of " + blockSize + " bytes cannot hold " + virtualSize + " bytes");
    }
    return new ParsedVhdDynamicHeader(tableOffset, maxEntries, blockSize);
  }

  /** Bytes of the sector bitmap in front of each block: one bit per sector, whole sectors. */
  int bitmapBytes() {
    int bits = blockSize / 512;
    int bytes = (bits + 7) / 8;
    return (bytes + 511) / 512 * 512;
  }

  private static ImageFormatException corrupt(Path path, long offset, String why) {
    return ImageFormatException.at(
        path,
        "VHD dynamic disk header",
        offset,
        why + "; the image is corrupt: copy or convert it again");
  }
}
