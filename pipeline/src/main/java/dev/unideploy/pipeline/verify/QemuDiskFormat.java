package dev.unideploy.pipeline.verify;

import dev.unideploy.image.ImageFormat;
import dev.unideploy.image.detect.ImageDetector;
import dev.unideploy.pipeline.UnideployException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Which QEMU block driver opens an image file. Always explicit: QEMU's own probing takes a fixed
 * VHD for raw (the footer is at the end) and refuses to write block 0 of probed raw images.
 */
public final class QemuDiskFormat {
  private QemuDiskFormat() {}

  /** The detected (or given) format of {@code image}. */
  public static ImageFormat detect(Path image, ImageFormat given) throws IOException {
    return given != null ? given : ImageDetector.detect(image);
  }

  /** QEMU's {@code format=} value for a unideploy format. */
  public static String driver(ImageFormat format, Path image) {
    return switch (format) {
      case RAW -> "raw";
      case QCOW2 -> "qcow2";
      case VMDK -> "vmdk";
      case VHD -> "vpc"; // QEMU calls VHD "vpc" (Virtual PC), fixed and dynamic alike
      case GCE_TARBALL ->
          throw new UnideployException(
              image
                  + " is a GCE tarball, which QEMU cannot boot directly: extract its disk.raw"
                  + " (tar -xzSf "
                  + image.getFileName()
                  + ") and verify that");
    };
  }
}
