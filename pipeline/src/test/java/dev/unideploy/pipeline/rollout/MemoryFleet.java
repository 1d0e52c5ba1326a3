package dev.unideploy.pipeline.rollout;

import dev.unideploy.pipeline.spi.ConsoleChunk;
import dev.unideploy.pipeline.spi.Fleet;
import dev.unideploy.pipeline.spi.InstanceState;
import dev.unideploy.pipeline.spi.ServerGroup;
import dev.unideploy.pipeline.spi.ServerGroupSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A fleet in memory that behaves like a cloud's: create returns at once and instances boot over a
 * few checks; an image can panic, never get ready or die; operations are idempotent. It watches the
 * invariants a rollout must keep (after the app first served, some healthy instance is always in
 * service; the fewest healthy in-service instances seen), and it can inject a fault at the n-th
 * call: a provider error, or a crash of the caller (an {@link Error} the engine does not catch,
 * thrown before or after the call takes effect) as kill -9 would cut a run short.
 */
final class MemoryFleet implements Fleet {
  /** How instances of an image behave. */
  enum Image {
    GOOD,
    PANIC,
    NEVER_READY,
    DIES
  }

  /** What a fault does. */
  enum FaultMode {
    ERROR,
    KILL_BEFORE,
    KILL_AFTER,
    /**
     * The caller dies in the middle of the call: a create has made the group and started only half
     * of its instances (a local fleet records the group before it starts QEMU); any other call
     * takes effect, as with KILL_AFTER.
     */
    KILL_MIDWAY
  }

  /** The crash of the process running the rollout. */
  static final class Killed extends Error {
    private static final long serialVersionUID = 1L;

    Killed(String where) {
      super("killed at " + where, null, false, false);
    }
  }

  private static final class Inst {
    final String id;
    final Image image;
    int age;

    Inst(String id, Image image) {
      this.id = id;
      this.image = image;
    }

    boolean ready(int bootChecks) {
      return image == Image.GOOD && age >= bootChecks;
    }
  }

  private static final class Group {
    final ServerGroupSpec spec;
    final Instant createdAt;
    final List<Inst> instances = new ArrayList<>();
    boolean inService;
    int next;

    Group(ServerGroupSpec spec, Instant createdAt) {
      this.spec = spec;
      this.createdAt = createdAt;
    }
  }

  final Map<String, Image> images = new HashMap<>();
  private final Map<String, Group> groups = new LinkedHashMap<>();
  private final Set<String> templates = new TreeSet<>();
  private final List<String> violations = new ArrayList<>();
  private final int bootChecks;
  private Instant now = Instant.parse("2026-01-01T00:00:00Z");
  private int calls;
  private int matching;
  private int faultAt = -1;
  private int faultTimes;
  private FaultMode faultMode;
  private String faultOn;
  private boolean served;
  private boolean cutShort;
  private int minHealthyServing = Integer.MAX_VALUE;

  MemoryFleet(int bootChecks) {
    this.bootChecks = bootChecks;
  }

  /** Injects a fault at call number {@code at} (0-based, counting every fleet call). */
  void fault(int at, FaultMode mode) {
    fault(at, mode, 1, null);
  }

  /**
   * Like {@link #fault(int, FaultMode)}, but {@code at} counts only calls of {@code operation}
   * (when not null); the fault repeats on {@code times} such calls in a row.
   */
  void fault(int at, FaultMode mode, int times, String operation) {
    faultAt = at;
    faultMode = mode;
    faultTimes = times;
    faultOn = operation;
    matching = 0;
  }

  int calls() {
    return calls;
  }

  List<String> violations() {
    return List.copyOf(violations);
  }

  /** The fewest healthy in-service instances seen since {@link #resetWatermark}. */
  int minHealthyServing() {
    return minHealthyServing;
  }

  /** Resets the fewest-healthy watermark. */
  void resetWatermark() {
    minHealthyServing = Integer.MAX_VALUE;
  }

  /**
   * From now on, if something serves now, some healthy instance must always serve (a rollout that
   * starts from nothing may end with nothing when it rolls back).
   */
  void startWatching() {
    served |= healthyServing() > 0;
  }

  /** Healthy instances in service now. */
  int healthyServing() {
    int n = 0;
    for (Group g : groups.values()) {
      if (g.inService) {
        for (Inst i : g.instances) {
          n += i.ready(bootChecks) ? 1 : 0;
        }
      }
    }
    return n;
  }

  private <T> T call(String op, java.util.function.Supplier<T> body) {
    int index = calls++;
    boolean fire = false;
    if (faultMode != null && faultTimes > 0 && (faultOn == null || faultOn.equals(op))) {
      int n = faultOn == null ? index : matching++;
      fire = n >= faultAt;
    }
    if (fire) {
      faultTimes--;
      switch (faultMode) {
        case ERROR ->
            throw new IllegalStateException("provider error in " + op + " (call " + index + ")");
        case KILL_BEFORE -> throw new Killed(op + " (call " + index + ")");
        case KILL_AFTER -> {}
        case KILL_MIDWAY -> cutShort = true;
      }
    }
    T result;
    try {
      result = body.get();
    } finally {
      cutShort = false;
    }
    watch(op);
    if (fire && (faultMode == FaultMode.KILL_AFTER || faultMode == FaultMode.KILL_MIDWAY)) {
      throw new Killed("after " + op + " (call " + index + ")");
    }
    return result;
  }

  private void watch(String op) {
    int healthy = healthyServing();
    if (served) {
      minHealthyServing = Math.min(minHealthyServing, healthy);
      if (healthy == 0) {
        violations.add("no healthy instance in service after " + op);
      }
    }
  }

  @Override
  public List<ServerGroup> serverGroups(String app) {
    return call(
        "serverGroups",
        () ->
            groups.values().stream()
                .filter(g -> g.spec.app().equals(app))
                .map(this::view)
                .toList());
  }

  private ServerGroup view(Group g) {
    return new ServerGroup(
        g.spec.name(),
        g.spec.app(),
        g.spec.version(),
        g.spec.imageId(),
        g.instances.size(),
        g.inService,
        g.createdAt,
        Map.of());
  }

  @Override
  public ServerGroup create(ServerGroupSpec spec) {
    // As on the clouds, what the group launches from (a launch or instance template) is made first,
    // by a call of its own: a fault between the two leaves a template without its group.
    call("template", () -> templates.add(spec.name()));
    return call(
        "create",
        () -> {
          Group g = groups.get(spec.name());
          if (g == null) {
            now = now.plusSeconds(60);
            g = new Group(spec, now);
            groups.put(spec.name(), g);
            grow(g, cutShort ? spec.size() / 2 : spec.size());
          }
          return view(g);
        });
  }

  private void grow(Group g, int size) {
    Image image = images.getOrDefault(g.spec.imageId(), Image.GOOD);
    while (g.instances.size() < size) {
      g.instances.add(new Inst(g.spec.name() + "-" + g.next++, image));
    }
  }

  @Override
  public List<InstanceState> instances(ServerGroup group) {
    return call(
        "instances",
        () -> {
          Group g = require(group.name());
          List<InstanceState> out = new ArrayList<>();
          for (Inst i : g.instances) {
            i.age++;
            boolean dead = i.image == Image.DIES && i.age >= 1;
            InstanceState.Traffic traffic =
                !g.inService
                    ? InstanceState.Traffic.NOT_REGISTERED
                    : i.ready(bootChecks)
                        ? InstanceState.Traffic.HEALTHY
                        : InstanceState.Traffic.INITIAL;
            out.add(
                new InstanceState(
                    i.id,
                    dead ? InstanceState.Lifecycle.FAILED : InstanceState.Lifecycle.RUNNING,
                    traffic,
                    dead ? "the process exited" : "",
                    Optional.empty(),
                    Map.of()));
          }
          return out;
        });
  }

  @Override
  public ConsoleChunk console(ServerGroup group, String instanceId, long from) {
    return call(
        "console",
        () -> {
          Inst i =
              require(group.name()).instances.stream()
                  .filter(x -> x.id.equals(instanceId))
                  .findFirst()
                  .orElseThrow();
          StringBuilder text = new StringBuilder("booting " + i.id + "\n");
          if (i.image == Image.PANIC && i.age >= 1) {
            text.append("Kernel panic - not syncing: attempted to kill init!\n");
          }
          if (i.ready(bootChecks)) {
            text.append("READY\n");
          }
          String all = text.toString();
          int start = (int) Math.min(from, all.length());
          return new ConsoleChunk(all.substring(start), all.length());
        });
  }

  @Override
  public void attach(ServerGroup group) {
    call(
        "attach",
        () -> {
          require(group.name()).inService = true;
          return null;
        });
  }

  @Override
  public void detach(ServerGroup group) {
    call(
        "detach",
        () -> {
          Group g = groups.get(group.name());
          if (g != null) {
            g.inService = false;
          }
          return null;
        });
  }

  @Override
  public void resize(ServerGroup group, int size) {
    call(
        "resize",
        () -> {
          Group g = require(group.name());
          grow(g, size);
          while (g.instances.size() > size) {
            g.instances.remove(g.instances.size() - 1);
          }
          return null;
        });
  }

  @Override
  public void destroy(ServerGroup group) {
    call(
        "destroy",
        () -> {
          groups.remove(group.name());
          templates.remove(group.name());
          return null;
        });
  }

  /** What {@link #defaultHealthInterval()} answers: a provider's own check pace. */
  java.time.Duration healthInterval = java.time.Duration.ofSeconds(2);

  @Override
  public java.time.Duration defaultHealthInterval() {
    return healthInterval;
  }

  @Override
  public void terminate(ServerGroup group, String instanceId) {
    call(
        "terminate",
        () -> {
          require(group.name()).instances.removeIf(i -> i.id.equals(instanceId));
          return null;
        });
  }

  private Group require(String name) {
    Group g = groups.get(name);
    if (g == null) {
      throw new IllegalStateException("no group " + name);
    }
    return g;
  }

  /** The groups now, for assertions: name to {size, inService}. */
  Map<String, String> snapshot() {
    Map<String, String> out = new LinkedHashMap<>();
    for (Group g : groups.values()) {
      out.put(
          g.spec.name(),
          g.spec.version() + "/" + g.instances.size() + (g.inService ? "/serving" : ""));
    }
    return out;
  }

  /** The groups that a per-release template was made for and not deleted. */
  Set<String> templates() {
    return new TreeSet<>(templates);
  }

  /** Whether every instance of the group is ready. */
  boolean allReady(String group) {
    Group g = groups.get(group);
    return g != null && g.instances.stream().allMatch(i -> i.ready(bootChecks));
  }
}
