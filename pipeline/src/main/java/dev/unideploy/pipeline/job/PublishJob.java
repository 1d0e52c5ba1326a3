package dev.unideploy.pipeline.job;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.ImageFormat;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.convert.ImageOpener;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.health.Readiness;
import dev.unideploy.pipeline.publish.PublishPipeline;
import dev.unideploy.pipeline.publish.PublishResult;
import dev.unideploy.pipeline.qemu.Accelerator;
import dev.unideploy.pipeline.spi.Provider;
import dev.unideploy.pipeline.spi.ProviderContext;
import dev.unideploy.pipeline.verify.BootCheck;
import dev.unideploy.pipeline.verify.QemuBootCheck;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;

/**
 * {@code unideploy publish}: opens the image named by the config, takes the app's lock and journal,
 * and runs the {@link PublishPipeline} through the provider's publisher.
 */
public final class PublishJob {

  /**
   * How to publish.
   *
   * @param format the image's format, or null to detect it
   * @param verify boot the image under QEMU first (the config's {@code health} says what "up" is)
   * @param dryRunRetire retention only lists what it would remove
   * @param accelerator for the verification boot; null detects KVM and falls back to TCG
   */
  public record Options(
      ImageFormat format,
      boolean verify,
      boolean dryRunRetire,
      boolean forceUnlock,
      Accelerator accelerator) {
    public static Options defaults() {
      return new Options(null, true, false, false, null);
    }
  }

  private final Provider provider;
  private final DeployConfig config;
  private final EventSink events;
  private final Clock clock;

  public PublishJob(Provider provider, DeployConfig config, EventSink events, Clock clock) {
    this.provider = provider;
    this.config = config;
    this.events = events;
    this.clock = clock;
  }

  public PublishResult run(Options options) throws IOException {
    Path imageFile = imageFile(config);
    try (JobSession session =
            JobSession.open(provider, config, events, clock, options.forceUnlock());
        DiskImage disk = ImageOpener.openForCopy(imageFile, options.format())) {
      return publish(session, disk, imageFile, options);
    }
  }

  /** Publishes inside a session that the caller (a deploy) already holds. */
  PublishResult publish(JobSession session, DiskImage disk, Path imageFile, Options options) {
    ProviderContext context = session.context();
    PublishPipeline pipeline =
        new PublishPipeline(
            provider.name(), provider.publisher(context), context, session.store().location());
    return pipeline.publish(
        disk,
        imageFile,
        new PublishPipeline.Options(bootCheck(config, context, options), options.dryRunRetire()));
  }

  /** The image file: {@code image:} in the config (after overrides), or a clear error. */
  static Path imageFile(DeployConfig config) {
    if (config.image() == null) {
      throw new UnideployException("no image: pass --image FILE or set 'image:' in the config");
    }
    return Path.of(config.image());
  }

  /** The verification boot the config's {@code health} section describes, or null to skip. */
  static BootCheck bootCheck(DeployConfig config, ProviderContext context, Options options) {
    if (!options.verify()) {
      return null;
    }
    Readiness readiness = config.health().readiness(config.deploy().firstPort());
    if (readiness.isEmpty()) {
      throw new UnideployException(
          "publishing verifies that the image boots, and needs to know what 'booted' looks like:"
              + " pass --ready REGEX (a line your unikernel prints on its serial console when it"
              + " is up) or set health.serial in the config, or pass --no-verify to skip the"
              + " check");
    }
    return QemuBootCheck.forReadiness(
        readiness,
        config.health().verifyTimeout(),
        context.workDir().resolve("verify").resolve(config.requireApp()),
        options.accelerator());
  }
}
