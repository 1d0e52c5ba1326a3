package dev.unideploy.cli;

import dev.unideploy.image.ImageFormat;
import dev.unideploy.image.gce.GceTarballExtractor;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.verify.QemuDiskFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The file QEMU boots for {@code verify} and {@code run}: the image itself when QEMU reads its
 * format, or the {@code disk.raw} extracted (sparse) from a GCE tarball into a temporary directory
 * that {@link #close()} removes.
 */
final class BootableCopy implements AutoCloseable {
  private final Path path;
  private final ImageFormat format;
  private final Path tempDir;

  private BootableCopy(Path path, ImageFormat format, Path tempDir) {
    this.path = path;
    this.format = format;
    this.tempDir = tempDir;
  }

  static BootableCopy of(Path image, ImageFormat given, String step, EventSink events)
      throws IOException {
    if (!Files.isRegularFile(image)) {
      throw new dev.unideploy.pipeline.UnideployException(
          "cannot " + step + " " + image + ": no such file (check the path)");
    }
    ImageFormat f = QemuDiskFormat.detect(image, given);
    if (f != ImageFormat.GCE_TARBALL) {
      return new BootableCopy(image, f, null);
    }
    Path dir = Files.createTempDirectory("unideploy-gce-");
    try {
      Path raw = GceTarballExtractor.extractDiskRaw(image, dir.resolve("disk.raw"));
      events.emit(
          LogEvent.info(step, "extracted disk.raw from GCE tarball " + image.getFileName()));
      return new BootableCopy(raw, ImageFormat.RAW, dir);
    } catch (IOException | RuntimeException e) {
      deleteQuietly(dir);
      throw e;
    }
  }

  Path path() {
    return path;
  }

  ImageFormat format() {
    return format;
  }

  @Override
  public void close() {
    if (tempDir != null) {
      deleteQuietly(tempDir);
    }
  }

  private static void deleteQuietly(Path dir) {
    try {
      Files.deleteIfExists(dir.resolve("disk.raw"));
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // A leftover file in the temp directory is harmless.
    }
  }
}
