package dev.unideploy.image;

/**
 * How readers open an image.
 *
 * @param allowFlatExtents whether a VMDK descriptor may reference a flat extent file (only in its
 *     own folder); off by default because a descriptor that names another file can make unideploy
 *     read, and upload, any file the user can read
 * @param zeroGranularity the block size, a power of two from 512 to 64 MiB, at which raw data that
 *     is all zero becomes a zero extent
 * @param detectZeroContent whether raw images are scanned for all-zero blocks (costs one read of
 *     the allocated data at open time)
 * @param useFileHoles whether raw images ask the file system for holes (SEEK_DATA/SEEK_HOLE); when
 *     off or unavailable, holes are found by the content scan only
 * @param trustFileHoles with {@code detectZeroContent}: scan a raw file for zeroes only when it has
 *     no holes at all. A file that has holes was written sparse, so its zeroes are in its holes,
 *     and scanning would read all its data once more; a file without a single hole may hold written
 *     zeroes (a copy that lost its holes), which the scan turns back into zero extents
 * @param maxCompressionRatio the most bytes of virtual data an image may hold per byte of its file
 *     (qcow2 compressed clusters): a small file must not stand for a huge disk of data that a
 *     conversion would write and a publish would upload
 */
public record ReadOptions(
    boolean allowFlatExtents,
    int zeroGranularity,
    boolean detectZeroContent,
    boolean useFileHoles,
    boolean trustFileHoles,
    int maxCompressionRatio) {

  public static final int DEFAULT_ZERO_GRANULARITY = 64 * 1024;

  /**
   * Twice deflate's maximum ratio (1032:1), so no deflate-compressed qcow2 reaches it; qemu-img's
   * zstd exceeds it only on a disk filled with one repeated byte (measured: 1092:1 for 512 MiB of
   * 0xff in 64 KiB clusters).
   */
  public static final int DEFAULT_MAX_COMPRESSION_RATIO = 2048;

  public ReadOptions {
    if (zeroGranularity < 512
        || zeroGranularity > 64 * 1024 * 1024
        || Integer.bitCount(zeroGranularity) != 1) {
      throw new IllegalArgumentException(
          "zeroGranularity must be a power of two from 512 to 64 MiB, was " + zeroGranularity);
    }
    if (maxCompressionRatio < 1) {
      throw new IllegalArgumentException(
          "maxCompressionRatio must be at least 1, was " + maxCompressionRatio);
    }
  }

  public ReadOptions(
      boolean allowFlatExtents,
      int zeroGranularity,
      boolean detectZeroContent,
      boolean useFileHoles) {
    this(
        allowFlatExtents,
        zeroGranularity,
        detectZeroContent,
        useFileHoles,
        false,
        DEFAULT_MAX_COMPRESSION_RATIO);
  }

  /**
   * Flat extents refused, 64 KiB zero granularity, holes and content both used (every file
   * scanned), compression ratio at most {@link #DEFAULT_MAX_COMPRESSION_RATIO}.
   */
  public static ReadOptions defaults() {
    return new ReadOptions(false, DEFAULT_ZERO_GRANULARITY, true, true);
  }

  public ReadOptions withAllowFlatExtents(boolean allow) {
    return new ReadOptions(
        allow,
        zeroGranularity,
        detectZeroContent,
        useFileHoles,
        trustFileHoles,
        maxCompressionRatio);
  }

  public ReadOptions withZeroGranularity(int granularity) {
    return new ReadOptions(
        allowFlatExtents,
        granularity,
        detectZeroContent,
        useFileHoles,
        trustFileHoles,
        maxCompressionRatio);
  }

  public ReadOptions withDetectZeroContent(boolean detect) {
    return new ReadOptions(
        allowFlatExtents,
        zeroGranularity,
        detect,
        useFileHoles,
        trustFileHoles,
        maxCompressionRatio);
  }

  public ReadOptions withUseFileHoles(boolean use) {
    return new ReadOptions(
        allowFlatExtents,
        zeroGranularity,
        detectZeroContent,
        use,
        trustFileHoles,
        maxCompressionRatio);
  }

  public ReadOptions withTrustFileHoles(boolean trust) {
    return new ReadOptions(
        allowFlatExtents,
        zeroGranularity,
        detectZeroContent,
        useFileHoles,
        trust,
        maxCompressionRatio);
  }

  public ReadOptions withMaxCompressionRatio(int ratio) {
    return new ReadOptions(
        allowFlatExtents, zeroGranularity, detectZeroContent, useFileHoles, trustFileHoles, ratio);
  }
}
