package dev.unideploy.pipeline.spi;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One instance as the provider sees it now; the rollout engine judges its health from these facts,
 * its console and optional probes.
 *
 * @param reason the provider's words for the state (shown when an instance fails)
 * @param probeAddress where HTTP/TCP probes reach the group's first guest port; empty when this
 *     machine cannot reach the instance
 * @param attributes provider facts for display ({@code instances list}): addresses, zone, logs
 */
public record InstanceState(
    String id,
    Lifecycle lifecycle,
    Traffic traffic,
    String reason,
    Optional<InetSocketAddress> probeAddress,
    Map<String, String> attributes) {

  public InstanceState {
    attributes = Map.copyOf(attributes);
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(lifecycle, "lifecycle");
    Objects.requireNonNull(traffic, "traffic");
    reason = reason == null ? "" : reason;
    Objects.requireNonNull(probeAddress, "probeAddress");
  }

  /** Where the instance is in its life. FAILED: it will not come up (crashed, paused by error). */
  public enum Lifecycle {
    PENDING,
    RUNNING,
    STOPPING,
    TERMINATED,
    FAILED
  }

  /**
   * The load balancer's view of the instance: NOT_REGISTERED while its group is detached, UNKNOWN
   * when the provider cannot tell.
   */
  public enum Traffic {
    NOT_REGISTERED,
    INITIAL,
    HEALTHY,
    UNHEALTHY,
    DRAINING,
    UNKNOWN
  }
}
