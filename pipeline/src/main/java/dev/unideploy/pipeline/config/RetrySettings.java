package dev.unideploy.pipeline.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.unideploy.pipeline.resilience.CallPolicy;

/**
 * The {@code retry} block every provider section has: attempts per call for throttling, 5xx,
 * timeouts and network errors, and the client-side rate limit per API.
 */
public record RetrySettings(
    @JsonProperty("maxAttempts") Integer maxAttempts,
    @JsonProperty("callsPerSecond") Double callsPerSecond) {
  @JsonCreator
  public RetrySettings {
    maxAttempts = maxAttempts == null ? 8 : maxAttempts;
    callsPerSecond = callsPerSecond == null ? 10.0 : callsPerSecond;
    if (maxAttempts < 1 || maxAttempts > 20) {
      throw new IllegalArgumentException(
          "retry.maxAttempts must be between 1 and 20, was " + maxAttempts);
    }
    if (!(callsPerSecond > 0)) {
      throw new IllegalArgumentException(
          "retry.callsPerSecond must be positive, was " + callsPerSecond);
    }
  }

  public static RetrySettings defaults() {
    return new RetrySettings(null, null);
  }

  /** The call policy settings these give, with the policy's default backoff. */
  public CallPolicy.Settings policySettings() {
    return CallPolicy.Settings.defaults()
        .withMaxAttempts(maxAttempts)
        .withCallsPerSecond(callsPerSecond);
  }
}
