package dev.unideploy.pipeline.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.core.IntervalFunction;
import java.time.Duration;
import java.util.LongSummaryStatistics;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Backoff as documented: full jitter, uniform between 0 and the capped exponential. */
class CallPolicyBackoffTest {
  private final CallPolicy.Settings settings =
      new CallPolicy.Settings(8, Duration.ofMillis(200), Duration.ofSeconds(20), 10);

  private LongSummaryStatistics waits(int attempt) {
    IntervalFunction f = CallPolicy.fullJitter(settings);
    return IntStream.range(0, 4000).mapToLong(i -> f.apply(attempt)).summaryStatistics();
  }

  @Test
  void waitsSpreadFromZeroToTheExponentialCap() {
    LongSummaryStatistics third = waits(3); // cap 200 ms * 2^2 = 800 ms
    assertThat(third.getMin()).isLessThan(80);
    assertThat(third.getMax()).isGreaterThan(720).isLessThanOrEqualTo(800);
    assertThat(third.getAverage()).isBetween(340.0, 460.0);
  }

  @Test
  void theCapNeverExceedsMaxBackoff() {
    LongSummaryStatistics late = waits(40);
    assertThat(late.getMax()).isLessThanOrEqualTo(20_000).isGreaterThan(18_000);
    assertThat(late.getMin()).isLessThan(2_000);
  }
}
