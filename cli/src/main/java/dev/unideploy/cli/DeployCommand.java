package dev.unideploy.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.unideploy.image.DiskImage;
import dev.unideploy.image.ImageFormat;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.journal.DeploymentLock;
import dev.unideploy.pipeline.journal.FileJournal;
import dev.unideploy.pipeline.publish.BootCheck;
import dev.unideploy.pipeline.spi.Provider;
import dev.unideploy.pipeline.spi.ProviderContext;
import dev.unideploy.pipeline.spi.Providers;
import dev.unideploy.pipeline.spi.ServerGroupSpec;
import dev.unideploy.provider.local.LocalProvider;
import dev.unideploy.provider.local.LocalSettings;
import dev.unideploy.provider.local.Readiness;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code unideploy deploy --provider local --image disk.img}: publish, start a new server group,
 * wait until it is healthy, put it in service, retire the previous one.
 */
@Command(
    name = "deploy",
    mixinStandardHelpOptions = true,
    description = {
      "Publish an image and run it: a new server group per release, health-gated; the previous",
      "group is removed only once the new one is healthy (otherwise the new one is)."
    })
final class DeployCommand extends AbstractCommand {

  @Option(
      names = "--provider",
      paramLabel = "NAME",
      description = "Where to deploy (default: ${DEFAULT-VALUE}).")
  String provider = LocalProvider.NAME;

  @Option(
      names = "--image",
      paramLabel = "FILE",
      description = "The disk image (raw, qcow2, VMDK, VHD); default: 'image:' in the config.")
  Path image;

  @Mixin LocalOptions local;

  @Option(names = "--app", paramLabel = "APP", description = "App name (overrides the config).")
  String app;

  @Option(
      names = "--version",
      paramLabel = "VERSION",
      description = "Release version (overrides the config).")
  String version;

  @Option(
      names = "--instances",
      paramLabel = "N",
      description = "Instances to start (default: providers.local.instances, else 1).")
  Integer instances;

  @Option(
      names = "--port",
      paramLabel = "GUEST",
      description = "Guest TCP port to forward from a free 127.0.0.1 port (repeatable).")
  List<Integer> ports = new ArrayList<>();

  @Option(
      names = "--ready",
      paramLabel = "REGEX",
      description = "Ready when the console prints this.")
  String readySerial;

  @Option(
      names = "--ready-http",
      paramLabel = "PATH",
      description = "Ready when GET PATH on the first forwarded port answers 2xx/3xx.")
  String readyHttp;

  @Option(
      names = "--ready-tcp",
      description = "Ready when the guest accepts TCP on the first forwarded port.")
  boolean readyTcp;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      description = "How long instances may take to become healthy (default: bootTimeout, 180).")
  Integer timeoutSeconds;

  @Option(
      names = "--no-verify",
      description =
          "Skip the verification boot before publishing (the instances still must pass"
              + " their health checks).")
  boolean noVerify;

  @Option(
      names = "--state-dir",
      paramLabel = "DIR",
      description = "Journal and lock folder (default: ~/.unideploy/state, as publish).")
  Path stateDir;

  @Override
  protected Map<String, Object> execute(EventSink events) throws Exception {
    DeployConfig config = local.deployConfig();
    if (app != null || version != null) {
      config =
          config.withApp(
              app != null ? app : config.app(), version != null ? version : config.version());
    }
    String appName = config.requireApp();
    Path imageFile =
        image != null ? image : config.image() == null ? null : Path.of(config.image());
    if (imageFile == null) {
      throw new UnideployException("no image: pass --image FILE or set 'image:' in the config");
    }
    LocalSettings settings = applyOverrides(local.settings(config));
    config = withLocalSettings(config, settings);
    Provider p = Providers.named(provider);
    p.validate(config);
    Path state = stateDir != null ? stateDir : PublishCommand.defaultStateDir();
    Readiness readiness =
        settings
            .ready()
            .withDefaultPort(settings.ports().isEmpty() ? null : settings.ports().get(0));
    Duration timeout = Duration.ofSeconds(settings.bootTimeoutSeconds());
    try (DeploymentLock lock = DeploymentLock.acquire(state, appName);
        DiskImage disk = ImageOpener.openForCopy(imageFile, null)) {
      FileJournal journal = FileJournal.open(state.resolve("journal").resolve(appName + ".jsonl"));
      ProviderContext context =
          new ProviderContext(config, events, journal, state.resolve("work"), Clock.systemUTC());
      BootCheck check =
          noVerify || readiness.isEmpty()
              ? null
              : BootChecks.forReadiness(
                  bootableFormat(disk),
                  readiness,
                  timeout,
                  state.resolve("verify").resolve(appName),
                  null);
      List<ServerGroupSpec.PortMapping> mappings = new ArrayList<>();
      for (int guest : settings.ports()) {
        mappings.add(new ServerGroupSpec.PortMapping(0, guest));
      }
      Map<String, Object> groupSettings = new LinkedHashMap<>();
      groupSettings.put("readiness", readiness);
      DeployFlow.Plan plan =
          new DeployFlow.Plan(settings.instances(), mappings, groupSettings, timeout, check);
      Map<String, Object> r = new DeployFlow(p, context).run(disk, imageFile, plan);
      r.put("provider", p.name());
      r.put("journal", journal.file().toString());
      return r;
    }
  }

  /** The detected format, passed to QEMU explicitly (fixed VHDs must never be probed). */
  static ImageFormat bootableFormat(DiskImage disk) {
    if (disk.format() == ImageFormat.GCE_TARBALL) {
      throw new UnideployException("extract disk.raw from the tarball first");
    }
    return disk.format();
  }

  private LocalSettings applyOverrides(LocalSettings s) {
    Readiness r = s.ready();
    if (readySerial != null || readyHttp != null || readyTcp) {
      r =
          new Readiness(
              readySerial != null ? readySerial : r.serial(),
              readyHttp != null ? readyHttp : r.http(),
              readyTcp ? Boolean.TRUE : r.tcp(),
              r.port());
    }
    return new LocalSettings(
        s.home(),
        s.store(),
        instances != null ? instances : s.instances(),
        ports.isEmpty() ? s.ports() : ports,
        r,
        s.memoryMiB(),
        timeoutSeconds != null ? timeoutSeconds : s.bootTimeoutSeconds(),
        s.accelerator());
  }

  /** The config with {@code providers.local} replaced, so the provider sees the overrides. */
  private static DeployConfig withLocalSettings(DeployConfig config, LocalSettings s) {
    ObjectNode providers = config.providers().deepCopy();
    // A mapper made here, not in a static field: picocli instantiates every subcommand at start-up,
    // and a static ObjectMapper made every `unideploy convert` load ~375 Jackson classes.
    providers.set(LocalProvider.NAME, new ObjectMapper().valueToTree(s));
    return new DeployConfig(
        config.app(), config.version(), config.image(), config.publish(), providers);
  }

  @Override
  protected void printSummary(Map<String, Object> r, PrintWriter out) {
    out.println("deployed " + r.get("group") + " (" + r.get("provider") + ")");
    @SuppressWarnings("unchecked") // built by DeployFlow
    List<Map<String, Object>> list = (List<Map<String, Object>>) r.get("instances");
    Table t = new Table("INSTANCE", "STATE", "PORTS", "CONSOLE LOG");
    for (Map<String, Object> i : list) {
      t.row(
          i.get("name"),
          i.get("state"),
          InstancesCommand.ports(i.get("ports")),
          i.get("serialLog"));
    }
    t.print(out);
    List<String> retired = ImagesCommand.asStrings(r.get("retiredGroups"));
    if (!retired.isEmpty()) {
      out.println("retired: " + String.join(", ", retired));
    }
  }
}
