package dev.unideploy.pipeline.spi;

import java.time.Duration;
import java.util.List;

/**
 * The atomic operations a rollout needs from a provider. The strategies (blue-green, canary,
 * rolling), the health gates and rollback live once, in {@code dev.unideploy.pipeline.rollout}, and
 * call only these; a provider reports facts and never judges readiness itself. Every operation is
 * idempotent, so that a rollout interrupted at any point can be re-run.
 */
public interface Fleet {

  /** The app's server groups that unideploy created (found by tag or label), oldest first. */
  List<ServerGroup> serverGroups(String app);

  /**
   * Creates the group {@code spec.name()} from {@code spec.imageId()} with {@code spec.size()}
   * instances, not in service. When a group of that name exists already (an earlier run made it and
   * was interrupted), returns it. Returns once the provider accepted the request; instances boot in
   * the background.
   */
  ServerGroup create(ServerGroupSpec spec);

  /** Every instance of the group now: its lifecycle, the load balancer's view, where to probe. */
  List<InstanceState> instances(ServerGroup group);

  /** The serial console of one instance from byte offset {@code from}, for incremental reads. */
  ConsoleChunk console(ServerGroup group, String instanceId, long from);

  /** Puts the group in service: its instances join the app's load-balancer backend. */
  void attach(ServerGroup group);

  /** Takes the group out of service (deregistered, drained); its instances keep running. */
  void detach(ServerGroup group);

  /** Sets the desired instance count; 0 keeps the group as a cheap rollback target. */
  void resize(ServerGroup group, int size);

  /** Deletes the group, its instances and its per-release resources; gone already is done. */
  void destroy(ServerGroup group);

  /**
   * Time between two health checks when {@code health.interval} is not set. Cloud fleets keep the 2
   * s default: every check is a rate-limited API call per instance.
   */
  default Duration defaultHealthInterval() {
    return Duration.ofSeconds(2);
  }

  /** Stops one instance of a group, which then runs one fewer (used by {@code instances stop}). */
  void terminate(ServerGroup group, String instanceId);
}
