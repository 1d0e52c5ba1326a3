package dev.unideploy.pipeline.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code deploy} section: how a release is rolled out, the same for every provider. What a
 * server group is made of on a given cloud (instance type, subnets, load balancer) is in that
 * provider's own section. docs/rollouts.md describes every key.
 *
 * @param strategy blue-green (default), canary or rolling
 * @param instances instances per server group (default 1)
 * @param ports the TCP ports the app listens on in the guest; the first is the one probes use
 * @param bake how long a new group serves, watched, before the next step (default 0)
 * @param keepPrevious how many earlier groups to keep (scaled to 0) as rollback targets (default 1)
 * @param steps canary: the new group's size at each step, a count or a share of {@code instances}
 *     (default {@code [1, 25%, 100%]})
 * @param maxSurge rolling: how many instances above {@code instances} may run (default 1)
 * @param maxUnavailable rolling: how many below {@code instances} may be healthy (default 0)
 * @param minHealthy rolling: the fewest healthy in-service instances at any time (default {@code
 *     instances - maxUnavailable})
 * @param timeout deadline of the whole rollout; past it the rollout rolls back (default 30m)
 */
public record DeploySettings(
    @JsonProperty("strategy")
        @JsonPropertyDescription(
            "How traffic moves from the old release to the new one: blue-green, canary or"
                + " rolling.")
        Strategy strategy,
    @JsonProperty("instances") @JsonPropertyDescription("Instances per server group.")
        Integer instances,
    @JsonProperty("ports")
        @JsonPropertyDescription(
            "The TCP ports the app listens on in the guest; the first is the one probes use.")
        List<Integer> ports,
    @JsonProperty("bake")
        @JsonPropertyDescription(
            "How long a new group (or canary step) serves, watched, before the next step.")
        Duration bake,
    @JsonProperty("keepPrevious")
        @JsonPropertyDescription(
            "How many earlier groups to keep, out of service at size 0, as instant rollback"
                + " targets.")
        Integer keepPrevious,
    @JsonProperty("steps")
        @JsonPropertyDescription(
            "Canary: the new group's size at each step, a count or a share of instances (e.g."
                + " [1, 25%, 100%]).")
        List<Amount> steps,
    @JsonProperty("maxSurge")
        @JsonPropertyDescription(
            "Rolling: how many instances above deploy.instances may run during the rollout.")
        Amount maxSurge,
    @JsonProperty("maxUnavailable")
        @JsonPropertyDescription(
            "Rolling: how many instances below deploy.instances may be unhealthy at a time.")
        Amount maxUnavailable,
    @JsonProperty("minHealthy")
        @JsonPropertyDescription(
            "Rolling: the fewest healthy in-service instances at any time (default: instances"
                + " - maxUnavailable).")
        Amount minHealthy,
    @JsonProperty("timeout")
        @JsonPropertyDescription(
            "Deadline of the whole rollout; past it the rollout rolls back (default 30m).")
        Duration timeout) {

  public static final List<Amount> DEFAULT_STEPS =
      List.of(Amount.count(1), Amount.percent(25), Amount.percent(100));
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);

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
    steps = steps == null || steps.isEmpty() ? DEFAULT_STEPS : List.copyOf(steps);
    for (Amount s : steps) {
      if (s.value() == 0) {
        throw new IllegalArgumentException(
            "deploy.steps: a canary step of 0 instances does nothing: start at 1 (or 1%)");
      }
    }
    if (maxSurge == null) {
      maxSurge = Amount.count(1);
    }
    if (maxUnavailable == null) {
      maxUnavailable = Amount.count(0);
    }
    if (timeout == null) {
      timeout = DEFAULT_TIMEOUT;
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("deploy.timeout must be positive, was " + timeout);
    }
    if (strategy == Strategy.ROLLING && instances > 0) {
      if (maxSurge.ceilOf(instances) + maxUnavailable.floorOf(instances) < 1) {
        throw new IllegalArgumentException(
            "deploy.maxSurge and deploy.maxUnavailable are both 0 for "
                + instances
                + " instance(s): a rolling deploy could never replace one; raise either");
      }
      if (minHealthy != null && minHealthy.ceilOf(instances) > instances) {
        throw new IllegalArgumentException(
            "deploy.minHealthy "
                + minHealthy
                + " is more than deploy.instances ("
                + instances
                + "): it could never be met");
      }
    }
  }

  /** The section as it was before canary and rolling settings existed. */
  public DeploySettings(
      Strategy strategy,
      Integer instances,
      List<Integer> ports,
      Duration bake,
      Integer keepPrevious) {
    this(strategy, instances, ports, bake, keepPrevious, null, null, null, null, null);
  }

  public static DeploySettings defaults() {
    return new DeploySettings(null, null, null, null, null);
  }

  /** The first guest port, or null when none is configured. */
  public Integer firstPort() {
    return ports.isEmpty() ? null : ports.get(0);
  }

  /**
   * The canary's group sizes for {@code target} instances: rising, each at least 1, the last one
   * {@code target}; duplicates after rounding are dropped.
   */
  @JsonIgnore
  public List<Integer> canarySizes(int target) {
    List<Integer> out = new ArrayList<>();
    for (Amount s : steps) {
      int n = Math.min(target, Math.max(1, s.ceilOf(target)));
      if (out.isEmpty() || n > out.get(out.size() - 1)) {
        out.add(n);
      }
    }
    if (out.isEmpty() || out.get(out.size() - 1) < target) {
      out.add(target);
    }
    return out;
  }

  /** Rolling: the fewest healthy in-service instances allowed while moving {@code target}. */
  @JsonIgnore
  public int minHealthyOf(int target) {
    if (minHealthy != null) {
      return Math.min(target, minHealthy.ceilOf(target));
    }
    return Math.max(0, target - maxUnavailable.floorOf(target));
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
