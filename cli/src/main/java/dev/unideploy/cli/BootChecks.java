package dev.unideploy.cli;

import dev.unideploy.image.ImageFormat;
import dev.unideploy.pipeline.publish.BootCheck;
import dev.unideploy.pipeline.qemu.Accelerator;
import dev.unideploy.pipeline.qemu.BootMode;
import dev.unideploy.pipeline.qemu.ConsoleMatcher;
import dev.unideploy.pipeline.qemu.DiskController;
import dev.unideploy.pipeline.qemu.ReadinessCheck;
import dev.unideploy.pipeline.verify.QemuBootCheck;
import dev.unideploy.pipeline.verify.VerifyRequest;
import dev.unideploy.provider.local.Readiness;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Builds the pipeline's {@link QemuBootCheck} for the readiness the local provider's instances use
 * (console regex, HTTP or TCP), so verification and deployment judge "up" the same way.
 */
final class BootChecks {
  private BootChecks() {}

  /**
   * @param format the file's format, passed to QEMU explicitly (a VHD must never be probed)
   * @param workDir where QEMU's serial.log and qemu.log are kept (for the user to read)
   * @param accelerator KVM or TCG; null detects KVM and falls back to TCG
   */
  static BootCheck forReadiness(
      ImageFormat format,
      Readiness readiness,
      Duration timeout,
      Path workDir,
      Accelerator accelerator) {
    if (readiness.isEmpty()) {
      throw new IllegalArgumentException("boot verification needs a readiness check");
    }
    if (format == ImageFormat.GCE_TARBALL) {
      throw new IllegalArgumentException("extract disk.raw from the tarball first");
    }
    ConsoleMatcher matcher =
        readiness.serial() == null
            ? ConsoleMatcher.panicsOnly()
            : ConsoleMatcher.ready(readiness.serial());
    ReadinessCheck check;
    if (readiness.http() != null) {
      check = new ReadinessCheck.Http(readiness.port(), readiness.http());
    } else if (readiness.tcp() != null) {
      check = new ReadinessCheck.Tcp(readiness.port());
    } else {
      check = new ReadinessCheck.Console();
    }
    // QemuBootCheck takes controller and boot mode from each verify() call; the image too.
    return (image, settings, controller, events) ->
        new QemuBootCheck(
                new VerifyRequest(
                    image,
                    format,
                    matcher,
                    check,
                    timeout,
                    DiskController.VIRTIO,
                    BootMode.BIOS,
                    256,
                    accelerator,
                    workDir))
            .verify(image, settings, controller, events);
  }
}
