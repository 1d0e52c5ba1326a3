package dev.unideploy.provider.local;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.qemu.Accelerator;
import dev.unideploy.pipeline.qemu.AcceleratorChoice;
import dev.unideploy.pipeline.qemu.KvmMemo;
import dev.unideploy.pipeline.qemu.ProcessIdentity;
import dev.unideploy.pipeline.qemu.ProcessStopper;
import dev.unideploy.pipeline.qemu.QemuLauncher;
import dev.unideploy.pipeline.qemu.QemuSpec;
import dev.unideploy.pipeline.spi.ConsoleChunk;
import dev.unideploy.pipeline.spi.Fleet;
import dev.unideploy.pipeline.spi.InstanceState;
import dev.unideploy.pipeline.spi.ServerGroup;
import dev.unideploy.pipeline.spi.ServerGroupSpec;
import dev.unideploy.provider.local.balancer.BalancerConfig;
import dev.unideploy.provider.local.balancer.BalancerStatus;
import java.io.IOException;
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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Server groups as sets of local QEMU processes, one group per release, behind one load balancer
 * per app (the stable endpoint, {@link LocalEndpoint}).
 *
 * <p>Local meanings of the fleet operations: {@code create} starts the instances in parallel (each
 * on free loopback ports) and returns once QEMU runs them; {@code instances} reports QEMU's process
 * and run state and the balancer's view; {@code attach}/{@code detach} add the group's instances to
 * the balancer or drain them from it; {@code resize} starts or (drained first) stops instances;
 * {@code destroy} stops them and drops the record, keeping the logs. Everything is persisted under
 * the local home, so a new fleet (or a new unideploy run) sees what an earlier one started.
 *
 * <p>With {@code accelerator: auto}, an instance that QEMU pauses because KVM cannot run the guest
 * is replaced by one under TCG (as an autoscaling group replaces an unhealthy instance), and the
 * disk is remembered so that its next instances start under TCG ({@link KvmMemo}).
 */
public final class LocalFleet implements Fleet {
  static final Duration STOP_GRACE = Duration.ofSeconds(5);
  private static final int MAX_CONSOLE_READ = 1 << 20;

  private final LocalHome home;
  private final LocalSettings settings;
  private final ImageStore store;
  private final InstanceRegistry registry;
  private final InstanceStarter starter;
  private final InstanceFacts facts;
  private final Function<Path, AcceleratorChoice.Choice> autoAccelerator;
  private final KvmMemo memo;
  private final String httpCheck;
  private final EventSink events;
  private final Clock clock;
  private final Map<String, LocalEndpoint> endpoints = new HashMap<>();

  public LocalFleet(LocalHome home, LocalSettings settings, EventSink events, Clock clock) {
    this(home, settings, null, events, clock, AcceleratorChoice::auto, KvmMemo.forUser());
  }

  /**
   * @param httpCheck the path the load balancer's health check GETs (health.http), or null for a
   *     TCP check
   * @param autoAccelerator what {@code accelerator: auto} picks for a disk (tests force KVM)
   */
  public LocalFleet(
      LocalHome home,
      LocalSettings settings,
      String httpCheck,
      EventSink events,
      Clock clock,
      Function<Path, AcceleratorChoice.Choice> autoAccelerator,
      KvmMemo memo) {
    this.home = home;
    this.settings = settings;
    this.store = new ImageStore(home.store());
    this.registry = new InstanceRegistry(home);
    this.starter =
        new InstanceStarter(
            home, registry, new DetachedQemuLauncher(QemuSpec.defaultQemu()), events, clock);
    this.facts = new InstanceFacts(registry, clock);
    this.autoAccelerator = autoAccelerator;
    this.memo = memo;
    this.httpCheck = httpCheck;
    this.events = events;
    this.clock = clock;
  }

  public InstanceRegistry registry() {
    return registry;
  }

  @Override
  public List<ServerGroup> serverGroups(String app) {
    return registry.groups(app).stream().map(this::toServerGroup).toList();
  }

  @Override
  public ServerGroup create(ServerGroupSpec spec) {
    Optional<GroupRecord> existing = registry.group(spec.name());
    if (existing.isPresent()) {
      return toServerGroup(existing.get());
    }
    StoredImage image =
        store.resolve(spec.imageId()).stream()
            .filter(i -> i.id().equals(spec.imageId()) || i.sha256().equals(spec.imageId()))
            .findFirst()
            .orElseThrow(
                () ->
                    new UnideployException(
                        "image "
                            + spec.imageId()
                            + " is not in the local store "
                            + store.root()
                            + ": publish it first (unideploy publish --provider local IMAGE)"));
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
            List.of(),
            image.bootMode());
    registry.save(group);
    try {
      group = starter.start(spec.name(), spec.size(), accelerator(group), null);
    } catch (RuntimeException e) {
      // Leave nothing half-made behind: stop what did start, then report the cause.
      destroy(toServerGroup(registry.group(spec.name()).orElse(group)));
      throw e;
    }
    return toServerGroup(group);
  }

  /** The accelerator new instances of {@code g} start under. */
  private Accelerator accelerator(GroupRecord g) {
    return switch (g.accelerator() == null ? "auto" : g.accelerator()) {
      case "kvm" -> Accelerator.KVM;
      case "tcg" -> Accelerator.TCG;
      default -> {
        AcceleratorChoice.Choice c = autoAccelerator.apply(Path.of(g.imagePath()));
        events.emit(
            LogEvent.debug(
                "instances",
                g.name() + " runs under " + c.accelerator().qemuName() + ": " + c.why()));
        yield c.accelerator();
      }
    };
  }

  @Override
  public List<InstanceState> instances(ServerGroup group) {
    GroupRecord g = require(group.name());
    Optional<BalancerStatus> lb = endpoint(g).status();
    boolean hasEndpoint = !g.guestPorts().isEmpty();
    List<InstanceState> out = new ArrayList<>();
    boolean replaced = false;
    for (InstanceRecord i : g.activeInstances()) {
      InstanceState s = facts.state(g, i, lb, hasEndpoint);
      if (InstanceFacts.kvmFailed(i, s) && "auto".equals(g.accelerator())) {
        replaceUnderTcg(g, i, s);
        replaced = true;
        continue;
      }
      out.add(s);
    }
    return replaced ? instances(group) : out;
  }

  /**
   * KVM could not run the guest and the accelerator was chosen automatically: remember it for the
   * disk, and replace the instance with one under TCG, as verification falls back.
   */
  private void replaceUnderTcg(GroupRecord g, InstanceRecord i, InstanceState failed) {
    events.emit(
        LogEvent.warn(
            "instances",
            i.name()
                + ": KVM could not run the guest ("
                + failed.reason()
                + "); replacing it with an instance under TCG"));
    memo.recordFailure(Path.of(g.imagePath()), failed.reason());
    stopInstance(g.name(), i.name());
    starter.start(
        g.name(), 1, Accelerator.TCG, "replaces " + i.name() + ", which KVM could not run");
    GroupRecord now = require(g.name());
    if (now.inService()) {
      serve(now.app(), Set.of());
    }
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
    GroupRecord g = registry.update(group.name(), r -> r.withInService(true));
    if (!g.guestPorts().isEmpty()) {
      serve(g.app(), Set.of());
    }
    events.emit(LogEvent.info("attach", group.name() + " is now in service"));
  }

  @Override
  public void detach(ServerGroup group) {
    Optional<GroupRecord> before = registry.group(group.name());
    if (before.isEmpty()) {
      return;
    }
    GroupRecord g = registry.update(group.name(), r -> r.withInService(false));
    LocalEndpoint endpoint = endpoint(g);
    if (endpoint.exists()) {
      serve(g.app(), Set.of());
      endpoint.drain(names(g.activeInstances()));
    }
    if (before.get().inService()) {
      events.emit(LogEvent.info("detach", group.name() + " is out of service"));
    }
  }

  @Override
  public void resize(ServerGroup group, int size) {
    if (size < 0) {
      throw new IllegalArgumentException("size must be >= 0, was " + size);
    }
    GroupRecord g = require(group.name());
    List<InstanceRecord> active = g.activeInstances();
    if (size > active.size()) {
      GroupRecord grown = starter.start(g.name(), size - active.size(), accelerator(g), null);
      if (grown.inService()) {
        serve(
            grown.app(),
            Set.of()); // New instances join; the balancer sends them traffic once healthy.
      }
      return;
    }
    // Instances whose QEMU is gone go first, then the newest, as an autoscaling group scales in: a
    // resize never keeps a dead instance over a live one.
    List<InstanceRecord> order = new ArrayList<>(active);
    order.sort(
        Comparator.comparing(
                (InstanceRecord i) -> i.identity().status() == ProcessIdentity.Status.ALIVE)
            .thenComparing(InstanceRecord::startedAt, Comparator.reverseOrder()));
    List<InstanceRecord> victims = order.subList(0, active.size() - size);
    leaveService(g, names(victims));
    for (InstanceRecord v : victims) {
      stopInstance(g.name(), v.name());
    }
  }

  @Override
  public void destroy(ServerGroup group) {
    GroupRecord g = registry.group(group.name()).orElse(null);
    if (g == null) {
      return; // Already gone: destroy is safe to repeat.
    }
    if (g.inService()) {
      detach(group);
    }
    for (InstanceRecord i : g.activeInstances()) {
      stopInstance(g.name(), i.name());
    }
    registry.delete(g.name());
    events.emit(
        LogEvent.info(
            "destroy", "destroyed " + g.name() + "; its logs stay in " + logDir(g.name())));
    if (registry.groups(g.app()).isEmpty()) {
      LocalEndpoint endpoint = endpoint(g);
      if (endpoint.exists()) {
        endpoint.stop();
        events.emit(LogEvent.info("destroy", "stopped the endpoint of " + g.app()));
      }
    }
  }

  /**
   * A local check reads a console file and probes a forwarded port on this host, so checking every
   * 500 ms costs nothing and lets a group go into service ~2 s after its slowest boot instead of
   * ~4.
   */
  @Override
  public Duration defaultHealthInterval() {
    return Duration.ofMillis(500);
  }

  @Override
  public void terminate(ServerGroup group, String instanceId) {
    GroupRecord g = require(group.name());
    leaveService(g, Set.of(instanceId));
    stopInstance(group.name(), instanceId);
  }

  /** Takes some instances of a serving group out of the balancer and waits for them to drain. */
  private void leaveService(GroupRecord g, Set<String> leaving) {
    LocalEndpoint endpoint = endpoint(g);
    if (g.inService() && endpoint.exists() && !leaving.isEmpty()) {
      serve(g.app(), leaving);
      endpoint.drain(leaving);
    }
  }

  /** Tells the app's balancer to forward to every serving instance except {@code leaving}. */
  private void serve(String app, Set<String> leaving) {
    List<BalancerConfig.Backend> backends = new ArrayList<>();
    GroupRecord any = null;
    for (GroupRecord g : registry.groups(app)) {
      if (!g.inService() || g.guestPorts().isEmpty()) {
        continue;
      }
      any = g;
      int guest = g.guestPorts().get(0);
      for (InstanceRecord i : g.activeInstances()) {
        if (!leaving.contains(i.name()) && i.hostPort(guest) > 0) {
          backends.add(
              new BalancerConfig.Backend(i.name(), g.name(), "127.0.0.1", i.hostPort(guest)));
        }
      }
    }
    if (any == null) {
      // Nothing serves: keep the balancer (and its port) for the next release, with no backend.
      registry.groups(app).stream()
          .findFirst()
          .map(this::endpoint)
          .filter(LocalEndpoint::exists)
          .ifPresent(e -> e.serve(List.of()));
      return;
    }
    endpoint(any).serve(backends);
  }

  private LocalEndpoint endpoint(GroupRecord g) {
    return endpoints.computeIfAbsent(
        g.app(), app -> new LocalEndpoint(home, app, settings.endpoint(), httpCheck));
  }

  private static Set<String> names(List<InstanceRecord> list) {
    return list.stream().map(InstanceRecord::name).collect(Collectors.toSet());
  }

  private Path logDir(String group) {
    return home.logsDir().resolve(group);
  }

  /** Stops one instance by name and records it as stopped. */
  InstanceRecord stopInstance(String group, String instance) {
    GroupRecord g = require(group);
    InstanceRecord rec = instance(g, instance);
    if (!rec.spawned()) {
      // Recorded before its QEMU: find the process QEMU itself recorded, if it ever started.
      rec =
          QemuLauncher.recordedProcess(Path.of(rec.workDir()))
              .map(id -> instance(g, instance).withProcess(id.pid(), id.startTime(), null))
              .orElse(rec);
    }
    if (rec.spawned() && !ProcessStopper.stop(rec.identity(), STOP_GRACE)) {
      throw new UnideployException(
          "QEMU of " + instance + " (pid " + rec.pid() + ") survived SIGKILL; check `ps`");
    }
    QemuLauncher.cleanUp(Path.of(rec.workDir()));
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

  ServerGroup toServerGroup(GroupRecord g) {
    Map<String, String> attrs = new LinkedHashMap<>();
    attrs.put("imagePath", g.imagePath());
    attrs.put("image", g.imageId());
    attrs.put("bootMode", g.bootMode());
    if (g.inService() && !g.guestPorts().isEmpty()) {
      attrs.put("endpoint", endpoint(g).url());
    }
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
}
