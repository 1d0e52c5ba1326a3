package dev.unideploy.image;

/**
 * A run of the virtual disk that the image file holds byte for byte: {@code length} bytes from
 * {@code offset} on the disk are the file's bytes from {@code fileOffset}. Writers hand such runs
 * to the kernel to copy instead of reading them.
 */
public record StoredRun(long offset, long fileOffset, long length) {
  public StoredRun {
    if (offset < 0 || fileOffset < 0 || length <= 0) {
      throw new IllegalArgumentException(
          "stored run must have offsets >= 0 and length > 0, was "
              + offset
              + "@"
              + fileOffset
              + "+"
              + length);
    }
  }

  public long end() {
    return offset + length;
  }
}
