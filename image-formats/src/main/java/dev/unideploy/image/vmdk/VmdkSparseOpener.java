package dev.unideploy.image.vmdk;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.Extent;
import dev.unideploy.image.ImageFormatException;
import dev.unideploy.image.read.ExtentMapBuilder;
import dev.unideploy.image.read.ReaderLimits;
import dev.unideploy.image.read.SourceFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Opens a hosted sparse extent: the header (or, when its grain directory offset is GD_AT_END, the
 * footer of a stream-optimized file), the embedded descriptor, the grain directory, and every grain
 * table once to build the extent map.
 */
final class VmdkSparseOpener {
  static final int MARKER_EOS = 0;
  static final int MARKER_FOOTER = 3;

  private VmdkSparseOpener() {}

  static DiskImage open(SourceFile file) throws IOException {
    Path path = file.path();
    ParsedVmdkSparseHeader header =
        ParsedVmdkSparseHeader.parse(path, file.readStructureLe("VMDK sparse header", 0, 512), 0);
    boolean fromFooter = false;
    if (header.gdSector() == ParsedVmdkSparseHeader.GD_AT_END) {
      header = readFooter(file);
      fromFooter = true;
    }
    Map<String, Object> details = new LinkedHashMap<>();
    String createType = readCreateType(file, header);
    details.put(
        "subformat",
        !createType.isEmpty()
            ? createType
            : header.compressed() ? "streamOptimized" : "monolithicSparse");
    details.put("version", header.version());
    details.put("grainSize", header.grainBytes());
    details.put("compressed", header.compressed());
    details.put("gdFromFooter", fromFooter);

    long virtualSize = header.capacitySectors() * 512;
    long gtCoverage = (long) header.gtesPerGt() * header.grainBytes();
    long gdEntries = (virtualSize + gtCoverage - 1) / gtCoverage;
    int maxEntries = ReaderLimits.MAX_TABLE_ENTRIES;
    if (gdEntries > maxEntries) {
      throw ParsedVmdkSparseHeader.unsupported(
          path,
          12,
          "a grain directory of "
              + gdEntries
              + " entries exceeds the reader limit of "
              + maxEntries);
    }
    long gdAt = header.gdSector() * 512;
    if (header.gdSector() <= 0 || header.gdSector() > file.size() / 512) {
      throw ParsedVmdkSparseHeader.corrupt(
          path, 56, "grain directory sector " + header.gdSector() + " lies outside the file");
    }
    int[] gd = new int[(int) gdEntries];
    if (gd.length > 0) {
      file.readStructureLe("VMDK grain directory", gdAt, gd.length * 4).asIntBuffer().get(gd);
    }
    int gtBytes = header.gtesPerGt() * 4;
    checkGrainTables(file, gd, gtBytes, gdAt);

    ExtentMapBuilder map = new ExtentMapBuilder();
    long allocated = 0;
    for (int i = 0; i < gd.length; i++) {
      long base = i * gtCoverage;
      long span = Math.min(gtCoverage, virtualSize - base);
      if (gd[i] == 0) {
        map.add(span, false);
        continue;
      }
      long gtAt = Integer.toUnsignedLong(gd[i]) * 512;
      int[] gt = readGrainTable(file, gtAt, header.gtesPerGt());
      for (int j = 0; (long) j * header.grainBytes() < span; j++) {
        long length = Math.min(header.grainBytes(), span - (long) j * header.grainBytes());
        long grain = Integer.toUnsignedLong(gt[j]);
        if (grain <= 1) {
          map.add(length, false); // 0: unallocated, 1: zeroed grain
          continue;
        }
        long at = grain * 512;
        long needed = header.compressed() ? 12 : length;
        if (at > file.size() - needed) {
          throw ImageFormatException.at(
              path,
              "VMDK grain table entry",
              gtAt + 4L * j,
              "grain at offset "
                  + at
                  + " lies outside the file; the file is truncated or corrupt: copy it again");
        }
        allocated++;
        map.add(length, true);
      }
    }
    // Grains start on distinct sectors (a compressed one carries its own LBA) and uncompressed ones
    // do not overlap, so they cannot need more room than the file has; more means aliased grains.
    long room = header.compressed() ? 512 : header.grainBytes();
    if (allocated > file.size() / room) {
      throw ImageFormatException.at(
          path,
          "VMDK grain tables",
          gdAt,
          allocated
              + " grains do not fit in a file of "
              + file.size()
              + " bytes: grain table entries share grains; the image is corrupt: convert it again");
    }
    details.put("allocatedGrains", allocated);
    List<Extent> extents = map.build(virtualSize);
    return new VmdkSparseDiskImage(file, header, virtualSize, gd, extents, details);
  }

  static int[] readGrainTable(SourceFile file, long at, int entries) throws IOException {
    int[] gt = new int[entries];
    file.readStructureLe("VMDK grain table", at, entries * 4).asIntBuffer().get(gt);
    return gt;
  }

  // A stream-optimized file written in one pass ends with: footer marker, footer (a copy of the
  // header with the real grain directory offset), end-of-stream marker; 512 bytes each.
  private static ParsedVmdkSparseHeader readFooter(SourceFile file) throws IOException {
    Path path = file.path();
    long markerAt = file.size() - 1536;
    if (markerAt < 512) {
      throw ImageFormatException.at(
          path,
          "VMDK footer",
          Math.max(0, markerAt),
          "the header says the grain directory is at the end (GD_AT_END) but the file is too short"
              + " for a footer; the stream is truncated: copy or convert it again");
    }
    ByteBuffer tail = file.readStructureLe("VMDK footer", markerAt, 1536);
    if (tail.getInt(12) != MARKER_FOOTER || tail.getInt(8) != 0) {
      throw ImageFormatException.at(
          path,
          "VMDK footer marker",
          markerAt,
          "missing (the header says the grain directory is at the end); the stream is truncated:"
              + " copy or convert it again");
    }
    if (tail.getInt(1024 + 12) != MARKER_EOS || tail.getLong(1024) != 0) {
      throw ImageFormatException.at(
          path,
          "VMDK end-of-stream marker",
          markerAt + 1024,
          "missing; the stream is truncated: copy or convert it again");
    }
    ParsedVmdkSparseHeader footer =
        ParsedVmdkSparseHeader.parse(
            path, tail.slice(512, 512).order(ByteOrder.LITTLE_ENDIAN), markerAt + 512);
    if (footer.gdSector() == ParsedVmdkSparseHeader.GD_AT_END) {
      throw ParsedVmdkSparseHeader.corrupt(
          path, markerAt + 512 + 56, "the footer's grain directory offset is GD_AT_END too");
    }
    return footer;
  }

  private static String readCreateType(SourceFile file, ParsedVmdkSparseHeader header)
      throws IOException {
    long sector = header.descriptorSector();
    long sectors = header.descriptorSectors();
    if (sector == 0 || sectors == 0) {
      return "";
    }
    if (sectors < 0 || sectors > ReaderLimits.MAX_DESCRIPTOR_BYTES / 512) {
      throw ParsedVmdkSparseHeader.unsupported(
          file.path(),
          36,
          "an embedded descriptor of "
              + Long.toUnsignedString(sectors)
              + " sectors exceeds the reader limit of "
              + ReaderLimits.MAX_DESCRIPTOR_BYTES
              + " bytes");
    }
    if (sector < 0 || sector > file.size() / 512) {
      throw ParsedVmdkSparseHeader.corrupt(
          file.path(), 28, "descriptor sector " + sector + " lies outside the file");
    }
    long at = sector * 512;
    ByteBuffer bytes = file.readStructure("VMDK embedded descriptor", at, (int) sectors * 512);
    VmdkDescriptorParser.Descriptor descriptor =
        VmdkDescriptorParser.parse(
            file.path(), new String(bytes.array(), StandardCharsets.ISO_8859_1), at);
    if (descriptor.extents().size() > 1) {
      throw ImageFormatException.at(
          file.path(),
          "VMDK embedded descriptor",
          at,
          "not a supported VMDK: it lists "
              + descriptor.extents().size()
              + " extents; convert it with `qemu-img convert -O vmdk -o subformat=streamOptimized"
              + " IN OUT`");
    }
    if (descriptor.settings().containsKey("parentFileNameHint")) {
      throw ImageFormatException.at(
          file.path(),
          "VMDK embedded descriptor",
          at,
          "not a supported VMDK: a delta disk needs its parent; consolidate it first");
    }
    return descriptor.createType();
  }

  // Grain tables must lie inside the file and must not overlap: a shared table would let a small
  // file alias data and make the map walk repeat itself.
  private static void checkGrainTables(SourceFile file, int[] gd, int gtBytes, long gdAt)
      throws ImageFormatException {
    long[] starts = new long[gd.length];
    int count = 0;
    for (int i = 0; i < gd.length; i++) {
      if (gd[i] == 0) {
        continue;
      }
      long at = Integer.toUnsignedLong(gd[i]) * 512;
      if (at > file.size() - gtBytes) {
        throw ImageFormatException.at(
            file.path(),
            "VMDK grain directory entry",
            gdAt + 4L * i,
            "grain table at offset "
                + at
                + " lies outside the file; the file is truncated or corrupt: copy it again");
      }
      starts[count++] = at;
    }
    Arrays.sort(starts, 0, count);
    for (int i = 1; i < count; i++) {
      if (starts[i] < starts[i - 1] + gtBytes) {
        throw ImageFormatException.at(
            file.path(),
            "VMDK grain directory",
            gdAt,
            "grain tables at offsets "
                + starts[i - 1]
                + " and "
                + starts[i]
                + " overlap; the image is corrupt: convert it again");
      }
    }
  }
}
