package dev.unideploy.provider.local.balancer;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;

/**
 * What the balancer reports ({@code status.json}, rewritten a few times a second): which config it
 * applied, each backend's health and open connections, and counters of the connections it served.
 *
 * @param listening whether it accepts connections on {@code port}; false with {@code error} when it
 *     could not bind
 * @param failed client connections it had to close without any backend answering
 * @param retried client connections moved to another backend before any reply byte
 */
public record BalancerStatus(
    @JsonProperty("pid") long pid,
    @JsonProperty("port") int port,
    @JsonProperty("listening") boolean listening,
    @JsonProperty("error") String error,
    @JsonProperty("generation") long generation,
    @JsonProperty("updatedAt") Instant updatedAt,
    @JsonProperty("accepted") long accepted,
    @JsonProperty("failed") long failed,
    @JsonProperty("retried") long retried,
    @JsonProperty("backends") List<BackendStatus> backends) {

  public BalancerStatus {
    backends = backends == null ? List.of() : List.copyOf(backends);
  }

  /** A backend's health as the balancer's checks see it. */
  public enum State {
    /** Registered, not checked yet: used only when no backend is healthy. */
    INITIAL,
    HEALTHY,
    UNHEALTHY,
    /** Removed from service; its open connections finish. */
    DRAINING
  }

  /** One backend now. */
  public record BackendStatus(
      @JsonProperty("id") String id,
      @JsonProperty("group") String group,
      @JsonProperty("state") State state,
      @JsonProperty("active") int active,
      @JsonProperty("detail") String detail) {}
}
