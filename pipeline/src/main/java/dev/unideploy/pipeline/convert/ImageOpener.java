package dev.unideploy.pipeline.convert;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.ImageFormat;
import dev.unideploy.image.ImageFormatException;
import dev.unideploy.image.ReadOptions;
import dev.unideploy.image.formats.ImageReaders;
import dev.unideploy.pipeline.UnideployException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Opens the image a command names, turning every failure into a one-line, actionable message. */
public final class ImageOpener {
  private ImageOpener() {}

  public static DiskImage open(Path file, ImageFormat formatOrNull) {
    return open(file, formatOrNull, ReadOptions.defaults());
  }

  /**
   * Opens an image that will be copied (convert, publish, deploy). A raw file's holes are trusted
   * (SEEK_DATA): the writers have the kernel copy its data without reading it, so a scan for zeroes
   * at open would be the only read of the data, for nothing when the file is sparse. A raw file
   * without a single hole (a copy that lost its holes) is scanned at 4 KiB, as {@code qemu-img
   * convert -S 4k} does, so its written zeroes still become holes.
   */
  public static DiskImage openForCopy(Path file, ImageFormat formatOrNull) {
    return open(
        file,
        formatOrNull,
        ReadOptions.defaults().withTrustFileHoles(true).withZeroGranularity(4096));
  }

  public static DiskImage open(Path file, ImageFormat formatOrNull, ReadOptions options) {
    if (!Files.exists(file)) {
      throw new UnideployException(file + ": no such file; check the path");
    }
    if (Files.isDirectory(file)) {
      throw new UnideployException(file + " is a folder; name a disk image file");
    }
    try {
      return ImageReaders.open(file, formatOrNull, options);
    } catch (ImageFormatException e) {
      throw new UnideployException(e.getMessage(), e);
    } catch (NoSuchFileException e) {
      throw new UnideployException(file + ": no such file; check the path", e);
    } catch (AccessDeniedException e) {
      throw new UnideployException(file + ": permission denied; check the file's permissions", e);
    } catch (IOException e) {
      throw new UnideployException("cannot read " + file + ": " + reason(e), e);
    }
  }

  /** The most useful words of an I/O error, never null. */
  public static String reason(Throwable e) {
    String msg = e.getMessage();
    return msg == null || msg.isBlank() ? e.getClass().getSimpleName() : msg;
  }
}
