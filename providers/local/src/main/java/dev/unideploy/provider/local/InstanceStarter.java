package dev.unideploy.provider.local;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.qemu.Accelerator;
import dev.unideploy.pipeline.state.StateFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Starts a group's new instances, all at once (each boot takes seconds; one after the other they
 * would add up). Each instance is recorded before its QEMU starts (name, ports, folder) and again
 * as soon as the process exists, so that a crash of unideploy at any moment leaves no QEMU that the
 * records do not name.
 */
final class InstanceStarter {
  private static final int MAX_PARALLEL = 8;

  private final LocalHome home;
  private final InstanceRegistry registry;
  private final DetachedQemuLauncher launcher;
  private final EventSink events;
  private final Clock clock;

  InstanceStarter(
      LocalHome home,
      InstanceRegistry registry,
      DetachedQemuLauncher launcher,
      EventSink events,
      Clock clock) {
    this.home = home;
    this.registry = registry;
    this.launcher = launcher;
    this.events = events;
    this.clock = clock;
  }

  /**
   * Adds {@code count} instances to the group and starts them; returns once every QEMU answers.
   * Throws naming each instance that could not start (those are recorded as stopped).
   *
   * @param note kept on the new instances' records (why they were started), or null
   */
  GroupRecord start(String group, int count, Accelerator accelerator, String note) {
    if (count <= 0) {
      return registry.group(group).orElseThrow();
    }
    List<InstanceRecord> planned = new ArrayList<>();
    registry.locked(
        () -> {
          GroupRecord g = registry.group(group).orElseThrow();
          Set<Integer> taken = new HashSet<>(registry.portsInUse());
          for (int k = 0; k < count; k++) {
            String name = g.name() + "-" + g.nextIndex();
            Path work = workDir(g.name(), name);
            List<Integer> hostPorts = PortAllocator.allocate(g.guestPorts().size(), taken);
            taken.addAll(hostPorts);
            List<InstanceRecord.Port> ports = new ArrayList<>();
            for (int i = 0; i < hostPorts.size(); i++) {
              ports.add(new InstanceRecord.Port(hostPorts.get(i), g.guestPorts().get(i)));
            }
            InstanceRecord r =
                new InstanceRecord(
                    name,
                    0,
                    0,
                    clock.instant(),
                    ports,
                    work.toString(),
                    work.resolve("serial.log").toString(),
                    work.resolve("qemu.log").toString(),
                    accelerator.qemuName(),
                    null,
                    note);
            g = g.withInstance(r);
            planned.add(r);
          }
          registry.save(g);
          return null;
        });
    GroupRecord g = registry.group(group).orElseThrow();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.min(MAX_PARALLEL, planned.size()),
            r -> {
              Thread t = new Thread(r, "start-instance");
              t.setDaemon(true);
              return t;
            });
    List<String> failures = new ArrayList<>();
    try {
      List<Future<?>> running = new ArrayList<>();
      for (InstanceRecord r : planned) {
        running.add(pool.submit(() -> startOne(g, r, accelerator)));
      }
      for (int i = 0; i < running.size(); i++) {
        try {
          running.get(i).get();
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          String name = planned.get(i).name();
          failures.add(name + ": " + cause.getMessage());
          registry.update(group, x -> x.withChanged(name, ir -> ir.stopped(clock.instant())));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnideployException("interrupted while starting instances of " + group, e);
    } finally {
      pool.shutdownNow();
    }
    if (!failures.isEmpty()) {
      throw new UnideployException(
          "could not start " + failures.size() + " instance(s): " + String.join("; ", failures));
    }
    return registry.group(group).orElseThrow();
  }

  private void startOne(GroupRecord g, InstanceRecord r, Accelerator accelerator) {
    DetachedQemuLauncher.Started s =
        launcher.launch(
            g,
            r.name(),
            Path.of(r.workDir()),
            accelerator,
            r.ports().stream().map(InstanceRecord.Port::host).toList(),
            refused ->
                registry.locked(
                    () -> {
                      Set<Integer> exclude = new HashSet<>(registry.portsInUse());
                      exclude.addAll(refused);
                      return PortAllocator.allocate(g.guestPorts().size(), exclude);
                    }),
            spawned -> record(g.name(), r.name(), spawned));
    record(g.name(), r.name(), s);
    events.emit(
        LogEvent.info(
            "instances",
            "started "
                + r.name()
                + " (pid "
                + s.pid()
                + ", "
                + s.accelerator()
                + ports(s.ports())
                + ")"));
  }

  private void record(String group, String instance, DetachedQemuLauncher.Started s) {
    registry.update(
        group,
        g ->
            g.withChanged(
                instance,
                i ->
                    i.withProcess(s.pid(), s.pidStartTime(), s.accelerator())
                        .withPorts(s.ports())));
  }

  private Path workDir(String group, String instance) {
    Path dir = home.logsDir().resolve(group).resolve(instance);
    try {
      return StateFiles.createPrivateDirectories(dir);
    } catch (IOException e) {
      throw new UnideployException("could not create " + dir + ": " + e.getMessage(), e);
    }
  }

  private static String ports(List<InstanceRecord.Port> ports) {
    StringBuilder sb = new StringBuilder();
    for (InstanceRecord.Port p : ports) {
      sb.append(", 127.0.0.1:").append(p.host()).append(" -> ").append(p.guest());
    }
    return sb.toString();
  }
}
