package dev.unideploy.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.unideploy.image.ContentHash;
import dev.unideploy.image.DiskImage;
import dev.unideploy.image.TargetFormat;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.config.PublishSettings;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.events.ProgressEvent;
import dev.unideploy.pipeline.journal.DeploymentLock;
import dev.unideploy.pipeline.journal.FileJournal;
import dev.unideploy.pipeline.qemu.Accelerator;
import dev.unideploy.pipeline.qemu.QemuSpec;
import dev.unideploy.pipeline.sample.SampleUnikernel;
import dev.unideploy.pipeline.spi.ProviderContext;
import dev.unideploy.pipeline.spi.ServerGroup;
import dev.unideploy.provider.local.LocalFleet;
import dev.unideploy.provider.local.LocalHome;
import dev.unideploy.provider.local.LocalProvider;
import dev.unideploy.provider.local.LocalSettings;
import dev.unideploy.provider.local.Readiness;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code unideploy demo}: the main job end to end with nothing but Java and QEMU. Builds the sample
 * unikernel, inspects it, converts it to every output format and boots each, publishes it to the
 * local store, deploys instances, waits until they are healthy, prints a summary and stops the
 * instances again (unless {@code --keep}).
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Run the whole job on a built-in sample unikernel: inspect, convert to every format,",
      "boot each under QEMU, publish to the local store, deploy instances, report."
    })
final class DemoCommand extends AbstractCommand {
  static final String APP = "unideploy-demo";

  @Option(
      names = "--dir",
      paramLabel = "DIR",
      description = "Work folder for the images and logs (default: a new temporary folder).")
  Path dir;

  @Option(
      names = "--keep",
      description =
          "Leave the instances running (stop them later with"
              + " unideploy instances stop "
              + APP
              + "-vNNN).")
  boolean keep;

  @Option(
      names = "--instances",
      paramLabel = "N",
      description = "Instances to deploy (default: ${DEFAULT-VALUE}).")
  int instances = 2;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      description =
          "Deadline for each boot and for the instances' health (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds = 180;

  @Option(
      names = "--accel",
      paramLabel = "auto|kvm|tcg",
      description = "QEMU accelerator for every boot (default: ${DEFAULT-VALUE}: KVM when usable).")
  String accel = "auto";

  @Mixin LocalOptions local;

  @Override
  protected Map<String, Object> execute(EventSink events) throws Exception {
    long t0 = System.nanoTime();
    Accelerator acc = accelerator(accel);
    requireQemu();
    Path work = dir != null ? dir.toAbsolutePath() : Files.createTempDirectory("unideploy-demo-");
    Files.createDirectories(work);
    Duration timeout = Duration.ofSeconds(timeoutSeconds);
    Readiness readiness = new Readiness(SampleUnikernel.READY_REGEX, null, null, null);
    int totalSteps = TargetFormat.values().length + 3;
    int step = 0;
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("workDir", work.toString());

    events.emit(LogEvent.info("demo", "building the sample unikernel in " + work));
    SampleUnikernel.Options opts = new SampleUnikernel.Options(32L << 20, "demo", 2);
    Path sample = SampleUnikernel.write(work.resolve("sample.raw"), opts);
    progress(events, ++step, totalSteps);

    try (DiskImage disk = ImageOpener.open(sample, null)) {
      String sha = ContentHash.sha256(disk);
      r.put("inspect", inspect(sample, disk, sha));
      events.emit(
          LogEvent.info(
              "demo",
              "inspected "
                  + sample.getFileName()
                  + ": "
                  + Sizes.human(disk.virtualSize())
                  + " virtual, "
                  + Sizes.human(disk.allocatedBytes())
                  + " allocated, sha256 "
                  + sha.substring(0, 12)));
      progress(events, ++step, totalSteps);

      DemoFormats formats = new DemoFormats(work, readiness, timeout, acc, events);
      List<Map<String, Object>> rows = new ArrayList<>();
      Map<String, Object> rawBoot = null;
      for (TargetFormat f : TargetFormat.values()) {
        Map<String, Object> row = formats.run(disk, sha, f);
        rows.add(row);
        if (f == TargetFormat.RAW) {
          rawBoot = row;
        }
        progress(events, ++step, totalSteps);
      }
      r.put("formats", rows);

      Map<String, Object> deployed =
          deploy(work, disk, sample, readiness, timeout, rawBoot, events);
      r.put("deploy", deployed);
      progress(events, ++step, totalSteps);
    }
    r.put("wallSeconds", Math.round((System.nanoTime() - t0) / 1e7) / 100.0);
    return r;
  }

  private Map<String, Object> deploy(
      Path work,
      DiskImage disk,
      Path sample,
      Readiness readiness,
      Duration timeout,
      Map<String, Object> rawBoot,
      EventSink events)
      throws IOException {
    LocalSettings base = local.settings(local.deployConfig());
    LocalSettings settings =
        new LocalSettings(
            base.home(),
            base.store(),
            instances,
            List.of(),
            readiness,
            base.memoryMiB(),
            timeoutSeconds,
            accel.equalsIgnoreCase("auto") ? base.accelerator() : accel.toLowerCase(Locale.ROOT));
    ObjectNode providers = JsonNodeFactory.instance.objectNode();
    providers.set(
        LocalProvider.NAME,
        new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(settings));
    // Keep the two newest demo images: re-running the demo never fills the store.
    DeployConfig config =
        new DeployConfig(APP, "1", null, new PublishSettings(null, null, null, 2), providers);
    LocalHome home = LocalHome.resolve(settings);
    Path state = work.resolve("state");
    LocalProvider provider = new LocalProvider();
    Map<String, Object> result;
    try (DeploymentLock lock = DeploymentLock.acquire(state, APP)) {
      FileJournal journal = FileJournal.open(state.resolve("journal").resolve(APP + ".jsonl"));
      ProviderContext ctx =
          new ProviderContext(config, events, journal, work.resolve("work"), Clock.systemUTC());
      // The raw file was booted above; the publish step reports that boot instead of a second one.
      Map<String, Object> verified = new LinkedHashMap<>();
      verified.put("bootSeconds", rawBoot.get("bootSeconds"));
      verified.put("serialLog", rawBoot.get("serialLog"));
      verified.put("verifiedBy", "demo raw boot");
      DeployFlow.Plan plan =
          new DeployFlow.Plan(
              instances,
              List.of(),
              Map.of("readiness", readiness),
              timeout,
              (img, s, c, ev) -> verified);
      result = new DeployFlow(provider, ctx).run(disk, sample, plan);
      result.put("home", home.home().toString());
      result.put("logs", home.logsDir().resolve((String) result.get("group")).toString());
      if (!keep) {
        LocalFleet fleet = (LocalFleet) provider.fleet(ctx);
        for (ServerGroup g : fleet.serverGroups(APP)) {
          if (g.name().equals(result.get("group"))) {
            fleet.destroy(g);
          }
        }
        result.put("stopped", true);
      } else {
        result.put("stopped", false);
      }
    }
    return result;
  }

  static Accelerator accelerator(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "auto" -> null;
      case "kvm" -> Accelerator.KVM;
      case "tcg" -> Accelerator.TCG;
      default -> throw new UnideployException("--accel must be auto, kvm or tcg, was " + name);
    };
  }

  private static Map<String, Object> inspect(Path file, DiskImage disk, String sha)
      throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("file", file.toString());
    m.put("format", disk.format().name().toLowerCase(Locale.ROOT));
    m.put("virtualSize", disk.virtualSize());
    m.put("allocatedBytes", disk.allocatedBytes());
    m.put("extents", disk.extents().size());
    m.put("sha256", sha);
    return m;
  }

  private static void progress(EventSink events, int done, int total) {
    events.emit(ProgressEvent.of("demo", done, total, ProgressEvent.Unit.ITEMS));
  }

  /** Fails early, with the install command, when QEMU is not there. */
  static void requireQemu() {
    requireQemu(QemuSpec.defaultQemu());
  }

  static void requireQemu(Path qemu) {
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

  @Override
  protected void printSummary(Map<String, Object> r, PrintWriter out) {
    @SuppressWarnings("unchecked") // built in execute()
    Map<String, Object> inspect = (Map<String, Object>) r.get("inspect");
    out.println(
        "sample unikernel: "
            + Sizes.human((Long) inspect.get("virtualSize"))
            + " virtual, "
            + Sizes.human((Long) inspect.get("allocatedBytes"))
            + " allocated, sha256 "
            + inspect.get("sha256"));
    out.println();
    Table t = new Table("FORMAT", "FILE SIZE", "VIRTUAL", "CONVERT", "CONTENT", "BOOT", "ACCEL");
    @SuppressWarnings("unchecked") // built in execute()
    List<Map<String, Object>> rows = (List<Map<String, Object>>) r.get("formats");
    for (Map<String, Object> f : rows) {
      t.row(
          f.get("format"),
          Sizes.human((Long) f.get("fileBytes")),
          Sizes.human((Long) f.get("virtualSize")),
          String.format(Locale.ROOT, "%.2f s", (Double) f.get("convertSeconds")),
          f.get("content"),
          String.format(Locale.ROOT, "%.2f s", (Double) f.get("bootSeconds")),
          f.get("accelerator"));
    }
    t.print(out);
    out.println();
    @SuppressWarnings("unchecked") // built by DeployFlow
    Map<String, Object> d = (Map<String, Object>) r.get("deploy");
    @SuppressWarnings("unchecked") // built by DeployFlow
    Map<String, Object> pub = (Map<String, Object>) d.get("publish");
    @SuppressWarnings("unchecked") // built by PublishPipeline
    Map<String, Object> image = (Map<String, Object>) pub.get("image");
    out.println(
        "published "
            + image.get("name")
            + " ("
            + image.get("id")
            + (Boolean.TRUE.equals(image.get("reused")) ? ", already in the store" : "")
            + ") to "
            + image.get("path"));
    out.println("deployed " + d.get("group") + ":");
    Table it = new Table("INSTANCE", "HEALTH", "PORTS", "CONSOLE LOG");
    @SuppressWarnings("unchecked") // built by DeployFlow
    List<Map<String, Object>> inst = (List<Map<String, Object>>) d.get("instances");
    for (Map<String, Object> i : inst) {
      it.row(
          i.get("name"),
          i.get("state"),
          InstancesCommand.ports(i.get("ports")),
          i.get("serialLog"));
    }
    it.print(out);
    out.println();
    out.println(
        Boolean.TRUE.equals(d.get("stopped"))
            ? "instances stopped (run with --keep to leave them running)"
            : "instances left running: unideploy instances list; stop with unideploy instances"
                + " stop "
                + d.get("group"));
    out.println("images and verification logs: " + r.get("workDir"));
    out.println("instance logs: " + d.get("logs"));
    out.printf(Locale.ROOT, "demo finished in %.1f s%n", (Double) r.get("wallSeconds"));
  }
}
