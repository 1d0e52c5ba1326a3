package dev.unideploy.pipeline.verify;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.PublishSettings;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.publish.BootCheck;
import dev.unideploy.pipeline.qemu.BootMode;
import dev.unideploy.pipeline.qemu.DiskController;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The publish pipeline's {@link BootCheck}: a {@link BootVerifier} run with the publish settings'
 * boot mode and the target's controller, failing the publish when the image does not come up.
 */
public final class QemuBootCheck implements BootCheck {
  private final VerifyRequest template;
  private final BootVerifier verifier;

  /** {@code template} gives readiness, timeout, memory; image, controller and boot mode vary. */
  public QemuBootCheck(VerifyRequest template) {
    this(template, new BootVerifier());
  }

  public QemuBootCheck(VerifyRequest template, BootVerifier verifier) {
    this.template = template;
    this.verifier = verifier;
  }

  @Override
  public Map<String, Object> verify(
      Path image, PublishSettings settings, DiskController controller, EventSink events) {
    VerifyRequest req =
        new VerifyRequest(
            image,
            template.format(),
            template.matcher(),
            template.check(),
            template.timeout(),
            controller,
            settings.bootMode() == PublishSettings.BootMode.UEFI ? BootMode.UEFI : BootMode.BIOS,
            template.memoryMiB(),
            template.accelerator(),
            template.workDir());
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
    return r.toMap();
  }
}
