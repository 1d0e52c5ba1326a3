package dev.unideploy.pipeline.spi;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.TargetFormat;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What an upload reads: the virtual disk (always), and the image converted to the publisher's
 * {@link ImagePublisher#uploadFormat} as a file ({@code null} when that format is {@link
 * TargetFormat#RAW}: block uploads read the disk's extents directly and skip zeroes).
 */
public record UploadSource(DiskImage disk, TargetFormat format, Path file) {
  public UploadSource {
    Objects.requireNonNull(disk, "disk");
    Objects.requireNonNull(format, "format");
    if (format != TargetFormat.RAW) {
      Objects.requireNonNull(file, "file is required for " + format);
    }
  }
}
