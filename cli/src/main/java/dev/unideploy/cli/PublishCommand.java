package dev.unideploy.cli;

import dev.unideploy.image.ImageFormat;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.job.PublishJob;
import dev.unideploy.pipeline.publish.PublishResult;
import dev.unideploy.pipeline.qemu.Accelerator;
import dev.unideploy.pipeline.spi.RegionImage;
import dev.unideploy.pipeline.spi.RetiredImage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code unideploy publish --provider aws --image disk.img}: verify, upload, register, copy, share
 * and retire, through the provider's {@link dev.unideploy.pipeline.spi.ImagePublisher}.
 */
@Command(
    name = "publish",
    mixinStandardHelpOptions = true,
    description = {
      "Turn a disk image into a provider image: boot-verify it under QEMU, upload it, register"
          + " it, copy it to the configured regions, share it and retire old ones. Safe to re-run:"
          + " a re-run resumes an interrupted upload and changes nothing after a success."
    })
final class PublishCommand extends AbstractCommand<PublishResult> {

  @Mixin ConfigOptions config;

  @Mixin HealthOptions health;

  @Mixin ImageOptions image;

  @Option(
      names = "--no-verify",
      description = "Skip the verification boot (the result records that it was skipped).")
  boolean noVerify;

  @Option(
      names = "--dry-run",
      description = "Retention only lists the images it would remove; nothing is deregistered.")
  boolean dryRun;

  @Option(
      names = "--force-unlock",
      description = "Take over the app's lock from a run that died (remote state only).")
  boolean forceUnlock;

  @Override
  protected PublishResult execute(EventSink events) throws Exception {
    return new PublishJob(
            config.provider(),
            config.load(image.applyTo(health.applyTo(config.overrides())).build()),
            events,
            Clock.systemUTC())
        .run(new PublishJob.Options(image.format, !noVerify, dryRun, forceUnlock, image.accel));
  }

  @Override
  protected int exitCode(PublishResult result) {
    if (!result.failedRegions().isEmpty()) {
      throw new CliExitException(
          ExitCodes.PARTIAL,
          "published, but not in "
              + String.join(", ", result.failedRegions())
              + ": see the errors above, fix them and re-run (the regions that worked are kept)");
    }
    return ExitCodes.OK;
  }

  @Override
  protected void printSummary(PublishResult r, PrintWriter out) {
    out.println(
        (r.reused() ? "already published: " : "published: ")
            + r.image().name()
            + " (content hash "
            + r.sha256()
            + ")");
    Table t = new Table("REGION", "IMAGE", "STATUS");
    for (RegionImage region : r.regions()) {
      t.row(
          region.region(),
          region.ok() ? region.imageId() : "-",
          region.ok() ? (region.reused() ? "existing" : "new") : region.error());
    }
    t.print(out);
    for (RetiredImage x : r.retired()) {
      out.println((x.dryRun() ? "would retire " : "retired ") + x.imageId() + " in " + x.region());
    }
  }

  /** The image file and how to open and boot it. */
  static final class ImageOptions {
    @Option(
        names = "--image",
        paramLabel = "FILE",
        description = "The disk image (raw, qcow2, VMDK, VHD); default: 'image:' in the config.")
    Path file;

    @Option(
        names = "--format",
        paramLabel = "FORMAT",
        description = "raw, qcow2, vmdk or vhd; detected from the content when omitted.")
    ImageFormat format;

    @Option(
        names = "--accel",
        paramLabel = "kvm|tcg",
        description = "Accelerator of the verification boot (default: KVM when usable, else TCG).")
    Accelerator accel;

    dev.unideploy.pipeline.config.ConfigOverrides.Builder applyTo(
        dev.unideploy.pipeline.config.ConfigOverrides.Builder b) {
      return b.image(file == null ? null : file.toString());
    }
  }
}
