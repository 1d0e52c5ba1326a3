package dev.unideploy.pipeline.verify;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.ImageFormat;
import dev.unideploy.image.ImageFormatException;
import dev.unideploy.image.ReadOptions;
import dev.unideploy.image.TargetFormat;
import dev.unideploy.image.formats.ImageReaders;
import dev.unideploy.image.gce.GceTarballExtractor;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.convert.ImageConversion;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.state.StateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The raw disk QEMU boots for {@code verify}, {@code run} and the check before a publish. QEMU is
 * only ever given a raw file opened with {@code format=raw}, which references nothing else:
 *
 * <ul>
 *   <li>a raw image is booted as it is;
 *   <li>every other format is first read by image-formats, which refuses backing files, external
 *       data files and descriptor extents outside the image's folder, and written as a sparse raw
 *       copy in a private temporary folder.
 * </ul>
 *
 * <p>Why not hand QEMU the qcow2 or VMDK: QEMU follows a qcow2 {@code backing_file}, an external
 * data file and a VMDK descriptor's extents by absolute path, so a hostile image could expose any
 * host file to the guest, which has a network and a console that ends up in CI logs. Booting a copy
 * that image-formats wrote also closes the gap between validating a path and QEMU opening it: the
 * file QEMU reads is one nobody else can write.
 */
public final class BootableImage implements AutoCloseable {
  private final Path path;
  private final ImageFormat sourceFormat;
  private final Path tempDir;

  private BootableImage(Path path, ImageFormat sourceFormat, Path tempDir) {
    this.path = path;
    this.sourceFormat = sourceFormat;
    this.tempDir = tempDir;
  }

  /**
   * Prepares {@code image} for booting.
   *
   * @param given the format, or null to detect it from the content
   * @param step the step name for events and messages ({@code verify}, {@code run})
   */
  public static BootableImage of(Path image, ImageFormat given, String step, EventSink events)
      throws IOException {
    if (!Files.isRegularFile(image)) {
      throw new UnideployException(
          "cannot " + step + " " + image + ": no such file (check the path)");
    }
    ImageFormat format = QemuDiskFormat.detect(image, given);
    if (format == ImageFormat.RAW) {
      return new BootableImage(image, format, null);
    }
    Path dir = StateFiles.createPrivateDirectories(Files.createTempDirectory("unideploy-boot-"));
    try {
      Path raw = dir.resolve("disk.raw");
      if (format == ImageFormat.GCE_TARBALL) {
        GceTarballExtractor.extractDiskRaw(image, raw);
        events.emit(
            LogEvent.info(step, "extracted disk.raw from GCE tarball " + image.getFileName()));
      } else {
        try (DiskImage disk = ImageReaders.open(image, format, ReadOptions.defaults())) {
          ImageConversion.write(disk, TargetFormat.RAW, raw, events);
        }
        events.emit(
            LogEvent.info(
                step,
                "checked "
                    + image.getFileName()
                    + " ("
                    + format.name().toLowerCase(java.util.Locale.ROOT)
                    + ") and copied it to a private raw disk for QEMU"));
      }
      return new BootableImage(raw, format, dir);
    } catch (ImageFormatException e) {
      deleteTree(dir);
      throw new UnideployException(e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      deleteTree(dir);
      throw e;
    }
  }

  /** The raw file to give QEMU. */
  public Path path() {
    return path;
  }

  /** The format QEMU opens {@link #path()} with: always raw. */
  public String qemuDriver() {
    return "raw";
  }

  /** The format the user's file was in. */
  public ImageFormat sourceFormat() {
    return sourceFormat;
  }

  /** The user's file format by the names the CLI uses: raw, qcow2, vmdk, vhd, gce-tar. */
  public String sourceFormatName() {
    return sourceFormat == ImageFormat.GCE_TARBALL
        ? "gce-tar"
        : sourceFormat.name().toLowerCase(java.util.Locale.ROOT);
  }

  @Override
  public void close() {
    if (tempDir != null) {
      deleteTree(tempDir);
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException e) {
                  // A leftover file in the private temp folder is harmless.
                }
              });
    } catch (IOException e) {
      // Same: best effort.
    }
  }
}
