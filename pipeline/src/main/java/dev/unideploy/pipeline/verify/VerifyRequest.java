package dev.unideploy.pipeline.verify;

import dev.unideploy.image.ImageFormat;
import dev.unideploy.pipeline.qemu.Accelerator;
import dev.unideploy.pipeline.qemu.BootMode;
import dev.unideploy.pipeline.qemu.ConsoleMatcher;
import dev.unideploy.pipeline.qemu.DiskController;
import dev.unideploy.pipeline.qemu.ReadinessCheck;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * What to boot and what counts as success.
 *
 * @param format the image's format, or null to detect it from the content
 * @param matcher readiness regex (for a console check) and panic patterns
 * @param check console pattern, HTTP or TCP readiness
 * @param accelerator null to detect (KVM when /dev/kvm is usable, else TCG)
 * @param workDir where serial.log and qemu.log go; null for a temporary directory that is deleted
 *     after a successful boot (kept, and named in the result, after a failure)
 */
public record VerifyRequest(
    Path image,
    ImageFormat format,
    ConsoleMatcher matcher,
    ReadinessCheck check,
    Duration timeout,
    DiskController controller,
    BootMode bootMode,
    int memoryMiB,
    Accelerator accelerator,
    Path workDir) {

  /** 120 s: generous, because TCG on a busy host is slow and a false failure blocks a release. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);

  public VerifyRequest {
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(matcher, "matcher");
    Objects.requireNonNull(check, "check");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(controller, "controller");
    Objects.requireNonNull(bootMode, "bootMode");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, was " + timeout);
    }
    if (check instanceof ReadinessCheck.Console && matcher.readyPattern() == null) {
      throw new IllegalArgumentException("a console readiness check needs a readiness regex");
    }
  }

  /** Console readiness on {@code readyRegex}, virtio, BIOS, 256 MiB, detected format. */
  public static VerifyRequest console(Path image, String readyRegex) {
    return new VerifyRequest(
        image,
        null,
        ConsoleMatcher.ready(readyRegex),
        new ReadinessCheck.Console(),
        DEFAULT_TIMEOUT,
        DiskController.VIRTIO,
        BootMode.BIOS,
        256,
        null,
        null);
  }

  public VerifyRequest withController(DiskController c) {
    return new VerifyRequest(
        image, format, matcher, check, timeout, c, bootMode, memoryMiB, accelerator, workDir);
  }

  public VerifyRequest withTimeout(Duration t) {
    return new VerifyRequest(
        image, format, matcher, check, t, controller, bootMode, memoryMiB, accelerator, workDir);
  }

  public VerifyRequest withFormat(ImageFormat f) {
    return new VerifyRequest(
        image, f, matcher, check, timeout, controller, bootMode, memoryMiB, accelerator, workDir);
  }

  public VerifyRequest withBootMode(BootMode m) {
    return new VerifyRequest(
        image, format, matcher, check, timeout, controller, m, memoryMiB, accelerator, workDir);
  }

  public VerifyRequest withAccelerator(Accelerator a) {
    return new VerifyRequest(
        image, format, matcher, check, timeout, controller, bootMode, memoryMiB, a, workDir);
  }

  public VerifyRequest withWorkDir(Path d) {
    return new VerifyRequest(
        image, format, matcher, check, timeout, controller, bootMode, memoryMiB, accelerator, d);
  }

  public VerifyRequest withReadiness(ConsoleMatcher m, ReadinessCheck c) {
    return new VerifyRequest(
        image, format, m, c, timeout, controller, bootMode, memoryMiB, accelerator, workDir);
  }
}
