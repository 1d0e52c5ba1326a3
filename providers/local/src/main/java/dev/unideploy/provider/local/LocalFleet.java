package dev.unideploy.provider.local;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.qemu.QemuSpec;
import dev.unideploy.pipeline.spi.Fleet;
import dev.unideploy.pipeline.spi.GroupHealth;
import dev.unideploy.pipeline.spi.ServerGroup;
import dev.unideploy.pipeline.spi.ServerGroupSpec;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Server groups as sets of local QEMU processes, one group per release.
 *
 * <p>Local meanings of the fleet operations: {@code create} starts the instances (each on free
 * loopback ports) and returns without waiting; {@code health} probes them from outside; {@code
 * attach}/{@code detach} record whether the group is the one in service, i.e. whose forwarded ports
 * serve the app ({@code instances list} shows it; there is no load balancer in front); {@code
 * resize} starts or stops instances; {@code destroy} stops them and drops the record, keeping the
 * logs. Everything is persisted under the local home, so a new fleet (or a new unideploy run) sees
 * what an earlier one started.
 */
public final class LocalFleet implements Fleet {
  static final Duration STOP_GRACE = Duration.ofSeconds(5);

  private final LocalHome home;
  private final LocalSettings defaults;
  private final ImageStore store;
  private final InstanceRegistry registry;
  private final DetachedQemuLauncher launcher;
  private final InstanceHealthCheck healthCheck;
  private final EventSink events;
  private final Clock clock;

  public LocalFleet(LocalHome home, LocalSettings defaults, EventSink events, Clock clock) {
    this.home = home;
    this.defaults = defaults;
    this.store = new ImageStore(home.store());
    this.registry = new InstanceRegistry(home);
    this.launcher = new DetachedQemuLauncher(QemuSpec.defaultQemu(), clock);
    this.healthCheck = new InstanceHealthCheck(clock);
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
    Map<String, Object> s = spec.settings();
    List<Integer> guestPorts =
        spec.ports().isEmpty()
            ? defaults.ports()
            : spec.ports().stream().map(ServerGroupSpec.PortMapping::guestPort).toList();
    Readiness readiness = s.get("readiness") instanceof Readiness r ? r : defaults.ready();
    readiness = readiness.withDefaultPort(guestPorts.isEmpty() ? null : guestPorts.get(0));
    if (readiness.needsPort() && !guestPorts.contains(readiness.port())) {
      throw new UnideployException(
          "the readiness probe uses guest port "
              + readiness.port()
              + ", which is not forwarded: add it to providers.local.ports (or --port)");
    }
    String name = registry.nextGroupName(spec.app());
    GroupRecord group =
        new GroupRecord(
            name,
            spec.app(),
            image.id(),
            image.sha256(),
            store.blobPath(image.sha256()).toString(),
            clock.instant(),
            false,
            guestPorts,
            readiness,
            intSetting(s, "memoryMiB", defaults.memoryMiB()),
            intSetting(s, "bootTimeoutSeconds", defaults.bootTimeoutSeconds()),
            s.get("accelerator") instanceof String a ? a : defaults.accelerator(),
            0,
            List.of());
    registry.save(group);
    try {
      group = startInstances(group, spec.size());
    } catch (RuntimeException e) {
      // Leave nothing half-made behind: stop what did start, then report the cause.
      destroy(toServerGroup(registry.group(name).orElse(group)));
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
  public GroupHealth health(ServerGroup group) {
    GroupRecord g = require(group.name());
    List<GroupHealth.InstanceHealth> list = new ArrayList<>();
    for (InstanceRecord i : g.activeInstances()) {
      list.add(healthCheck.check(g, i));
    }
    return new GroupHealth(g.name(), list);
  }

  /** The health of one instance (for {@code instances list}); stopped ones are not probed. */
  public GroupHealth.InstanceHealth health(GroupRecord g, InstanceRecord i) {
    return healthCheck.check(g, i);
  }

  @Override
  public void attach(ServerGroup group) {
    registry.update(group.name(), g -> g.withInService(true));
    events.emit(LogEvent.info("attach", group.name() + " is now in service"));
  }

  @Override
  public void detach(ServerGroup group) {
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
          java.util.Comparator.comparing(
                  (InstanceRecord i) -> i.identity().status() == ProcessIdentity.Status.ALIVE)
              .thenComparing(InstanceRecord::startedAt, java.util.Comparator.reverseOrder()));
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

  /** Stops one instance by name and records it as stopped. */
  public InstanceRecord stopInstance(String group, String instance) {
    GroupRecord g = require(group);
    InstanceRecord rec =
        g.instances().stream()
            .filter(i -> i.name().equals(instance))
            .findFirst()
            .orElseThrow(
                () -> new UnideployException("no instance " + instance + " in group " + group));
    if (!InstanceStopper.stop(rec.identity(), STOP_GRACE)) {
      throw new UnideployException(
          "QEMU of " + instance + " (pid " + rec.pid() + ") survived SIGKILL; check `ps`");
    }
    GroupRecord changed =
        registry.update(group, r -> r.withChanged(instance, i -> i.stopped(clock.instant())));
    events.emit(LogEvent.info("stop", "stopped " + instance + " (pid " + rec.pid() + ")"));
    return changed.instances().stream().filter(i -> i.name().equals(instance)).findFirst().get();
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
    Map<String, Object> attrs = new LinkedHashMap<>();
    List<Map<String, Object>> instances = new ArrayList<>();
    for (InstanceRecord i : g.activeInstances()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", i.name());
      m.put("pid", i.pid());
      Map<String, Integer> ports = new LinkedHashMap<>();
      i.ports().forEach(p -> ports.put(Integer.toString(p.guest()), p.host()));
      m.put("ports", ports);
      m.put("serialLog", i.serialLog());
      instances.add(m);
    }
    attrs.put("instances", instances);
    attrs.put("imagePath", g.imagePath());
    attrs.put("readiness", g.readiness().describe());
    return new ServerGroup(
        g.name(),
        g.app(),
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

  private static int intSetting(Map<String, Object> s, String key, int fallback) {
    return s.get(key) instanceof Number n ? n.intValue() : fallback;
  }
}
