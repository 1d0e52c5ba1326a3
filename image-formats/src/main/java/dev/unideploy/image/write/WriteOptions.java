package dev.unideploy.image.write;

import java.util.Objects;

/**
 * How a writer writes.
 *
 * @param compressionLevel zlib level 1-9 for the compressing writers (VMDK stream, GCE gzip); 6 is
 *     what both {@code qemu-img} (zlib's default in {@code compress()}) and {@code gzip} use
 * @param threads worker threads for reading, zero checks, hashing and compression
 * @param sparse GCE tarball only: store zero regions as old-GNU sparse holes instead of gzip'd
 *     zeroes
 * @param mtimeEpochSeconds the time stamp written into the tar header and the VHD footer; fixed (0
 *     by default) so output is reproducible
 * @param extentFileName the file name a VMDK descriptor names for its own extent
 * @param digest fed with the disk's data as it is written, or null; with a digest, data that the
 *     kernel would copy is read instead (the digest needs it, and reading it costs what the
 *     kernel's copy would)
 */
public record WriteOptions(
    int compressionLevel,
    int threads,
    boolean sparse,
    long mtimeEpochSeconds,
    String extentFileName,
    UnitDigest digest) {

  public WriteOptions {
    if (compressionLevel < 1 || compressionLevel > 9) {
      throw new IllegalArgumentException(
          "compression level must be 1 to 9, was " + compressionLevel);
    }
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, was " + threads);
    }
    if (mtimeEpochSeconds < 0) {
      throw new IllegalArgumentException("mtime must be >= 0, was " + mtimeEpochSeconds);
    }
    Objects.requireNonNull(extentFileName, "extentFileName");
    if (extentFileName.isEmpty()
        || extentFileName.contains("\"")
        || extentFileName.contains("\n")) {
      throw new IllegalArgumentException(
          "extent file name must be non-empty without quotes or newlines: " + extentFileName);
    }
  }

  /**
   * Level 6, one thread per core (at most 8), no sparse tar, mtime 0, extent name disk.vmdk, no
   * digest.
   */
  public static WriteOptions defaults() {
    int cores = Math.min(8, Runtime.getRuntime().availableProcessors());
    return new WriteOptions(6, Math.max(1, cores), false, 0, "disk.vmdk", null);
  }

  public WriteOptions withCompressionLevel(int level) {
    return new WriteOptions(level, threads, sparse, mtimeEpochSeconds, extentFileName, digest);
  }

  public WriteOptions withThreads(int n) {
    return new WriteOptions(compressionLevel, n, sparse, mtimeEpochSeconds, extentFileName, digest);
  }

  public WriteOptions withSparse(boolean s) {
    return new WriteOptions(
        compressionLevel, threads, s, mtimeEpochSeconds, extentFileName, digest);
  }

  public WriteOptions withMtimeEpochSeconds(long mtime) {
    return new WriteOptions(compressionLevel, threads, sparse, mtime, extentFileName, digest);
  }

  public WriteOptions withExtentFileName(String name) {
    return new WriteOptions(compressionLevel, threads, sparse, mtimeEpochSeconds, name, digest);
  }

  public WriteOptions withDigest(UnitDigest d) {
    return new WriteOptions(
        compressionLevel, threads, sparse, mtimeEpochSeconds, extentFileName, d);
  }
}
