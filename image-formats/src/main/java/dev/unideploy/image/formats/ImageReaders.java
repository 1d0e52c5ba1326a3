package dev.unideploy.image.formats;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.ImageFormat;
import dev.unideploy.image.ImageFormatException;
import dev.unideploy.image.ReadOptions;
import dev.unideploy.image.detect.ImageDetector;
import dev.unideploy.image.qcow2.Qcow2Reader;
import dev.unideploy.image.raw.RawImageReader;
import dev.unideploy.image.read.SourceFile;
import dev.unideploy.image.vhd.VhdReader;
import dev.unideploy.image.vmdk.VmdkReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Opens any supported disk image as a {@link DiskImage}, detecting its format by content. It lives
 * apart from the format packages, which depend on {@code dev.unideploy.image} only, so that no
 * package cycle runs through this registry.
 */
public final class ImageReaders {
  private ImageReaders() {}

  /**
   * Opens {@code file}.
   *
   * @param formatOrNull the format to read it as; {@code null} detects it from the content
   * @throws ImageFormatException when the file is corrupt, hostile or uses an unsupported feature
   */
  public static DiskImage open(Path file, ImageFormat formatOrNull, ReadOptions options)
      throws IOException {
    ImageFormat format = formatOrNull != null ? formatOrNull : ImageDetector.detect(file);
    if (format == ImageFormat.GCE_TARBALL) {
      throw ImageFormatException.at(
          file,
          "gzip header",
          0,
          "reading a "
              + format.name().toLowerCase(Locale.ROOT)
              + " (gzip'd tar) is not supported; extract disk.raw first (`tar -xzf FILE`)");
    }
    SourceFile source = SourceFile.open(file);
    try {
      switch (format) {
        case RAW:
          return RawImageReader.open(source, options);
        case QCOW2:
          return Qcow2Reader.open(source, options);
        case VMDK:
          return VmdkReader.open(source, options);
        case VHD:
          return VhdReader.open(source, options);
        default:
          throw new IllegalArgumentException("no reader for " + format);
      }
    } catch (IOException | RuntimeException | Error e) {
      source.close();
      throw e;
    }
  }

  /** Opens {@code file} with its format detected and default options. */
  public static DiskImage open(Path file) throws IOException {
    return open(file, null, ReadOptions.defaults());
  }
}
