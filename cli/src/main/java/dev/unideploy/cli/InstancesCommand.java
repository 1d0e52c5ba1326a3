package dev.unideploy.cli;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.job.JobSession;
import dev.unideploy.pipeline.spi.ConsoleChunk;
import dev.unideploy.pipeline.spi.Fleet;
import dev.unideploy.pipeline.spi.InstanceState;
import dev.unideploy.pipeline.spi.Provider;
import dev.unideploy.pipeline.spi.ServerGroup;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code unideploy instances list|logs|stop}: the server groups and instances unideploy runs. */
@Command(
    name = "instances",
    mixinStandardHelpOptions = true,
    description = "List instances, show their console logs, stop them (default: local QEMU).",
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

  static Fleet fleet(ConfigOptions config, EventSink events) {
    Provider p = config.provider();
    return p.fleet(JobSession.browsingContext(p, config.load(), events, Clock.systemUTC()));
  }

  /** One row of {@code instances list}. */
  record InstanceRow(
      String group,
      String app,
      String version,
      boolean inService,
      String id,
      String lifecycle,
      String traffic,
      String reason,
      Map<String, String> attributes) {}

  /** What {@code instances list} returns. */
  record InstanceList(List<InstanceRow> instances) {}

  /** {@code instances list}. */
  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List instances with their state now (a crashed QEMU shows as failed).")
  static final class ListInstances extends AbstractCommand<InstanceList> {
    @Mixin ConfigOptions config;

    @Override
    protected InstanceList execute(EventSink events) {
      Fleet fleet = fleet(config, events);
      List<InstanceRow> rows = new ArrayList<>();
      for (ServerGroup g : fleet.serverGroups(config.load().app())) {
        for (InstanceState i : fleet.instances(g)) {
          rows.add(
              new InstanceRow(
                  g.name(),
                  g.app(),
                  g.version(),
                  g.inService(),
                  i.id(),
                  lower(i.lifecycle()),
                  lower(i.traffic()),
                  i.reason(),
                  i.attributes()));
        }
      }
      return new InstanceList(rows);
    }

    @Override
    protected void printSummary(InstanceList result, PrintWriter out) {
      if (result.instances().isEmpty()) {
        out.println("no instances");
        return;
      }
      Table t = new Table("NAME", "STATE", "SERVING", "GROUP", "VERSION", "DETAIL");
      for (InstanceRow r : result.instances()) {
        t.row(
            r.id(), r.lifecycle(), r.inService() ? "yes" : "no", r.group(), r.version(), detail(r));
      }
      t.print(out);
    }

    private static String detail(InstanceRow r) {
      List<String> parts = new ArrayList<>();
      r.attributes()
          .forEach(
              (k, v) -> {
                if (k.startsWith("port.")) {
                  parts.add(v + "->" + k.substring(5));
                }
              });
      if (!r.lifecycle().equals("running")) {
        parts.add(r.reason());
      }
      return String.join(" ", parts);
    }
  }

  /** {@code instances logs NAME}. */
  @Command(
      name = "logs",
      mixinStandardHelpOptions = true,
      description = "Print an instance's serial console log.")
  static final class Logs extends AbstractCommand<Logs.Log> {
    @Mixin ConfigOptions config;

    @Parameters(index = "0", paramLabel = "NAME", description = "The instance.")
    String name;

    @Option(names = "--tail", paramLabel = "N", description = "Only the last N lines.")
    int tail;

    /** The console of one instance. */
    record Log(String name, String group, List<String> lines) {}

    @Override
    protected Log execute(EventSink events) {
      Fleet fleet = fleet(config, events);
      ServerGroup g =
          groupOf(fleet, config.load().app(), name)
              .orElseThrow(
                  () ->
                      new UnideployException(
                          "no instance called " + name + ": see unideploy instances list"));
      StringBuilder text = new StringBuilder();
      long at = 0;
      while (true) {
        ConsoleChunk c = fleet.console(g, name, at);
        if (c.text().isEmpty()) {
          break;
        }
        text.append(c.text());
        at = c.next();
      }
      // The console is the guest's: print its text, never its control sequences.
      var console = dev.unideploy.pipeline.qemu.SerialConsole.fed();
      List<String> lines = new ArrayList<>(console.feed(text.toString()));
      if (!console.partialLine().isEmpty()) {
        lines.add(console.partialLine());
      }
      if (tail > 0 && lines.size() > tail) {
        lines = lines.subList(lines.size() - tail, lines.size());
      }
      return new Log(name, g.name(), List.copyOf(lines));
    }

    @Override
    protected void printSummary(Log result, PrintWriter out) {
      result.lines().forEach(out::println);
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
  static final class Stop extends AbstractCommand<Stop.Stopped> {
    @Mixin ConfigOptions config;

    @Parameters(
        index = "0",
        arity = "0..1",
        paramLabel = "NAME",
        description = "An instance (app-v001-0) or a server group (app-v001).")
    String name;

    @Option(names = "--all", description = "Stop every instance of every group.")
    boolean all;

    /** What was stopped, and the groups removed with their instances. */
    record Stopped(List<String> stopped, List<String> groupsRemoved) {}

    @Override
    protected Stopped execute(EventSink events) {
      if ((name == null) == !all) {
        throw new UnideployException("name an instance or a server group, or pass --all");
      }
      Fleet fleet = fleet(config, events);
      String app = config.load().app();
      List<String> stopped = new ArrayList<>();
      List<String> removed = new ArrayList<>();
      for (ServerGroup g : fleet.serverGroups(app)) {
        if (all || g.name().equals(name)) {
          fleet.instances(g).forEach(i -> stopped.add(i.id()));
          fleet.destroy(g);
          removed.add(g.name());
        }
      }
      if (!all && removed.isEmpty()) {
        ServerGroup g =
            groupOf(fleet, app, name)
                .orElseThrow(
                    () ->
                        new UnideployException(
                            "no instance or group called "
                                + name
                                + ": see unideploy instances list"));
        fleet.terminate(g, name);
        stopped.add(name);
      }
      return new Stopped(stopped, removed);
    }

    @Override
    protected void printSummary(Stopped result, PrintWriter out) {
      out.println(
          result.stopped().isEmpty()
              ? "nothing was running"
              : "stopped " + String.join(", ", result.stopped()));
    }
  }

  static Optional<ServerGroup> groupOf(Fleet fleet, String app, String instance) {
    for (ServerGroup g : fleet.serverGroups(app)) {
      if (fleet.instances(g).stream().anyMatch(i -> i.id().equals(instance))) {
        return Optional.of(g);
      }
    }
    return Optional.empty();
  }

  static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
