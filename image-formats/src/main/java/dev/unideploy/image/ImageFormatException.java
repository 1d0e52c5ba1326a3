package dev.unideploy.image;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A disk image that cannot be read: corrupt, truncated, hostile or using a feature unideploy does
 * not support. The message names the file, the structure and the byte offset, and says what to do.
 */
public class ImageFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  public ImageFormatException(String message) {
    super(message);
  }

  public ImageFormatException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * Builds the standard message: {@code FILE: STRUCTURE at byte offset N: PROBLEM}.
   *
   * @param problem what is wrong and, after a semicolon, what to do about it
   */
  public static ImageFormatException at(Path file, String structure, long offset, String problem) {
    return new ImageFormatException(
        file + ": " + structure + " at byte offset " + offset + ": " + problem);
  }

  /** Like {@link #at} with a cause (e.g. a decompressor's error). */
  public static ImageFormatException at(
      Path file, String structure, long offset, String problem, Throwable cause) {
    return new ImageFormatException(
        file + ": " + structure + " at byte offset " + offset + ": " + problem, cause);
  }
}
