package dev.unideploy.sample.demo;

import dev.unideploy.image.ContentHash;
import dev.unideploy.image.DiskImage;
import dev.unideploy.image.TargetFormat;
import dev.unideploy.image.gce.GceTarballExtractor;
import dev.unideploy.image.write.WriteResult;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.PublishSettings;
import dev.unideploy.pipeline.convert.ImageConversion;
import dev.unideploy.pipeline.convert.ImageOpener;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.qemu.DiskController;
import dev.unideploy.pipeline.verify.BootCheck;
import dev.unideploy.pipeline.verify.VerifyResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The demo's per-format step: convert the sample to one output format, read the result back and
 * compare its content hash with the source's, then boot it under QEMU (a GCE tarball through the
 * {@code disk.raw} inside it, as GCE itself would).
 */
final class DemoFormats {
  private final Path dir;
  private final BootCheck boot;
  private final EventSink events;

  DemoFormats(Path dir, BootCheck boot, EventSink events) {
    this.dir = dir;
    this.boot = boot;
    this.events = events;
  }

  static String fileName(TargetFormat f) {
    return switch (f) {
      case RAW -> "sample.raw";
      case VMDK_STREAM -> "sample-stream.vmdk";
      case VMDK_SPARSE -> "sample-sparse.vmdk";
      case VHD_FIXED -> "sample-fixed.vhd";
      case VHD_DYNAMIC -> "sample-dynamic.vhd";
      case GCE_TARBALL -> "sample-gce.tar.gz";
    };
  }

  DemoResult.FormatRow run(DiskImage source, String sourceSha, TargetFormat format)
      throws IOException {
    Path out = dir.resolve("formats").resolve(fileName(format));
    Files.createDirectories(out.getParent());
    long t0 = System.nanoTime();
    WriteResult w = ImageConversion.write(source, format, out, events);
    double convertSeconds = seconds(System.nanoTime() - t0);
    String content;
    if (format == TargetFormat.GCE_TARBALL) {
      // Read back as GCE's importer would: the disk.raw inside.
      Path raw = dir.resolve("formats").resolve("gce-disk.raw");
      GceTarballExtractor.extractDiskRaw(out, raw);
      content = contentCheck(raw, format, source, sourceSha);
    } else {
      content = contentCheck(out, format, source, sourceSha);
    }
    VerifyResult booted =
        boot.verify(out, PublishSettings.defaults(), DiskController.VIRTIO, events);
    events.emit(
        LogEvent.info(
            "demo",
            String.format(
                Locale.ROOT,
                "%s: %d bytes, booted in %.2f s (%s)",
                format.cliName(),
                Files.size(out),
                booted.bootSeconds(),
                booted.accelerator())));
    return new DemoResult.FormatRow(
        format.cliName(),
        out.toString(),
        Files.size(out),
        w.outputVirtualSize(),
        convertSeconds,
        content,
        booted.bootSeconds(),
        booted.accelerator(),
        booted.serialLog());
  }

  /**
   * "same" when the file reads back to the source's SHA-256; for a disk padded to a larger size,
   * "same (padded)" when the source's bytes come first and the rest is zero.
   */
  private static String contentCheck(
      Path file, TargetFormat format, DiskImage source, String sourceSha) throws IOException {
    try (DiskImage back = ImageOpener.open(file, null)) {
      if (back.virtualSize() == source.virtualSize()) {
        String sha = ContentHash.sha256(back);
        if (!sha.equals(sourceSha)) {
          throw new UnideployException(
              format.cliName()
                  + " output "
                  + file
                  + " reads back as "
                  + sha
                  + ", not the source's "
                  + sourceSha
                  + ": the writer or reader is broken; please report it");
        }
        return "same";
      }
      return PaddedCompare.sameWithZeroTail(source, back) ? "same (padded)" : "DIFFERENT";
    }
  }

  private static double seconds(long nanos) {
    return Math.round(nanos / 1e7) / 100.0;
  }
}
