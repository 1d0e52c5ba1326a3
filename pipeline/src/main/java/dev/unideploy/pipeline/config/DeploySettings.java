package dev.unideploy.pipeline.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The {@code deploy} section: how a release is rolled out, the same for every provider. What a
 * server group is made of on a given cloud (instance type, subnets, load balancer) is in that
 * provider's own section.
 *
 * @param strategy blue-green (default), canary or rolling
 * @param instances instances per server group (default 1)
 * @param ports the TCP ports the app listens on in the guest; the first is the one probes use
 * @param bake how long a new group serves, watched, before the old one leaves service
 * @param keepPrevious how many earlier groups to keep (scaled to 0) as instant rollback targets
 */
public record DeploySettings(
    @JsonProperty("strategy")
        @JsonPropertyDescription("How traffic moves from the old release to the new one.")
        Strategy strategy,
    @JsonProperty("instances") @JsonPropertyDescription("Instances per server group.")
        Integer instances,
    @JsonProperty("ports")
        @JsonPropertyDescription(
            "The TCP ports the app listens on in the guest; the first is the one probes use.")
        List<Integer> ports,
    @JsonProperty("bake")
        @JsonPropertyDescription(
            "How long a new group serves, watched, before the old one leaves service.")
        Duration bake,
    @JsonProperty("keepPrevious")
        @JsonPropertyDescription(
            "How many earlier groups to keep, out of service at size 0, as instant rollback targets.")
        Integer keepPrevious) {

  @JsonCreator
  public DeploySettings {
    if (strategy == null) {
      strategy = Strategy.BLUE_GREEN;
    }
    if (instances == null) {
      instances = 1;
    }
    if (instances < 0) {
      throw new IllegalArgumentException("deploy.instances must be >= 0, was " + instances);
    }
    ports = ports == null ? List.of() : List.copyOf(ports);
    for (int p : ports) {
      if (p < 1 || p > 65535) {
        throw new IllegalArgumentException("deploy.ports: " + p + " is not a TCP port (1..65535)");
      }
    }
    if (bake == null) {
      bake = Duration.ZERO;
    }
    if (bake.isNegative()) {
      throw new IllegalArgumentException("deploy.bake must not be negative, was " + bake);
    }
    if (keepPrevious == null) {
      keepPrevious = 1;
    }
    if (keepPrevious < 0) {
      throw new IllegalArgumentException("deploy.keepPrevious must be >= 0, was " + keepPrevious);
    }
  }

  public static DeploySettings defaults() {
    return new DeploySettings(null, null, null, null, null);
  }

  /** The first guest port, or null when none is configured. */
  public Integer firstPort() {
    return ports.isEmpty() ? null : ports.get(0);
  }

  /** How traffic moves from the old release to the new one. */
  public enum Strategy {
    BLUE_GREEN,
    CANARY,
    ROLLING;

    @JsonCreator
    public static Strategy parse(String s) {
      return switch (s.toLowerCase(Locale.ROOT).replace('_', '-')) {
        case "blue-green", "bluegreen", "red-black" -> BLUE_GREEN;
        case "canary" -> CANARY;
        case "rolling" -> ROLLING;
        default ->
            throw new IllegalArgumentException(
                "unknown strategy '" + s + "': use blue-green, canary or rolling");
      };
    }

    public String cliName() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }
}
