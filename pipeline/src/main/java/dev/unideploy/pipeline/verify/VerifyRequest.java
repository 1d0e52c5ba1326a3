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

  public Builder toBuilder() {
    return new Builder(this);
  }

  public VerifyRequest withController(DiskController c) {
    return toBuilder().controller(c).build();
  }

  public VerifyRequest withTimeout(Duration t) {
    return toBuilder().timeout(t).build();
  }

  public VerifyRequest withFormat(ImageFormat f) {
    return toBuilder().format(f).build();
  }

  public VerifyRequest withBootMode(BootMode m) {
    return toBuilder().bootMode(m).build();
  }

  public VerifyRequest withAccelerator(Accelerator a) {
    return toBuilder().accelerator(a).build();
  }

  public VerifyRequest withWorkDir(Path d) {
    return toBuilder().workDir(d).build();
  }

  public VerifyRequest withReadiness(ConsoleMatcher m, ReadinessCheck c) {
    return toBuilder().matcher(m).check(c).build();
  }

  /** A request changed field by field, so that no copy lists every component by hand. */
  public static final class Builder {
    private Path image;
    private ImageFormat format;
    private ConsoleMatcher matcher;
    private ReadinessCheck check;
    private Duration timeout;
    private DiskController controller;
    private BootMode bootMode;
    private int memoryMiB;
    private Accelerator accelerator;
    private Path workDir;

    private Builder(VerifyRequest r) {
      image = r.image;
      format = r.format;
      matcher = r.matcher;
      check = r.check;
      timeout = r.timeout;
      controller = r.controller;
      bootMode = r.bootMode;
      memoryMiB = r.memoryMiB;
      accelerator = r.accelerator;
      workDir = r.workDir;
    }

    public Builder image(Path v) {
      image = v;
      return this;
    }

    public Builder format(ImageFormat v) {
      format = v;
      return this;
    }

    public Builder matcher(ConsoleMatcher v) {
      matcher = v;
      return this;
    }

    public Builder check(ReadinessCheck v) {
      check = v;
      return this;
    }

    public Builder timeout(Duration v) {
      timeout = v;
      return this;
    }

    public Builder controller(DiskController v) {
      controller = v;
      return this;
    }

    public Builder bootMode(BootMode v) {
      bootMode = v;
      return this;
    }

    public Builder memoryMiB(int v) {
      memoryMiB = v;
      return this;
    }

    public Builder accelerator(Accelerator v) {
      accelerator = v;
      return this;
    }

    public Builder workDir(Path v) {
      workDir = v;
      return this;
    }

    public VerifyRequest build() {
      return new VerifyRequest(
          image,
          format,
          matcher,
          check,
          timeout,
          controller,
          bootMode,
          memoryMiB,
          accelerator,
          workDir);
    }
  }
}
