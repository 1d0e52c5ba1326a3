package dev.unideploy.pipeline.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.unideploy.pipeline.health.Readiness;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The {@code health} section: how an instance (and the verification boot before a publish) proves
 * from outside that it is up, and how long it may take. A unikernel runs no agent, so every signal
 * is external: the serial console, HTTP or TCP probes, and the load balancer's view.
 *
 * @param serial regex a serial console line must match
 * @param http path of an HTTP GET that must answer 2xx/3xx
 * @param tcp whether a TCP connection must be accepted
 * @param port guest port of the HTTP/TCP probes; default the first of {@code deploy.ports}
 * @param panic extra regexes that mark a console line as a crash, besides the built-in ones
 * @param timeout how long a new group may take to become healthy (default 180 s)
 * @param verifyTimeout deadline of the verification boot before publishing (default 120 s)
 * @param consecutive how many healthy checks in a row prove an instance healthy (default 2)
 * @param interval time between two checks; when unset, the provider's default (2 s on the clouds,
 *     whose APIs are rate-limited; 500 ms locally, where a check is a local read)
 */
public record HealthSettings(
    @JsonProperty("serial")
        @JsonPropertyDescription(
            "Regex a serial console line must match for the instance to count as up.")
        String serial,
    @JsonProperty("http")
        @JsonPropertyDescription(
            "Path of an HTTP GET on the probe port that must answer 2xx or 3xx.")
        String http,
    @JsonProperty("tcp")
        @JsonPropertyDescription(
            "Whether the guest must accept a TCP connection on the probe port.")
        Boolean tcp,
    @JsonProperty("port")
        @JsonPropertyDescription(
            "Guest port of the HTTP and TCP probes; default: the first of deploy.ports.")
        Integer port,
    @JsonProperty("panic")
        @JsonPropertyDescription(
            "More regexes that mark a console line as a crash, besides the built-in ones.")
        List<String> panic,
    @JsonProperty("timeout")
        @JsonPropertyDescription("How long a new server group may take to become healthy.")
        Duration timeout,
    @JsonProperty("verifyTimeout")
        @JsonPropertyDescription("Deadline of the verification boot under QEMU before publishing.")
        Duration verifyTimeout,
    @JsonProperty("consecutive")
        @JsonPropertyDescription("How many healthy checks in a row prove an instance healthy.")
        Integer consecutive,
    @JsonProperty("interval")
        @JsonPropertyDescription(
            "Time between two health checks of an instance; default 2s on the clouds, 500ms on"
                + " the local provider.")
        Duration interval) {

  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(180);
  public static final Duration DEFAULT_VERIFY_TIMEOUT = Duration.ofSeconds(120);

  @JsonCreator
  public HealthSettings {
    panic = panic == null ? List.of() : List.copyOf(panic);
    for (String p : panic) {
      try {
        Pattern.compile(p);
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException(
            "health.panic '" + p + "' is not a valid regex: " + e.getDescription(), e);
      }
    }
    timeout = positive(timeout, DEFAULT_TIMEOUT, "health.timeout");
    verifyTimeout = positive(verifyTimeout, DEFAULT_VERIFY_TIMEOUT, "health.verifyTimeout");
    interval = positive(interval, null, "health.interval"); // null: the provider's default
    if (consecutive == null) {
      consecutive = 2;
    }
    if (consecutive < 1) {
      throw new IllegalArgumentException("health.consecutive must be >= 1, was " + consecutive);
    }
    if (port != null && (port < 1 || port > 65535)) {
      throw new IllegalArgumentException("health.port " + port + " is not a TCP port (1..65535)");
    }
    // Readiness validates the regex and the path, with messages that name the key.
    new Readiness(serial, http, tcp, port);
  }

  public static HealthSettings defaults() {
    return new HealthSettings(null, null, null, null, null, null, null, null, null);
  }

  /** The readiness checks, with the probe port defaulted to {@code firstPort} when unset. */
  @JsonIgnore
  public Readiness readiness(Integer firstPort) {
    return new Readiness(serial, http, tcp, port).withDefaultPort(firstPort);
  }

  /** The configured {@code interval}, or {@code providerDefault} when the config leaves it out. */
  @JsonIgnore
  public Duration intervalOr(Duration providerDefault) {
    return interval != null ? interval : providerDefault;
  }

  /** The readiness checks as configured (the probe port may be unset). */
  @JsonIgnore
  public Readiness readiness() {
    return new Readiness(serial, http, tcp, port);
  }

  private static Duration positive(Duration d, Duration fallback, String key) {
    if (d == null) {
      return fallback;
    }
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(key + " must be positive, was " + d);
    }
    return d;
  }
}
