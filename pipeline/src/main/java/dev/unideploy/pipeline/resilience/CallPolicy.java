package dev.unideploy.pipeline.resilience;

import dev.unideploy.pipeline.UnideployException;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.RequestNotPermitted;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * How every cloud call is made: a per-API rate limiter, then retries with exponential backoff and
 * full jitter on errors the provider says are transient (throttling, 5xx, timeouts). Providers
 * supply the {@code retryable} predicate, because only they can read their SDK's exceptions.
 *
 * <p>Per-request timeouts belong to the SDK's HTTP client (a stuck socket must be abandoned by the
 * client itself); this policy bounds the number of attempts and the time spent waiting between.
 */
public final class CallPolicy {

  /** Tunables; defaults suit cloud control-plane APIs. */
  public record Settings(
      int maxAttempts, Duration initialBackoff, Duration maxBackoff, double callsPerSecond) {
    public static Settings defaults() {
      return new Settings(8, Duration.ofMillis(200), Duration.ofSeconds(20), 20);
    }

    public Settings withCallsPerSecond(double perSecond) {
      return new Settings(maxAttempts, initialBackoff, maxBackoff, perSecond);
    }

    public Settings withMaxAttempts(int attempts) {
      return new Settings(attempts, initialBackoff, maxBackoff, callsPerSecond);
    }
  }

  private final Settings settings;
  private final Predicate<Throwable> retryable;
  private final Map<String, RateLimiter> limiters = new ConcurrentHashMap<>();
  private final Map<String, Retry> retries = new ConcurrentHashMap<>();

  public CallPolicy(Settings settings, Predicate<Throwable> retryable) {
    this.settings = settings;
    this.retryable = retryable;
  }

  public Settings settings() {
    return settings;
  }

  /**
   * Calls {@code call} under the limiter and retry of {@code api} (an operation name such as
   * "PutSnapshotBlock"; each gets its own rate limiter). Non-retryable errors pass through at once.
   */
  public <T> T call(String api, Supplier<T> call) {
    RateLimiter limiter = limiters.computeIfAbsent(api, this::newLimiter);
    Retry retry = retries.computeIfAbsent(api, this::newRetry);
    Supplier<T> limited = RateLimiter.decorateSupplier(limiter, call);
    try {
      return Retry.decorateSupplier(retry, limited).get();
    } catch (RequestNotPermitted e) {
      throw new UnideployException(
          api + " was rate-limited locally for too long; lower the parallelism and re-run", e);
    }
  }

  /** Like {@link #call} for calls with no result. */
  public void run(String api, Runnable call) {
    call(
        api,
        () -> {
          call.run();
          return null;
        });
  }

  /** How many attempts {@code api} has retried so far (for reporting and tests). */
  public long retriedCalls(String api) {
    Retry r = retries.get(api);
    if (r == null) {
      return 0;
    }
    Retry.Metrics m = r.getMetrics();
    return m.getNumberOfSuccessfulCallsWithRetryAttempt()
        + m.getNumberOfFailedCallsWithRetryAttempt();
  }

  /**
   * "Full jitter": before retry {@code n} (1-based) wait a uniformly random time between 0 and
   * min(maxBackoff, initialBackoff * 2^(n-1)), which spreads the retries of many clients best
   * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
   */
  static IntervalFunction fullJitter(Settings settings) {
    long initial = settings.initialBackoff().toMillis();
    long max = settings.maxBackoff().toMillis();
    return attempt -> {
      long cap = initial << Math.min(Math.max(attempt - 1, 0), 30);
      cap = Math.min(max, cap < 0 ? max : cap);
      return java.util.concurrent.ThreadLocalRandom.current().nextLong(cap + 1);
    };
  }

  private RateLimiter newLimiter(String api) {
    int perPeriod = (int) Math.max(1, Math.round(settings.callsPerSecond()));
    return RateLimiter.of(
        api,
        RateLimiterConfig.custom()
            .limitForPeriod(perPeriod)
            .limitRefreshPeriod(Duration.ofSeconds(1))
            .timeoutDuration(Duration.ofMinutes(5))
            .build());
  }

  private Retry newRetry(String api) {
    IntervalFunction backoff = fullJitter(settings);
    return Retry.of(
        api,
        RetryConfig.custom()
            .maxAttempts(settings.maxAttempts())
            .intervalFunction(backoff)
            .retryOnException(retryable)
            .failAfterMaxAttempts(false)
            .build());
  }
}
