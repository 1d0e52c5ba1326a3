package dev.unideploy.provider.local;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.qemu.QemuSpec;
import dev.unideploy.pipeline.spi.ConsoleChunk;
import dev.unideploy.pipeline.spi.Fleet;
import dev.unideploy.pipeline.spi.InstanceState;
import dev.unideploy.pipeline.spi.ServerGroup;
import dev.unideploy.pipeline.spi.ServerGroupSpec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Server groups as sets of local QEMU processes, one group per release.
 *
 * <p>Local meanings of the fleet operations: {@code create} starts the instances (each on free
 * loopback ports) and returns without waiting; {@code instances} reports whether each QEMU still
 * runs and where its first guest port is forwarded; {@code attach}/{@code detach} record whether
 * the group is the one in service; {@code resize} starts or stops instances; {@code destroy} stops
 * them and drops the record, keeping the logs. Everything is persisted under the local home, so a
 * new fleet (or a new unideploy run) sees what an earlier one started.
 */
public final class LocalFleet implements Fleet {
  static final Duration STOP_GRACE = Duration.ofSeconds(5);
  private static final int MAX_CONSOLE_READ = 1 << 20;

  private final LocalHome home;
  private final LocalSettings settings;
  private final ImageStore store;
  private final InstanceRegistry registry;
  private final DetachedQemuLauncher launcher;
  private final EventSink events;
  private final Clock clock;

  public LocalFleet(LocalHome home, LocalSettings settings, EventSink events, Clock clock) {
    this.home = home;
    this.settings = settings;
    this.store = new ImageStore(home.store());
    this.registry = new InstanceRegistry(home);
    this.launcher = new DetachedQemuLauncher(QemuSpec.defaultQemu(), clock);
    this.events = events;
    this.clock = clock;
  }

  public InstanceRegistry registry() {
    return registry;
  }

  @Override
  public List<ServerGroup> serverGroups(String app) {
    return registry.groups(app).stream().map(LocalFleet::toServerGroup).toList();
  }

  @Override
  public ServerGroup create(ServerGroupSpec spec) {
    Optional<GroupRecord> existing = registry.group(spec.name());
    if (existing.isPresent()) {
      return toServerGroup(existing.get());
    }
    List<StoredImage> images =
        store.resolve(spec.imageId()).stream()
            .filter(i -> i.id().equals(spec.imageId()) || i.sha256().equals(spec.imageId()))
            .toList();
    if (images.isEmpty()) {
      throw new UnideployException(
          "image "
              + spec.imageId()
              + " is not in the local store "
              + store.root()
              + ": publish it first (unideploy publish --provider local IMAGE)");
    }
    StoredImage image = images.get(0);
    GroupRecord group =
        new GroupRecord(
            spec.name(),
            spec.app(),
            spec.version(),
            image.id(),
            image.sha256(),
            store.blobPath(image.sha256()).toString(),
            clock.instant(),
            false,
            spec.guestPorts(),
            settings.memoryMiB(),
            settings.accelerator(),
            0,
            List.of());
    registry.save(group);
    try {
      group = startInstances(group, spec.size());
    } catch (RuntimeException e) {
      // Leave nothing half-made behind: stop what did start, then report the cause.
      destroy(toServerGroup(registry.group(spec.name()).orElse(group)));
      throw e;
    }
    return toServerGroup(group);
  }

  private GroupRecord startInstances(GroupRecord group, int count) {
    GroupRecord g = group;
    for (int k = 0; k < count; k++) {
      String instance = g.name() + "-" + g.nextIndex();
      GroupRecord current = g;
      // Port choice and the record write happen under the registry lock, so two deploys running
      // at once never pick the same port.
      g =
          registry.locked(
              () -> {
                InstanceRecord rec =
                    launcher.launch(
                        current,
                        instance,
                        logDir(current.name()).resolve(instance),
                        registry.portsInUse());
                return registry.update(current.name(), r -> r.withInstance(rec));
              });
      InstanceRecord started = g.instances().get(g.instances().size() - 1);
      events.emit(
          LogEvent.info(
              "instances",
              "started "
                  + instance
                  + " (pid "
                  + started.pid()
                  + ", "
                  + started.accelerator()
                  + ports(started)
                  + ")"));
    }
    return g;
  }

  private Path logDir(String group) {
    return home.logsDir().resolve(group);
  }

  @Override
  public List<InstanceState> instances(ServerGroup group) {
    GroupRecord g = require(group.name());
    List<InstanceState> out = new ArrayList<>();
    for (InstanceRecord i : g.activeInstances()) {
      out.add(state(g, i));
    }
    return out;
  }

  /** One instance now: its QEMU's liveness and the loopback address of its first guest port. */
  public InstanceState state(GroupRecord g, InstanceRecord i) {
    InstanceState.Traffic traffic =
        g.inService() ? InstanceState.Traffic.UNKNOWN : InstanceState.Traffic.NOT_REGISTERED;
    Optional<InetSocketAddress> probe = Optional.empty();
    if (!g.guestPorts().isEmpty() && i.hostPort(g.guestPorts().get(0)) > 0) {
      probe =
          Optional.of(
              new InetSocketAddress(
                  InetAddress.getLoopbackAddress(), i.hostPort(g.guestPorts().get(0))));
    }
    Map<String, String> attrs = new LinkedHashMap<>();
    attrs.put("pid", Long.toString(i.pid()));
    i.ports().forEach(p -> attrs.put("port." + p.guest(), "127.0.0.1:" + p.host()));
    attrs.put("accelerator", String.valueOf(i.accelerator()));
    attrs.put("startedAt", i.startedAt().toString());
    attrs.put("serialLog", i.serialLog());
    attrs.put("qemuLog", i.qemuLog());
    return switch (i.identity().status()) {
      case EXITED ->
          new InstanceState(
              i.name(),
              InstanceState.Lifecycle.FAILED,
              traffic,
              "QEMU (pid "
                  + i.pid()
                  + ") is no longer running: it crashed or was killed; see "
                  + i.serialLog()
                  + " and "
                  + i.qemuLog(),
              probe,
              attrs);
      case PID_REUSED ->
          new InstanceState(
              i.name(),
              InstanceState.Lifecycle.FAILED,
              traffic,
              "QEMU (pid "
                  + i.pid()
                  + ") has exited and its pid now belongs to another process; see "
                  + i.qemuLog(),
              probe,
              attrs);
      case ALIVE ->
          new InstanceState(
              i.name(), InstanceState.Lifecycle.RUNNING, traffic, "pid " + i.pid(), probe, attrs);
    };
  }

  @Override
  public ConsoleChunk console(ServerGroup group, String instanceId, long from) {
    InstanceRecord i = instance(require(group.name()), instanceId);
    Path log = Path.of(i.serialLog());
    try (FileChannel ch = FileChannel.open(log, StandardOpenOption.READ)) {
      long size = ch.size();
      if (from >= size) {
        return new ConsoleChunk("", from);
      }
      ByteBuffer buf = ByteBuffer.allocate((int) Math.min(MAX_CONSOLE_READ, size - from));
      int n = ch.read(buf, from);
      return new ConsoleChunk(
          new String(buf.array(), 0, Math.max(n, 0), StandardCharsets.ISO_8859_1),
          from + Math.max(n, 0));
    } catch (NoSuchFileException e) {
      return new ConsoleChunk("", from); // QEMU has not created it yet.
    } catch (IOException e) {
      throw new UnideployException(
          "could not read the console log " + log + " of " + instanceId + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void attach(ServerGroup group) {
    registry.update(group.name(), g -> g.withInService(true));
    events.emit(LogEvent.info("attach", group.name() + " is now in service"));
  }

  @Override
  public void detach(ServerGroup group) {
    if (registry.group(group.name()).isEmpty()) {
      return;
    }
    registry.update(group.name(), g -> g.withInService(false));
    events.emit(LogEvent.info("detach", group.name() + " is out of service"));
  }

  @Override
  public void resize(ServerGroup group, int size) {
    if (size < 0) {
      throw new IllegalArgumentException("size must be >= 0, was " + size);
    }
    GroupRecord g = require(group.name());
    List<InstanceRecord> active = g.activeInstances();
    if (size > active.size()) {
      startInstances(g, size - active.size());
    } else {
      // Instances whose QEMU is gone go first, then the newest, as an autoscaling group scales
      // in: a resize never keeps a dead instance over a live one.
      List<InstanceRecord> order = new ArrayList<>(active);
      order.sort(
          Comparator.comparing(
                  (InstanceRecord i) -> i.identity().status() == ProcessIdentity.Status.ALIVE)
              .thenComparing(InstanceRecord::startedAt, Comparator.reverseOrder()));
      for (int k = 0; k < active.size() - size; k++) {
        stopInstance(g.name(), order.get(k).name());
      }
    }
  }

  @Override
  public void destroy(ServerGroup group) {
    GroupRecord g = registry.group(group.name()).orElse(null);
    if (g == null) {
      return; // Already gone: destroy is safe to repeat.
    }
    for (InstanceRecord i : g.activeInstances()) {
      stopInstance(g.name(), i.name());
    }
    registry.delete(g.name());
    events.emit(
        LogEvent.info(
            "destroy", "destroyed " + g.name() + "; its logs stay in " + logDir(g.name())));
  }

  @Override
  public void terminate(ServerGroup group, String instanceId) {
    stopInstance(group.name(), instanceId);
  }

  /** Stops one instance by name and records it as stopped. */
  InstanceRecord stopInstance(String group, String instance) {
    GroupRecord g = require(group);
    InstanceRecord rec = instance(g, instance);
    if (!InstanceStopper.stop(rec.identity(), STOP_GRACE)) {
      throw new UnideployException(
          "QEMU of " + instance + " (pid " + rec.pid() + ") survived SIGKILL; check `ps`");
    }
    GroupRecord changed =
        registry.update(group, r -> r.withChanged(instance, i -> i.stopped(clock.instant())));
    events.emit(LogEvent.info("stop", "stopped " + instance + " (pid " + rec.pid() + ")"));
    return instance(changed, instance);
  }

  private static InstanceRecord instance(GroupRecord g, String instance) {
    return g.instances().stream()
        .filter(i -> i.name().equals(instance))
        .findFirst()
        .orElseThrow(
            () -> new UnideployException("no instance " + instance + " in group " + g.name()));
  }

  private GroupRecord require(String name) {
    return registry
        .group(name)
        .orElseThrow(
            () ->
                new UnideployException(
                    "server group "
                        + name
                        + " is not known under "
                        + home.instancesDir()
                        + ": list them with unideploy instances list"));
  }

  static ServerGroup toServerGroup(GroupRecord g) {
    Map<String, String> attrs = new LinkedHashMap<>();
    attrs.put("imagePath", g.imagePath());
    attrs.put("image", g.imageId());
    return new ServerGroup(
        g.name(),
        g.app(),
        g.version(),
        g.imageId(),
        g.activeInstances().size(),
        g.inService(),
        g.createdAt(),
        attrs);
  }

  private static String ports(InstanceRecord i) {
    StringBuilder sb = new StringBuilder();
    for (InstanceRecord.Port p : i.ports()) {
      sb.append(", 127.0.0.1:").append(p.host()).append(" -> ").append(p.guest());
    }
    return sb.toString();
  }
}
