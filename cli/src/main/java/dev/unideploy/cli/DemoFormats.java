package dev.unideploy.cli;

import dev.unideploy.image.ContentHash;
import dev.unideploy.image.DiskImage;
import dev.unideploy.image.ImageFormat;
import dev.unideploy.image.TargetFormat;
import dev.unideploy.image.gce.GceTarballExtractor;
import dev.unideploy.image.write.WriteResult;
import dev.unideploy.pipeline.config.PublishSettings;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.qemu.Accelerator;
import dev.unideploy.pipeline.qemu.DiskController;
import dev.unideploy.provider.local.Readiness;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The demo's per-format step: convert the sample to one output format, read the result back and
 * compare its content hash with the source's, then boot it under QEMU. The GCE tarball is booted
 * through the {@code disk.raw} extracted from it, as GCE itself would.
 */
final class DemoFormats {
  private final Path dir;
  private final Readiness readiness;
  private final Duration bootTimeout;
  private final EventSink events;
  private final Accelerator accelerator;

  DemoFormats(
      Path dir,
      Readiness readiness,
      Duration bootTimeout,
      Accelerator accelerator,
      EventSink events) {
    this.accelerator = accelerator;
    this.dir = dir;
    this.readiness = readiness;
    this.bootTimeout = bootTimeout;
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

  /** The format QEMU boots for a written one (the GCE tarball's extracted disk.raw is raw). */
  static ImageFormat bootedFormat(TargetFormat f) {
    return switch (f) {
      case RAW, GCE_TARBALL -> ImageFormat.RAW;
      case VMDK_STREAM, VMDK_SPARSE -> ImageFormat.VMDK;
      case VHD_FIXED, VHD_DYNAMIC -> ImageFormat.VHD;
    };
  }

  Map<String, Object> run(DiskImage source, String sourceSha, TargetFormat format)
      throws IOException {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("format", format.cliName());
    Path out = dir.resolve("formats").resolve(fileName(format));
    Files.createDirectories(out.getParent());
    long t0 = System.nanoTime();
    WriteResult w = Conversions.write(source, format, out, events);
    r.put("convertSeconds", seconds(System.nanoTime() - t0));
    r.put("file", out.toString());
    r.put("fileBytes", Files.size(out));
    r.put("virtualSize", w.outputVirtualSize());

    Path bootable = out;
    if (format == TargetFormat.GCE_TARBALL) {
      bootable =
          GceTarballExtractor.extractDiskRaw(out, dir.resolve("formats").resolve("gce-disk.raw"));
      r.put("bootedFile", bootable.toString());
    }
    r.put("content", contentCheck(bootable, format, source, sourceSha));

    Path logs = dir.resolve("verify").resolve(format.cliName());
    Map<String, Object> boot =
        BootChecks.forReadiness(bootedFormat(format), readiness, bootTimeout, logs, accelerator)
            .verify(bootable, PublishSettings.defaults(), DiskController.VIRTIO, events);
    r.put("bootSeconds", boot.get("bootSeconds"));
    r.put("accelerator", boot.get("accelerator"));
    r.put("serialLog", boot.get("serialLog"));
    events.emit(
        LogEvent.info(
            "demo",
            String.format(
                Locale.ROOT,
                "%s: %s, booted in %.2f s (%s)",
                format.cliName(),
                Sizes.human(Files.size(out)),
                (Double) boot.get("bootSeconds"),
                boot.get("accelerator"))));
    return r;
  }

  /**
   * "same" when the file reads back to the source's SHA-256; for a disk padded to a larger size
   * (GCE: whole GiB), "same (padded)" when the source's bytes come first and the rest is zero.
   */
  private String contentCheck(Path file, TargetFormat format, DiskImage source, String sourceSha)
      throws IOException {
    try (DiskImage back = ImageOpener.open(file, null)) {
      if (back.virtualSize() == source.virtualSize()) {
        String sha = ContentHash.sha256(back);
        if (!sha.equals(sourceSha)) {
          throw new dev.unideploy.pipeline.UnideployException(
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
