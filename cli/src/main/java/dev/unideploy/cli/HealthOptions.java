package dev.unideploy.cli;

import dev.unideploy.pipeline.config.ConfigOverrides;
import java.time.Duration;
import picocli.CommandLine.Option;

/** How an instance (and the verification boot) proves it is up: overrides of {@code health}. */
final class HealthOptions {

  @Option(
      names = "--ready",
      paramLabel = "REGEX",
      description = "Ready when a serial console line matches REGEX (health.serial).")
  String serial;

  @Option(
      names = "--ready-http",
      paramLabel = "PATH",
      description = "Ready when GET PATH on the first app port answers 2xx/3xx (health.http).")
  String http;

  @Option(
      names = "--ready-tcp",
      description = "Ready when the guest accepts TCP on the first app port (health.tcp).")
  boolean tcp;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      description = "How long new instances may take to become healthy (health.timeout).")
  Integer timeoutSeconds;

  @Option(
      names = "--verify-timeout",
      paramLabel = "SECONDS",
      description = "Deadline of the verification boot before publishing (health.verifyTimeout).")
  Integer verifyTimeoutSeconds;

  ConfigOverrides.Builder applyTo(ConfigOverrides.Builder b) {
    return b.readySerial(serial)
        .readyHttp(http)
        .readyTcp(tcp ? Boolean.TRUE : null)
        .healthTimeout(seconds(timeoutSeconds))
        .verifyTimeout(seconds(verifyTimeoutSeconds));
  }

  private static Duration seconds(Integer s) {
    return s == null ? null : Duration.ofSeconds(s);
  }
}
