package dev.unideploy.provider.local.balancer;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Objects;

/**
 * What the local load balancer serves, written by the local fleet and re-read by the balancer
 * whenever it changes ({@code config.json} in the balancer's folder).
 *
 * @param generation increases with every change; the balancer reports the one it applied
 * @param httpPath the health check: GET this path expecting 2xx/3xx; null checks that a TCP
 *     connection is accepted and not closed at once
 * @param intervalMillis time between two health checks of a backend
 * @param backends the in-service instances; one that leaves the list is drained
 */
public record BalancerConfig(
    @JsonProperty("generation") long generation,
    @JsonProperty("address") String address,
    @JsonProperty("port") int port,
    @JsonProperty("httpPath") String httpPath,
    @JsonProperty("intervalMillis") long intervalMillis,
    @JsonProperty("backends") List<Backend> backends) {

  public BalancerConfig {
    Objects.requireNonNull(address, "address");
    backends = backends == null ? List.of() : List.copyOf(backends);
    if (intervalMillis <= 0) {
      intervalMillis = 500;
    }
  }

  /** One instance: its id, its group, and the loopback address of its app port. */
  public record Backend(
      @JsonProperty("id") String id,
      @JsonProperty("group") String group,
      @JsonProperty("host") String host,
      @JsonProperty("port") int port) {}
}
