package dev.unideploy.cli;

import dev.unideploy.image.DiskImage;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.ConfigLoader;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.journal.DeploymentLock;
import dev.unideploy.pipeline.journal.FileJournal;
import dev.unideploy.pipeline.publish.BootCheck;
import dev.unideploy.pipeline.publish.PublishPipeline;
import dev.unideploy.pipeline.spi.Provider;
import dev.unideploy.pipeline.spi.ProviderContext;
import dev.unideploy.pipeline.spi.Providers;
import dev.unideploy.provider.local.Readiness;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code unideploy publish --provider aws --image disk.img}: verify, upload, register, copy, share
 * and retire, through the provider's {@link dev.unideploy.pipeline.spi.ImagePublisher}.
 */
@Command(
    name = "publish",
    mixinStandardHelpOptions = true,
    description = {
      "Turn a disk image into a provider image: boot-verify it under QEMU, upload it, register",
      "it, copy it to the configured regions, share it and retire old ones. Safe to re-run: a",
      "re-run resumes an interrupted upload and changes nothing after a success."
    })
final class PublishCommand extends AbstractCommand {
  static final Path DEFAULT_CONFIG = Path.of("unideploy.yaml");

  @Option(
      names = "--provider",
      paramLabel = "NAME",
      description = "local, aws (default: ${DEFAULT-VALUE}).")
  String provider = "local";

  @Option(
      names = "--image",
      paramLabel = "FILE",
      description = "The disk image (raw, qcow2, VMDK, VHD); default: 'image:' in the config.")
  Path image;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "unideploy.yaml (default: ./unideploy.yaml when it exists).")
  Path config;

  @Option(names = "--app", paramLabel = "APP", description = "App name (overrides the config).")
  String app;

  @Option(
      names = "--version",
      paramLabel = "VERSION",
      description = "Release version (overrides the config).")
  String version;

  @Option(
      names = "--ready",
      paramLabel = "REGEX",
      description = "Verification succeeds when the serial console prints this.")
  String ready;

  @Option(
      names = "--verify-timeout",
      paramLabel = "SECONDS",
      description = "Deadline of the verification boot (default: ${DEFAULT-VALUE}).")
  int verifyTimeout = 120;

  @Option(
      names = "--no-verify",
      description = "Skip the verification boot (the result records that it was skipped).")
  boolean noVerify;

  @Option(
      names = "--dry-run",
      description = "Retention only lists the images it would remove; nothing is deregistered.")
  boolean dryRun;

  @Option(
      names = "--state-dir",
      paramLabel = "DIR",
      description = "Journal and lock folder (default: ~/.unideploy/state).")
  Path stateDir;

  @Override
  protected Map<String, Object> execute(EventSink events) throws Exception {
    DeployConfig cfg = loadConfig();
    if (app != null || version != null) {
      cfg = cfg.withApp(app != null ? app : cfg.app(), version != null ? version : cfg.version());
    }
    String appName = cfg.requireApp();
    Path imageFile = image != null ? image : cfg.image() == null ? null : Path.of(cfg.image());
    if (imageFile == null) {
      throw new UnideployException("no image: pass --image FILE or set 'image:' in the config");
    }
    Provider p = Providers.named(provider);
    p.validate(cfg);
    Path state = stateDir != null ? stateDir : defaultStateDir();
    try (DeploymentLock lock = DeploymentLock.acquire(state, appName);
        DiskImage disk = ImageOpener.openForCopy(imageFile, null)) {
      // One journal per app and provider: an interrupted upload of the same content resumes.
      FileJournal journal =
          FileJournal.open(state.resolve("journal").resolve(appName + "-" + p.name() + ".jsonl"));
      ProviderContext context =
          new ProviderContext(cfg, events, journal, state.resolve("work"), Clock.systemUTC());
      PublishPipeline pipeline =
          new PublishPipeline(p.publisher(context), Conversions::write, context);
      Map<String, Object> result =
          pipeline.publish(
              disk,
              imageFile,
              new PublishPipeline.Options(bootCheck(disk, imageFile, state, appName), dryRun));
      result.put("provider", p.name());
      result.put("journal", journal.file().toString());
      return result;
    }
  }

  private DeployConfig loadConfig() {
    if (config != null) {
      return ConfigLoader.load(config);
    }
    return Files.exists(DEFAULT_CONFIG)
        ? ConfigLoader.load(DEFAULT_CONFIG)
        : DeployConfig.of(null, null);
  }

  private BootCheck bootCheck(DiskImage disk, Path imageFile, Path state, String appName) {
    if (noVerify) {
      return null;
    }
    if (ready == null) {
      throw new UnideployException(
          "publishing verifies that the image boots, and needs to know what 'booted' looks like:"
              + " pass --ready REGEX (a line your unikernel prints on its serial console when it"
              + " is up), or --no-verify to skip the check");
    }
    return BootChecks.forReadiness(
        DeployCommand.bootableFormat(disk),
        new Readiness(ready, null, null, null),
        Duration.ofSeconds(verifyTimeout),
        state.resolve("verify").resolve(appName),
        null);
  }

  static Path defaultStateDir() {
    return Path.of(System.getProperty("user.home"), ".unideploy", "state");
  }

  @Override
  protected int exitCode(Map<String, Object> result) {
    List<String> failed = ImagesCommand.asStrings(result.get("failedRegions"));
    if (!failed.isEmpty()) {
      throw new CliExitException(
          ExitCodes.PARTIAL,
          "published, but not in "
              + String.join(", ", failed)
              + ": see the errors above, fix them and re-run (the regions that worked are kept)");
    }
    return ExitCodes.OK;
  }

  @Override
  protected void printSummary(Map<String, Object> r, PrintWriter out) {
    @SuppressWarnings("unchecked") // built by PublishPipeline
    Map<String, Object> img = (Map<String, Object>) r.get("image");
    out.println(
        (Boolean.TRUE.equals(r.get("reused")) ? "already published: " : "published: ")
            + img.get("name")
            + " (sha256 "
            + r.get("sha256")
            + ")");
    @SuppressWarnings("unchecked") // built by PublishPipeline
    List<Map<String, Object>> regions = (List<Map<String, Object>>) r.get("regions");
    Table t = new Table("REGION", "IMAGE", "STATUS");
    for (Map<String, Object> region : regions) {
      boolean ok = Boolean.TRUE.equals(region.get("ok"));
      t.row(
          region.get("region"),
          ok ? region.get("imageId") : "-",
          ok
              ? (Boolean.TRUE.equals(region.get("reused")) ? "existing" : "new")
              : region.get("error"));
    }
    t.print(out);
    @SuppressWarnings("unchecked") // built by PublishPipeline
    List<Map<String, Object>> retired = (List<Map<String, Object>>) r.get("retired");
    for (Map<String, Object> x : retired) {
      out.println(
          (Boolean.TRUE.equals(x.get("dryRun")) ? "would retire " : "retired ")
              + x.get("imageId")
              + " in "
              + x.get("region"));
    }
  }
}
