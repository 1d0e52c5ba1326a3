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
 */
public record ReadOptions(
    boolean allowFlatExtents,
    int zeroGranularity,
    boolean detectZeroContent,
    boolean useFileHoles) {

  public static final int DEFAULT_ZERO_GRANULARITY = 64 * 1024;

  public ReadOptions {
    if (zeroGranularity < 512
        || zeroGranularity > 64 * 1024 * 1024
        || Integer.bitCount(zeroGranularity) != 1) {
      throw new IllegalArgumentException(
          "zeroGranularity must be a power of two from 512 to 64 MiB, was " + zeroGranularity);
    }
  }

  /** Flat extents refused, 64 KiB zero granularity, holes and content both used. */
  public static ReadOptions defaults() {
    return new ReadOptions(false, DEFAULT_ZERO_GRANULARITY, true, true);
  }

  public ReadOptions withAllowFlatExtents(boolean allow) {
    return new ReadOptions(allow, zeroGranularity, detectZeroContent, useFileHoles);
  }

  public ReadOptions withZeroGranularity(int granularity) {
    return new ReadOptions(allowFlatExtents, granularity, detectZeroContent, useFileHoles);
  }

  public ReadOptions withDetectZeroContent(boolean detect) {
    return new ReadOptions(allowFlatExtents, zeroGranularity, detect, useFileHoles);
  }

  public ReadOptions withUseFileHoles(boolean use) {
    return new ReadOptions(allowFlatExtents, zeroGranularity, detectZeroContent, use);
  }
}
