package dev.unideploy.sample.demo;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.unideploy.image.DiskImage;
import dev.unideploy.image.TargetFormat;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.config.DeploySettings;
import dev.unideploy.pipeline.config.HealthSettings;
import dev.unideploy.pipeline.config.PublishSettings;
import dev.unideploy.pipeline.convert.ImageOpener;
import dev.unideploy.pipeline.convert.InspectJob;
import dev.unideploy.pipeline.convert.InspectResult;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.events.ProgressEvent;
import dev.unideploy.pipeline.health.Readiness;
import dev.unideploy.pipeline.job.DeployJob;
import dev.unideploy.pipeline.job.JobSession;
import dev.unideploy.pipeline.job.PublishJob;
import dev.unideploy.pipeline.qemu.Accelerator;
import dev.unideploy.pipeline.qemu.QemuSpec;
import dev.unideploy.pipeline.rollout.DeployResult;
import dev.unideploy.pipeline.spi.Fleet;
import dev.unideploy.pipeline.spi.Provider;
import dev.unideploy.pipeline.spi.Providers;
import dev.unideploy.pipeline.spi.ServerGroup;
import dev.unideploy.pipeline.verify.QemuBootCheck;
import dev.unideploy.sample.SampleUnikernel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code unideploy demo}: the main job end to end with nothing but Java and QEMU. Builds the sample
 * unikernel, inspects it, converts it to every output format and boots each, publishes it to the
 * local store, deploys instances, waits until they are healthy, and stops them again (unless asked
 * to keep them).
 */
public final class Demo {
  public static final String APP = "unideploy-demo";

  /**
   * @param home the local provider's home, or null for its default
   * @param accelerator for every boot; null detects KVM and falls back to TCG
   */
  public record Options(
      Path workDir,
      Path home,
      int instances,
      Duration timeout,
      Accelerator accelerator,
      boolean keep) {}

  private final EventSink events;

  public Demo(EventSink events) {
    this.events = events;
  }

  public DemoResult run(Options o) throws IOException {
    long t0 = System.nanoTime();
    requireQemu(QemuSpec.defaultQemu());
    Path work = o.workDir().toAbsolutePath();
    Files.createDirectories(work);
    int totalSteps = TargetFormat.values().length + 3;
    int step = 0;

    events.emit(LogEvent.info("demo", "building the sample unikernel in " + work));
    Path sample =
        SampleUnikernel.write(
            work.resolve("sample.raw"), new SampleUnikernel.Options(32L << 20, "demo", 2));
    progress(++step, totalSteps);

    InspectResult inspect = InspectJob.run(sample, null, false, true, events);
    progress(++step, totalSteps);

    Readiness readiness = new Readiness(SampleUnikernel.READY_REGEX, null, null, null);
    QemuBootCheck boot =
        QemuBootCheck.forReadiness(readiness, o.timeout(), work.resolve("verify"), o.accelerator());
    DemoFormats formats = new DemoFormats(work, boot, events);
    List<DemoResult.FormatRow> rows = new ArrayList<>();
    try (DiskImage disk = ImageOpener.open(sample, null)) {
      for (TargetFormat f : TargetFormat.values()) {
        rows.add(formats.run(disk, inspect.sha256(), f));
        progress(++step, totalSteps);
      }
    }

    DeployConfig config = config(sample, work, o);
    Provider local = Providers.named("local");
    // The raw file was booted above: the publish step does not boot it a second time.
    DeployResult deployed =
        new DeployJob(local, config, events, Clock.systemUTC())
            .run(new PublishJob.Options(null, false, false, false, o.accelerator()));
    progress(++step, totalSteps);

    boolean stopped = false;
    if (!o.keep()) {
      Fleet fleet =
          local.fleet(JobSession.browsingContext(local, config, events, Clock.systemUTC()));
      for (ServerGroup g : fleet.serverGroups(APP)) {
        fleet.destroy(g);
      }
      stopped = true;
    }
    String home = config.providerSection("local").path("home").asText(null);
    return new DemoResult(
        work.toString(),
        inspect,
        rows,
        deployed,
        stopped,
        home,
        Math.round((System.nanoTime() - t0) / 1e7) / 100.0);
  }

  /** The demo's own config: the sample app, its readiness line, a private state folder. */
  private static DeployConfig config(Path sample, Path work, Options o) {
    ObjectNode providers = JsonNodeFactory.instance.objectNode();
    ObjectNode local = providers.putObject("local");
    if (o.home() != null) {
      local.put("home", o.home().toAbsolutePath().toString());
    }
    if (o.accelerator() != null) {
      local.put("accelerator", o.accelerator().qemuName());
    }
    HealthSettings health =
        new HealthSettings(
            SampleUnikernel.READY_REGEX, null, null, null, null, o.timeout(), o.timeout(), 1, null);
    // Keep the two newest demo images: re-running the demo never fills the store.
    return new DeployConfig(
        APP,
        "1",
        sample.toString(),
        new PublishSettings(null, null, null, 2),
        health,
        new DeploySettings(null, o.instances(), null, null, 0),
        work.resolve("state").toString(),
        providers);
  }

  private void progress(int done, int total) {
    events.emit(ProgressEvent.of("demo", done, total, ProgressEvent.Unit.ITEMS));
  }

  /** Fails early, with the install command, when QEMU is not there. */
  public static void requireQemu(Path qemu) {
    try {
      Process p =
          new ProcessBuilder(qemu.toString(), "--version")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new UnideployException(qemu + " --version did not answer in 20 s; check QEMU");
      }
      if (p.exitValue() != 0) {
        throw new UnideployException(
            qemu + " --version failed (exit " + p.exitValue() + "); reinstall QEMU");
      }
    } catch (IOException e) {
      throw new UnideployException(
          "the demo boots images under QEMU, and "
              + qemu
              + " was not found: install it with `sudo apt-get install qemu-system-x86"
              + " qemu-utils` (or scripts/emulators.sh up), or set UNIDEPLOY_QEMU to its path",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnideployException("interrupted while checking for QEMU", e);
    }
  }
}
