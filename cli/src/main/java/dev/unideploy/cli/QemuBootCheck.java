package dev.unideploy.cli;

import dev.unideploy.image.ImageFormat;
import dev.unideploy.pipeline.config.PublishSettings;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.publish.BootCheck;
import dev.unideploy.pipeline.qemu.Accelerator;
import dev.unideploy.pipeline.qemu.BootMode;
import dev.unideploy.pipeline.qemu.ConsoleMatcher;
import dev.unideploy.pipeline.qemu.DiskController;
import dev.unideploy.pipeline.qemu.ReadinessCheck;
import dev.unideploy.pipeline.verify.VerifyRequest;
import dev.unideploy.provider.local.Readiness;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The CLI's boot check: the pipeline's verifier ({@link
 * dev.unideploy.pipeline.verify.QemuBootCheck} over {@code BootVerifier}) with the readiness the
 * local provider's instances use (console regex, HTTP or TCP), its logs kept in {@code workDir}.
 */
final class QemuBootCheck implements BootCheck {
  private final ImageFormat format;
  private final Readiness readiness;
  private final Duration timeout;
  private final Path workDir;
  private Accelerator accelerator;

  /**
   * @param qemuFormat QEMU's driver for the file: raw, vmdk, vpc (VHD), qcow2
   * @param workDir where QEMU's serial.log and qemu.log are kept (for the user to read)
   * @param label unused by the pipeline's verifier, which names the file itself; kept for callers
   */
  QemuBootCheck(
      String qemuFormat, Readiness readiness, Duration timeout, Path workDir, String label) {
    if (readiness.isEmpty()) {
      throw new IllegalArgumentException("boot verification needs a readiness check");
    }
    this.format = imageFormat(qemuFormat);
    this.readiness = readiness;
    this.timeout = timeout;
    this.workDir = workDir;
  }

  /** Forces KVM or TCG; null (the default) detects KVM and falls back to TCG. */
  QemuBootCheck accelerator(Accelerator v) {
    accelerator = v;
    return this;
  }

  static ImageFormat imageFormat(String qemuDriver) {
    return switch (qemuDriver) {
      case "raw" -> ImageFormat.RAW;
      case "vmdk" -> ImageFormat.VMDK;
      case "vpc" -> ImageFormat.VHD;
      case "qcow2" -> ImageFormat.QCOW2;
      default ->
          throw new IllegalArgumentException("no image format for QEMU driver " + qemuDriver);
    };
  }

  /** The verifier's request for this readiness; the image is filled in per call. */
  VerifyRequest template(Path image) {
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
    return new VerifyRequest(
        image,
        format,
        matcher,
        check,
        timeout,
        DiskController.VIRTIO,
        BootMode.BIOS,
        256,
        accelerator,
        workDir);
  }

  @Override
  public Map<String, Object> verify(
      Path image, PublishSettings settings, DiskController controller, EventSink events) {
    return new dev.unideploy.pipeline.verify.QemuBootCheck(template(image))
        .verify(image, settings, controller, events);
  }
}
