package dev.unideploy.image.qcow2;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.Extent;
import dev.unideploy.image.ImageFormatException;
import dev.unideploy.image.ReadOptions;
import dev.unideploy.image.read.ExtentMapBuilder;
import dev.unideploy.image.read.SourceFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Opens a qcow2 v2/v3 image: validates the header, loads and checks the L1 table, and builds the
 * extent map by walking every L2 table once (each must be distinct and inside the file, so the walk
 * reads at most the file's own size). Data clusters must fit the file, and compressed ones are
 * bounded by {@link Qcow2CompressedClusters}.
 */
public final class Qcow2Reader {
  private Qcow2Reader() {}

  public static DiskImage open(SourceFile file, ReadOptions options) throws IOException {
    Qcow2Header header = Qcow2Header.read(file);
    long[] l1 = readL1(file, header);
    checkL2Offsets(file, header, l1);

    ExtentMapBuilder map = new ExtentMapBuilder();
    Qcow2CompressedClusters compressed =
        new Qcow2CompressedClusters(
            file.path(), header, file.size(), options.maxCompressionRatio());
    long standard = 0;
    long perL1 = (long) header.l2Entries() << header.clusterBits();
    for (int i = 0; i < l1.length; i++) {
      long base = i * perL1;
      long span = Math.min(perL1, header.virtualSize() - base);
      long l2Offset = Qcow2L2Entry.hostOffset(l1[i]);
      if (l2Offset == 0) {
        map.add(span, false);
        continue;
      }
      long[] l2 = readL2(file, header, l2Offset);
      for (int j = 0; (long) j << header.clusterBits() < span; j++) {
        long length = Math.min(header.clusterSize(), span - ((long) j << header.clusterBits()));
        long entry = l2[j];
        long entryPos = l2Offset + 8L * j;
        if (Qcow2L2Entry.isCompressed(entry)) {
          long host = Qcow2L2Entry.compressedOffset(entry, header.clusterBits());
          if (host >= file.size() || host == 0) {
            throw pastEnd(file.path(), entryPos, "compressed cluster", host);
          }
          compressed.add(host, entryPos, standard);
          map.add(length, true);
        } else if (Qcow2L2Entry.isZero(entry)) {
          map.add(length, false);
        } else {
          long host = Qcow2L2Entry.hostOffset(entry);
          if ((host & (header.clusterSize() - 1)) != 0) {
            throw ImageFormatException.at(
                file.path(),
                "qcow2 L2 entry",
                entryPos,
                "data cluster offset "
                    + host
                    + " is not cluster aligned; the image is corrupt: check it with `qemu-img"
                    + " check`");
          }
          if (host > file.size() - header.clusterSize()) {
            throw pastEnd(file.path(), entryPos, "data cluster", host);
          }
          standard++;
          map.add(length, true);
        }
      }
    }
    // Distinct, aligned clusters inside the file cannot hold more bytes than the file: more means
    // L2 entries alias one cluster, which would let a small file stand for a huge disk of data.
    if (standard > file.size() >> header.clusterBits()) {
      throw ImageFormatException.at(
          file.path(),
          "qcow2 L2 tables",
          header.l1Offset(),
          standard
              + " data clusters of "
              + header.clusterSize()
              + " bytes do not fit in a file of "
              + file.size()
              + " bytes: L2 entries share clusters; the image is corrupt: check it with"
              + " `qemu-img check`");
    }
    compressed.finish(standard);
    List<Extent> extents = map.build(header.virtualSize());

    Map<String, Object> details = new LinkedHashMap<>();
    details.put("version", header.version());
    details.put("clusterSize", header.clusterSize());
    details.put("compressionType", header.compressionType() == 0 ? "deflate" : "zstd");
    details.put("allocatedClusters", standard + compressed.count());
    details.put("compressedClusters", (long) compressed.count());
    details.put("snapshots", header.snapshots());
    details.put("dirty", (header.incompatibleFeatures() & 1) != 0);
    return new Qcow2DiskImage(file, header, l1, extents, details);
  }

  static long[] readL1(SourceFile file, Qcow2Header header) throws IOException {
    long[] l1 = new long[header.l1Entries()];
    if (l1.length > 0) {
      file.readStructure("qcow2 L1 table", header.l1Offset(), l1.length * 8).asLongBuffer().get(l1);
    }
    return l1;
  }

  static long[] readL2(SourceFile file, Qcow2Header header, long offset) throws IOException {
    long[] l2 = new long[header.l2Entries()];
    ByteBuffer bytes = file.readStructure("qcow2 L2 table", offset, header.clusterSize());
    bytes.asLongBuffer().get(l2);
    return l2;
  }

  // Every L2 table must be cluster aligned, inside the file and used by one L1 entry only: a
  // table shared by two entries (or a "loop" back into the L1) would let a small file describe an
  // endless walk, so it is refused before anything else is read.
  private static void checkL2Offsets(SourceFile file, Qcow2Header header, long[] l1)
      throws ImageFormatException {
    long[] offsets = new long[l1.length];
    int count = 0;
    for (int i = 0; i < l1.length; i++) {
      long offset = Qcow2L2Entry.hostOffset(l1[i]);
      if (offset == 0) {
        continue;
      }
      long entryPos = header.l1Offset() + 8L * i;
      if ((offset & (header.clusterSize() - 1)) != 0) {
        throw ImageFormatException.at(
            file.path(),
            "qcow2 L1 entry",
            entryPos,
            "L2 table offset "
                + offset
                + " is not cluster aligned; the image is corrupt: check it with `qemu-img check`");
      }
      if (offset > file.size() - header.clusterSize()) {
        throw pastEnd(file.path(), entryPos, "L2 table", offset);
      }
      long l1End = header.l1Offset() + 8L * l1.length;
      if (offset < l1End && offset + header.clusterSize() > header.l1Offset()) {
        throw ImageFormatException.at(
            file.path(),
            "qcow2 L1 entry",
            entryPos,
            "L2 table at offset "
                + offset
                + " overlaps the L1 table (a loop); the image is corrupt: check it with `qemu-img"
                + " check`");
      }
      offsets[count++] = offset;
    }
    Arrays.sort(offsets, 0, count);
    for (int i = 1; i < count; i++) {
      if (offsets[i] == offsets[i - 1]) {
        throw ImageFormatException.at(
            file.path(),
            "qcow2 L1 table",
            header.l1Offset(),
            "two L1 entries share the L2 table at offset "
                + offsets[i]
                + " (overlapping tables); the image is corrupt: check it with `qemu-img check`");
      }
    }
  }

  private static ImageFormatException pastEnd(Path path, long entryPos, String what, long host) {
    return ImageFormatException.at(
        path,
        "qcow2 " + (what.equals("L2 table") ? "L1" : "L2") + " entry",
        entryPos,
        what
            + " at offset "
            + host
            + " lies outside the file; the file is truncated or corrupt: copy or convert it again");
  }
}
