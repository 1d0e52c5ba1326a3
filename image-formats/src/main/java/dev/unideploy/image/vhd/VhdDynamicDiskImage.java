package dev.unideploy.image.vhd;

import dev.unideploy.image.Extent;
import dev.unideploy.image.ImageFormat;
import dev.unideploy.image.StoredRun;
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

  /** One block's share of a range: where it starts on the disk, the block, its BAT sector. */
  private interface BlockPiece {
    boolean accept(long pos, int block, long sector, int inBlock, int n) throws IOException;
  }

  /** Cuts {@code [offset, offset + length)} at block boundaries; stops when a piece says false. */
  private boolean forEachPiece(long offset, long length, BlockPiece piece) throws IOException {
    long pos = offset;
    long end = offset + length;
    int blockSize = header.blockSize();
    while (pos < end) {
      int block = (int) (pos / blockSize);
      int inBlock = (int) (pos % blockSize);
      int n = (int) Math.min(end - pos, blockSize - inBlock);
      if (!piece.accept(pos, block, Integer.toUnsignedLong(bat[block]), inBlock, n)) {
        return false;
      }
      pos += n;
    }
    return true;
  }

  @Override
  public boolean storedRuns(long offset, long length, List<StoredRun> out) throws IOException {
    return forEachPiece(
        offset,
        length,
        (pos, block, sector, inBlock, n) -> {
          if (sector == 0xFFFF_FFFFL) {
            return false;
          }
          long blockAt = sector * 512;
          if (partial.get(block)) {
            byte[] bitmap = bitmaps.get(blockAt);
            for (int s = inBlock / 512; s <= (inBlock + n - 1) / 512; s++) {
              if (!bit(bitmap, s)) {
                return false; // an absent sector reads as zero but is not in the file
              }
            }
          }
          addRun(out, pos, blockAt + header.bitmapBytes() + inBlock, n);
          return true;
        });
  }

  @Override
  protected void readWithin(long offset, ByteBuffer dst, int total) throws IOException {
    forEachPiece(
        offset,
        total,
        (pos, block, sector, inBlock, n) -> {
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
          return true;
        });
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
