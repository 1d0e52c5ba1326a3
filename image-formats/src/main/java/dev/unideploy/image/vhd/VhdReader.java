package dev.unideploy.image.vhd;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.Extent;
import dev.unideploy.image.ImageFormat;
import dev.unideploy.image.ImageFormatException;
import dev.unideploy.image.ReadOptions;
import dev.unideploy.image.raw.RawImageReader;
import dev.unideploy.image.read.ExtentMapBuilder;
import dev.unideploy.image.read.SourceFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Opens fixed and dynamic VHDs. Fixed: the data before the footer is read as raw (holes and all).
 * Dynamic: the footer copy at offset 0 must equal the footer, the dynamic header and the block
 * allocation table are checked, and each block's sector bitmap decides what is data.
 */
public final class VhdReader {
  private static final long UNALLOCATED = 0xFFFF_FFFFL;

  private VhdReader() {}

  public static DiskImage open(SourceFile file, ReadOptions options) throws IOException {
    Path path = file.path();
    long footerAt = file.size() - ParsedVhdFooter.SIZE;
    if (footerAt < 0) {
      throw ImageFormatException.at(
          path, "VHD footer", 0, "the file is shorter than a VHD footer (512 bytes)");
    }
    ByteBuffer footerBytes = file.readStructure("VHD footer", footerAt, ParsedVhdFooter.SIZE);
    ParsedVhdFooter footer = ParsedVhdFooter.parse(path, footerBytes, footerAt);
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("vhdType", footer.typeName());
    details.put("creatorApp", footer.creatorApp().replace('\0', ' ').trim());
    details.put("currentSize", footer.currentSize());
    details.put(
        "geometry", footer.cylinders() + "/" + footer.heads() + "/" + footer.sectorsPerTrack());
    details.put("sizeSource", footer.sizeFromGeometry() ? "geometry" : "currentSize");
    switch (footer.diskType()) {
      case ParsedVhdFooter.FIXED:
        if (footer.virtualSize() > footerAt) {
          throw ImageFormatException.at(
              path,
              "VHD footer",
              footerAt,
              "a fixed disk of "
                  + footer.virtualSize()
                  + " bytes needs a larger file; the file is truncated: copy it again");
        }
        return RawImageReader.openWindow(
            file, 0, footer.virtualSize(), ImageFormat.VHD, options, details);
      case ParsedVhdFooter.DYNAMIC:
        return openDynamic(file, footer, footerBytes, footerAt, details);
      case ParsedVhdFooter.DIFFERENCING:
        throw ImageFormatException.at(
            path,
            "VHD footer",
            footerAt + 60,
            "not a supported VHD: differencing disks need their parent; merge it first, e.g."
                + " `qemu-img convert -O vpc -o subformat=fixed IN OUT`");
      default:
        throw ImageFormatException.at(
            path,
            "VHD footer",
            footerAt + 60,
            "unknown disk type " + footer.diskType() + "; the footer is corrupt");
    }
  }

  private static DiskImage openDynamic(
      SourceFile file,
      ParsedVhdFooter footer,
      ByteBuffer footerBytes,
      long footerAt,
      Map<String, Object> details)
      throws IOException {
    Path path = file.path();
    ByteBuffer copy = file.readStructure("VHD footer copy", 0, ParsedVhdFooter.SIZE);
    if (!copy.equals(footerBytes.rewind())) {
      throw ImageFormatException.at(
          path,
          "VHD footer copy",
          0,
          "differs from the footer at offset "
              + footerAt
              + "; the image is corrupt or was modified: convert it again");
    }
    long headerAt = footer.dataOffset();
    if (headerAt < ParsedVhdFooter.SIZE || headerAt > footerAt - ParsedVhdDynamicHeader.SIZE) {
      throw ImageFormatException.at(
          path,
          "VHD footer",
          footerAt + 16,
          "dynamic header offset "
              + Long.toUnsignedString(headerAt)
              + " lies outside the file; the image is corrupt or truncated");
    }
    ParsedVhdDynamicHeader header =
        ParsedVhdDynamicHeader.parse(
            path,
            file.readStructure("VHD dynamic disk header", headerAt, ParsedVhdDynamicHeader.SIZE),
            headerAt,
            footer.virtualSize());
    int blocks = (int) ((footer.virtualSize() + header.blockSize() - 1) / header.blockSize());
    file.requireInside("VHD block allocation table", header.tableOffset(), 4L * blocks);
    int[] bat = new int[blocks];
    if (blocks > 0) {
      file.readStructure("VHD block allocation table", header.tableOffset(), 4 * blocks)
          .asIntBuffer()
          .get(bat);
    }
    checkBlocks(file, header, bat, footerAt);

    ExtentMapBuilder map = new ExtentMapBuilder();
    BitSet partial = new BitSet(blocks);
    long allocated = 0;
    for (int i = 0; i < blocks; i++) {
      long span =
          Math.min(header.blockSize(), footer.virtualSize() - (long) i * header.blockSize());
      if (Integer.toUnsignedLong(bat[i]) == UNALLOCATED) {
        map.add(span, false);
        continue;
      }
      allocated++;
      long blockAt = Integer.toUnsignedLong(bat[i]) * 512;
      byte[] bitmap =
          file.readStructure("VHD sector bitmap", blockAt, header.bitmapBytes()).array();
      int sectors = (int) ((span + 511) / 512);
      boolean full = true;
      for (int s = 0; s < sectors; ) {
        boolean present = VhdDynamicDiskImage.bit(bitmap, s);
        int run = 1;
        while (s + run < sectors && VhdDynamicDiskImage.bit(bitmap, s + run) == present) {
          run++;
        }
        full &= present;
        long runBytes = Math.min((long) run * 512, span - (long) s * 512);
        map.add(runBytes, present);
        s += run;
      }
      if (!full) {
        partial.set(i);
      }
    }
    List<Extent> extents = map.build(footer.virtualSize());
    details.put("blockSize", header.blockSize());
    details.put("allocatedBlocks", allocated);
    return new VhdDynamicDiskImage(
        file, footer.virtualSize(), header, bat, partial, extents, details);
  }

  // Blocks must lie between the header and the footer and must not overlap one another: shared or
  // overlapping blocks are how a hostile file would alias data, so they are refused.
  private static void checkBlocks(
      SourceFile file, ParsedVhdDynamicHeader header, int[] bat, long footerAt)
      throws ImageFormatException {
    long blockBytes = (long) header.bitmapBytes() + header.blockSize();
    long[] starts = new long[bat.length];
    int count = 0;
    for (int i = 0; i < bat.length; i++) {
      long sector = Integer.toUnsignedLong(bat[i]);
      if (sector == UNALLOCATED) {
        continue;
      }
      long at = sector * 512;
      if (at < ParsedVhdFooter.SIZE || at > footerAt - blockBytes) {
        throw ImageFormatException.at(
            file.path(),
            "VHD block allocation table",
            header.tableOffset() + 4L * i,
            "block "
                + i
                + " at offset "
                + at
                + " lies outside the file; the file is truncated or corrupt: copy it again");
      }
      starts[count++] = at;
    }
    Arrays.sort(starts, 0, count);
    for (int i = 1; i < count; i++) {
      if (starts[i] < starts[i - 1] + blockBytes) {
        throw ImageFormatException.at(
            file.path(),
            "VHD block allocation table",
            header.tableOffset(),
            "blocks at offsets "
                + starts[i - 1]
                + " and "
                + starts[i]
                + " overlap; the image is corrupt: convert it again");
      }
    }
  }
}
