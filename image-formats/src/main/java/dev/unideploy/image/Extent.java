package dev.unideploy.image;

/**
 * A run of the virtual disk that is either all data (must be read) or known zero (never read).
 *
 * <p>A "data" extent may still contain zeroes; writers that care check content too.
 */
public record Extent(long offset, long length, boolean data) {
  public Extent {
    if (offset < 0 || length <= 0) {
      throw new IllegalArgumentException(
          "extent must have offset >= 0 and length > 0, was " + offset + "+" + length);
    }
  }

  public long end() {
    return offset + length;
  }

  public static Extent data(long offset, long length) {
    return new Extent(offset, length, true);
  }

  public static Extent zero(long offset, long length) {
    return new Extent(offset, length, false);
  }
}
