package dev.unideploy.cli;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.spi.GroupHealth;
import dev.unideploy.provider.local.GroupRecord;
import dev.unideploy.provider.local.InstanceRecord;
import dev.unideploy.provider.local.LocalFleet;
import dev.unideploy.provider.local.LocalHome;
import dev.unideploy.provider.local.LocalSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code unideploy instances list|logs|stop}: the local provider's QEMU instances. */
@Command(
    name = "instances",
    mixinStandardHelpOptions = true,
    description = "List local instances (QEMU processes), show their console logs, stop them.",
    subcommands = {
      InstancesCommand.ListInstances.class,
      InstancesCommand.Logs.class,
      InstancesCommand.Stop.class
    })
final class InstancesCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static LocalFleet fleet(LocalOptions local, EventSink events) {
    DeployConfig config = local.deployConfig();
    LocalSettings settings = local.settings(config);
    return new LocalFleet(LocalHome.resolve(settings), settings, events, Clock.systemUTC());
  }

  /** One row of {@code instances list}: the record plus its health now. */
  static Map<String, Object> describe(LocalFleet fleet, GroupRecord g, InstanceRecord i) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", i.name());
    m.put("group", g.name());
    m.put("app", g.app());
    m.put("image", g.imageId());
    m.put("inService", g.inService());
    if (i.active()) {
      GroupHealth.InstanceHealth h = fleet.health(g, i);
      m.put("state", h.state().name().toLowerCase(Locale.ROOT));
      m.put("reason", h.reason());
    } else {
      m.put("state", "stopped");
      m.put("reason", "stopped at " + i.stoppedAt());
    }
    m.put("pid", i.pid());
    Map<String, Integer> ports = new LinkedHashMap<>();
    i.ports().forEach(p -> ports.put(Integer.toString(p.guest()), p.host()));
    m.put("ports", ports);
    m.put("startedAt", i.startedAt().toString());
    m.put("accelerator", i.accelerator());
    m.put("serialLog", i.serialLog());
    m.put("qemuLog", i.qemuLog());
    return m;
  }

  /** {@code instances list}. */
  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List instances with their health now (a crashed QEMU shows as unhealthy).")
  static final class ListInstances extends AbstractCommand {
    @Mixin LocalOptions local;

    @Option(names = "--app", paramLabel = "APP", description = "Only this app's instances.")
    String app;

    @Override
    protected Map<String, Object> execute(EventSink events) {
      LocalFleet fleet = fleet(local, events);
      List<Map<String, Object>> rows = new ArrayList<>();
      for (GroupRecord g : fleet.registry().groups(app)) {
        for (InstanceRecord i : g.instances()) {
          rows.add(describe(fleet, g, i));
        }
      }
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("instances", rows);
      return r;
    }

    @Override
    protected void printSummary(Map<String, Object> result, PrintWriter out) {
      @SuppressWarnings("unchecked") // built in execute()
      List<Map<String, Object>> rows = (List<Map<String, Object>>) result.get("instances");
      if (rows.isEmpty()) {
        out.println("no instances");
        return;
      }
      Table t = new Table("NAME", "STATE", "PID", "PORTS", "SERVING", "UP", "IMAGE");
      Instant now = Instant.now();
      for (Map<String, Object> r : rows) {
        boolean stopped = "stopped".equals(r.get("state"));
        t.row(
            r.get("name"),
            r.get("state"),
            r.get("pid"),
            ports(r.get("ports")),
            Boolean.TRUE.equals(r.get("inService")) ? "yes" : "no",
            stopped ? "-" : uptime(Instant.parse((String) r.get("startedAt")), now),
            r.get("image"));
      }
      t.print(out);
      for (Map<String, Object> r : rows) {
        if ("unhealthy".equals(r.get("state")) || "starting".equals(r.get("state"))) {
          out.println(r.get("name") + ": " + r.get("reason"));
        }
      }
    }
  }

  static String ports(Object ports) {
    if (!(ports instanceof Map<?, ?> m) || m.isEmpty()) {
      return "-";
    }
    List<String> parts = new ArrayList<>();
    m.forEach((guest, host) -> parts.add("127.0.0.1:" + host + "->" + guest));
    return String.join(",", parts);
  }

  static String uptime(Instant started, Instant now) {
    long s = Math.max(0, Duration.between(started, now).toSeconds());
    return s < 120 ? s + "s" : s < 7200 ? (s / 60) + "m" : (s / 3600) + "h";
  }

  /** {@code instances logs NAME}. */
  @Command(
      name = "logs",
      mixinStandardHelpOptions = true,
      description = "Print an instance's serial console log (or QEMU's own log with --qemu).")
  static final class Logs extends AbstractCommand {
    @Mixin LocalOptions local;

    @Parameters(index = "0", paramLabel = "NAME", description = "The instance.")
    String name;

    @Option(names = "--qemu", description = "QEMU's own messages instead of the console.")
    boolean qemu;

    @Option(names = "--tail", paramLabel = "N", description = "Only the last N lines.")
    int tail;

    @Override
    protected Map<String, Object> execute(EventSink events) throws IOException {
      LocalFleet fleet = fleet(local, events);
      GroupRecord g =
          fleet
              .registry()
              .groupOfInstance(name)
              .orElseThrow(
                  () ->
                      new UnideployException(
                          "no instance called " + name + ": see unideploy instances list"));
      InstanceRecord i =
          g.instances().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
      Path file = Path.of(qemu ? i.qemuLog() : i.serialLog());
      List<String> lines;
      try {
        lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
      } catch (NoSuchFileException e) {
        throw new UnideployException(
            "the log " + file + " of " + name + " is gone (deleted by hand?)", e);
      }
      if (tail > 0 && lines.size() > tail) {
        lines = lines.subList(lines.size() - tail, lines.size());
      }
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("name", name);
      r.put("path", file.toString());
      r.put("lines", List.copyOf(lines));
      return r;
    }

    @Override
    protected void printSummary(Map<String, Object> result, PrintWriter out) {
      for (String line : ImagesCommand.asStrings(result.get("lines"))) {
        out.println(line);
      }
    }
  }

  /** {@code instances stop NAME}. */
  @Command(
      name = "stop",
      mixinStandardHelpOptions = true,
      description = {
        "Stop an instance, or every instance of a server group (which is then removed).",
        "Logs are kept."
      })
  static final class Stop extends AbstractCommand {
    @Mixin LocalOptions local;

    @Parameters(
        index = "0",
        arity = "0..1",
        paramLabel = "NAME",
        description = "An instance (app-v001-0) or a server group (app-v001).")
    String name;

    @Option(names = "--all", description = "Stop every instance of every group.")
    boolean all;

    @Override
    protected Map<String, Object> execute(EventSink events) {
      if ((name == null) == !all) {
        throw new UnideployException("name an instance or a server group, or pass --all");
      }
      LocalFleet fleet = fleet(local, events);
      List<String> stopped = new ArrayList<>();
      if (all) {
        for (GroupRecord g : fleet.registry().groups(null)) {
          g.activeInstances().forEach(i -> stopped.add(i.name()));
          fleet.destroy(
              fleet.serverGroups(g.app()).stream()
                  .filter(s -> s.name().equals(g.name()))
                  .findFirst()
                  .orElseThrow());
        }
        return Map.of("stopped", stopped);
      }
      Optional<GroupRecord> group = fleet.registry().group(name);
      if (group.isPresent()) {
        group.get().activeInstances().forEach(i -> stopped.add(i.name()));
        fleet.destroy(
            fleet.serverGroups(group.get().app()).stream()
                .filter(s -> s.name().equals(name))
                .findFirst()
                .orElseThrow());
        return Map.of("stopped", stopped, "groupRemoved", name);
      }
      GroupRecord g =
          fleet
              .registry()
              .groupOfInstance(name)
              .orElseThrow(
                  () ->
                      new UnideployException(
                          "no instance or group called "
                              + name
                              + ": see unideploy instances list"));
      fleet.stopInstance(g.name(), name);
      stopped.add(name);
      return Map.of("stopped", stopped);
    }

    @Override
    protected void printSummary(Map<String, Object> result, PrintWriter out) {
      List<String> s = ImagesCommand.asStrings(result.get("stopped"));
      out.println(s.isEmpty() ? "nothing was running" : "stopped " + String.join(", ", s));
    }
  }
}
