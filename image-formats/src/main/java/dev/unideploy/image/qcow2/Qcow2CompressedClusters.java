package dev.unideploy.image.qcow2;

import dev.unideploy.image.ImageFormatException;
import dev.unideploy.image.read.ReaderLimits;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Bounds what a qcow2's compressed clusters may claim, as the L2 walk meets them: each is stored
 * once, their data counts against the file size, and the disk's data may be at most {@code
 * maxRatio} times the file. Without this a 6 MiB file whose L2 entries all point at one 2 KiB
 * deflate blob reads as 512 GiB of data, which a conversion would write and a publish upload.
 *
 * <p>qemu-img never points two L2 entries of the active layer at one compressed cluster: a
 * compressed write always allocates new bytes (qcow2_alloc_compressed_cluster_offset in
 * block/qcow2-cluster.c), and clusters are shared only with internal snapshots, whose tables this
 * reader does not follow. Checked on qemu-img 7.2 output: 131072 compressed clusters of identical
 * content, 131072 distinct offsets.
 */
final class Qcow2CompressedClusters {
  /**
   * The most a deflate stream expands: 258 bytes per 2-bit code, 1032:1
   * (https://zlib.net/zlib_tech.html, "Maximum Compression Factor").
   */
  static final int DEFLATE_MAX_RATIO = 1032;

  /** zstd: a block holds at most 128 KiB and takes at least 4 bytes (header + one RLE byte). */
  static final int ZSTD_MAX_RATIO = 128 * 1024 / 4;

  private final Path path;
  private final int clusterSize;
  private final long fileSize;
  private final long l1Offset;
  private final int maxRatio;
  private final long minBytes;
  private final String codec;
  private long[] offsets = new long[64];
  private int count;

  Qcow2CompressedClusters(Path path, Qcow2Header header, long fileSize, int maxRatio) {
    this.path = path;
    this.clusterSize = header.clusterSize();
    this.fileSize = fileSize;
    this.l1Offset = header.l1Offset();
    this.maxRatio = maxRatio;
    boolean zstd = header.compressionType() != 0;
    this.codec = zstd ? "zstd" : "deflate";
    int codecRatio = zstd ? ZSTD_MAX_RATIO : DEFLATE_MAX_RATIO;
    this.minBytes = Math.max(1, (clusterSize + codecRatio - 1) / codecRatio);
  }

  int count() {
    return count;
  }

  /**
   * Records the compressed cluster whose data starts at {@code host}, named at {@code entryPos}.
   */
  void add(long host, long entryPos, long standardClusters) throws ImageFormatException {
    if (count == ReaderLimits.MAX_COMPRESSED_CLUSTERS) {
      throw ImageFormatException.at(
          path,
          "qcow2 L2 entry",
          entryPos,
          "more than "
              + ReaderLimits.MAX_COMPRESSED_CLUSTERS
              + " compressed clusters exceed the reader limit; convert it without compression"
              + " first: `qemu-img convert -O qcow2 IN OUT` (no -c)");
    }
    count++;
    checkBounds("qcow2 L2 entry", entryPos, standardClusters);
    if (count > offsets.length) {
      offsets =
          Arrays.copyOf(
              offsets, Math.min(2 * offsets.length, ReaderLimits.MAX_COMPRESSED_CLUSTERS));
    }
    offsets[count - 1] = host;
  }

  /** Checks the whole image once every L2 entry was seen: bounds and distinct offsets. */
  void finish(long standardClusters) throws ImageFormatException {
    checkBounds("qcow2 L2 tables", l1Offset, standardClusters);
    Arrays.sort(offsets, 0, count);
    for (int i = 1; i < count; i++) {
      if (offsets[i] == offsets[i - 1]) {
        throw ImageFormatException.at(
            path,
            "qcow2 L2 tables",
            l1Offset,
            "two L2 entries point at the compressed cluster at offset "
                + offsets[i]
                + " (qemu-img stores each compressed cluster once); the image is corrupt or"
                + " crafted: check it with `qemu-img check`");
      }
    }
    offsets = null;
  }

  private void checkBounds(String structure, long at, long standardClusters)
      throws ImageFormatException {
    // Standard clusters are distinct whole clusters of the file; each compressed one needs at
    // least clusterSize / (the codec's maximum ratio) bytes of its own.
    long standardBytes = standardClusters * clusterSize;
    if (count > (fileSize - Math.min(fileSize, standardBytes)) / minBytes) {
      throw ImageFormatException.at(
          path,
          structure,
          at,
          count
              + " compressed clusters of "
              + clusterSize
              + " bytes need at least "
              + minBytes
              + " bytes of "
              + codec
              + " data each, more than the file's "
              + fileSize
              + " bytes hold next to its "
              + standardClusters
              + " data clusters: L2 entries share compressed data; the image is corrupt or"
              + " crafted: check it with `qemu-img check`");
    }
    long data = (count + standardClusters) * clusterSize;
    long limit = Math.multiplyHigh(fileSize, maxRatio) != 0 ? Long.MAX_VALUE : fileSize * maxRatio;
    if (data > limit) {
      throw ImageFormatException.at(
          path,
          structure,
          at,
          "the image holds at least "
              + data
              + " bytes of data in a file of "
              + fileSize
              + " bytes, more than "
              + maxRatio
              + " times the file (the limit on compressed data; only a disk of one repeated"
              + " pattern compresses that well); if you trust it, convert it without compression"
              + " first (`qemu-img convert -O qcow2 IN OUT`, no -c) or raise"
              + " ReadOptions.maxCompressionRatio");
    }
  }
}
