package dev.unideploy.image.vhd;

import dev.unideploy.image.Extent;
import dev.unideploy.image.ImageFormat;
import dev.unideploy.image.read.FileBackedDiskImage;
import dev.unideploy.image.read.SourceFile;
import dev.unideploy.image.read.TableCache;
import dev.unideploy.image.read.ZeroFill;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Random reads of a dynamic VHD: the BAT in memory, blocks whose bitmap is full read directly, and
 * the bitmaps of partly written blocks from a small cache (their unset sectors read as zero).
 */
final class VhdDynamicDiskImage extends FileBackedDiskImage {
  private final ParsedVhdDynamicHeader header;
  private final int[] bat;
  private final BitSet partial;
  private final TableCache<byte[]> bitmaps;

  VhdDynamicDiskImage(
      SourceFile file,
      long virtualSize,
      ParsedVhdDynamicHeader header,
      int[] bat,
      BitSet partial,
      List<Extent> extents,
      Map<String, Object> details) {
    super(file, ImageFormat.VHD, virtualSize, extents, Collections.unmodifiableMap(details));
    this.header = header;
    this.bat = bat;
    this.partial = partial;
    this.bitmaps =
        new TableCache<>(
            header.bitmapBytes(),
            1024 * 1024,
            at -> file.readStructure("VHD sector bitmap", at, header.bitmapBytes()).array());
  }

  static boolean bit(byte[] bitmap, int sector) {
    return (bitmap[sector >>> 3] & (0x80 >>> (sector & 7))) != 0;
  }

  @Override
  protected void readWithin(long offset, ByteBuffer dst, int total) throws IOException {
    long pos = offset;
    long end = offset + total;
    int blockSize = header.blockSize();
    while (pos < end) {
      int block = (int) (pos / blockSize);
      int inBlock = (int) (pos % blockSize);
      int n = (int) Math.min(end - pos, blockSize - inBlock);
      long sector = Integer.toUnsignedLong(bat[block]);
      if (sector == 0xFFFF_FFFFL) {
        ZeroFill.fill(dst, n);
      } else {
        long blockAt = sector * 512;
        long dataAt = blockAt + header.bitmapBytes();
        if (!partial.get(block)) {
          copyFromFile(dataAt + inBlock, dst, n);
        } else {
          readPartial(bitmaps.get(blockAt), dataAt, inBlock, n, dst);
        }
      }
      pos += n;
    }
  }

  private void readPartial(byte[] bitmap, long dataAt, int inBlock, int n, ByteBuffer dst)
      throws IOException {
    int pos = inBlock;
    int end = inBlock + n;
    while (pos < end) {
      int sector = pos / 512;
      boolean present = bit(bitmap, sector);
      int runEnd = Math.min(end, (sector + 1) * 512);
      while (runEnd < end && bit(bitmap, runEnd / 512) == present) {
        runEnd = Math.min(end, runEnd + 512);
      }
      if (present) {
        copyFromFile(dataAt + pos, dst, runEnd - pos);
      } else {
        ZeroFill.fill(dst, runEnd - pos);
      }
      pos = runEnd;
    }
  }
}
