package dev.unideploy.pipeline.verify;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.PublishSettings;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.health.Readiness;
import dev.unideploy.pipeline.qemu.Accelerator;
import dev.unideploy.pipeline.qemu.BootMode;
import dev.unideploy.pipeline.qemu.ConsoleMatcher;
import dev.unideploy.pipeline.qemu.DiskController;
import dev.unideploy.pipeline.qemu.ReadinessCheck;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The publish pipeline's {@link BootCheck}: a {@link BootVerifier} run with the publish settings'
 * boot mode and the target's controller, failing the publish when the image does not come up.
 */
public final class QemuBootCheck implements BootCheck {
  private final VerifyRequest template;
  private final BootVerifier verifier;

  /**
   * A check that waits for {@code readiness} (console regex, HTTP or TCP; a panic on the console
   * fails at once), as the rollout's health gates judge instances, so "up" means the same before
   * and after publishing.
   *
   * @param workDir where QEMU's serial.log and qemu.log are kept (for the user to read)
   * @param accelerator KVM or TCG; null detects KVM and falls back to TCG
   */
  public static QemuBootCheck forReadiness(
      Readiness readiness, Duration timeout, Path workDir, Accelerator accelerator) {
    if (readiness.isEmpty()) {
      throw new IllegalArgumentException("boot verification needs a readiness check");
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
    // The image, controller and boot mode are given to each verify() call.
    return new QemuBootCheck(
        new VerifyRequest(
            workDir.resolve("image"),
            null,
            matcher,
            check,
            timeout,
            DiskController.VIRTIO,
            BootMode.BIOS,
            256,
            accelerator,
            workDir));
  }

  /** {@code template} gives readiness, timeout, memory; image, controller and boot mode vary. */
  public QemuBootCheck(VerifyRequest template) {
    this(template, new BootVerifier());
  }

  public QemuBootCheck(VerifyRequest template, BootVerifier verifier) {
    this.template = template;
    this.verifier = verifier;
  }

  @Override
  public VerifyResult verify(
      Path image, PublishSettings settings, DiskController controller, EventSink events) {
    VerifyRequest req =
        template.toBuilder()
            .image(image)
            .controller(controller)
            .bootMode(
                settings.bootMode() == PublishSettings.BootMode.UEFI
                    ? BootMode.UEFI
                    : BootMode.BIOS)
            .build();
    VerifyResult r;
    try {
      r = verifier.verify(req, events);
    } catch (IOException e) {
      throw new UnideployException("could not boot " + image + " under QEMU: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnideployException("interrupted while booting " + image + " under QEMU", e);
    }
    if (!r.ok()) {
      throw new UnideployException(
          image.getFileName()
              + " did not boot under QEMU, so it was not published: "
              + r.failureMessage()
              + "\nfix the image, or raise the verify timeout if the machine is just slow");
    }
    return r;
  }
}
