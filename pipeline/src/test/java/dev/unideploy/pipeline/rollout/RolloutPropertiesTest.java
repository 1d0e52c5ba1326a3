package dev.unideploy.pipeline.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.pipeline.config.Amount;
import dev.unideploy.pipeline.config.DeploySettings;
import dev.unideploy.pipeline.config.DeploySettings.Strategy;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * For random strategies, sizes, releases and failure points (a provider error, or a crash before or
 * after any fleet call, followed by running the same deploy again), the rollout's invariants hold:
 * some healthy instance is in service at every moment once the app has served (and never fewer than
 * a rolling deploy's floor), the run ends with nothing unfinished in the journal, exactly one
 * release serves, fully healthy, no group exists that the journal does not name, and a release that
 * cannot become healthy never ends up serving.
 */
class RolloutPropertiesTest {

  /** One random scenario. */
  record Scenario(
      Strategy strategy,
      int instances,
      int previousReleases,
      MemoryFleet.Image image,
      MemoryFleet.FaultMode fault,
      int faultAt,
      int surge,
      int unavailable,
      boolean bake) {}

  @Provide
  Arbitrary<Scenario> scenarios() {
    return Combinators.combine(
            Arbitraries.of(Strategy.class),
            Arbitraries.integers().between(1, 4),
            Arbitraries.integers().between(0, 2),
            Arbitraries.of(MemoryFleet.Image.class),
            Arbitraries.of(MemoryFleet.FaultMode.class).injectNull(0.15),
            Arbitraries.integers().between(0, 120),
            Arbitraries.integers().between(0, 8),
            Arbitraries.of(true, false))
        .as(
            (st, n, prev, img, fault, at, surgeAndUnavailable, bake) ->
                new Scenario(
                    st,
                    n,
                    prev,
                    img,
                    fault,
                    at,
                    surgeAndUnavailable / 3,
                    surgeAndUnavailable % 3,
                    bake))
        .filter(s -> s.surge + s.unavailable > 0);
  }

  private static DeploySettings settings(Scenario s) {
    return new DeploySettings(
        s.strategy,
        s.instances,
        null,
        s.bake ? Duration.ofSeconds(5) : null,
        1,
        java.util.List.of(Amount.count(1), Amount.percent(50), Amount.percent(100)),
        Amount.count(s.surge),
        Amount.count(s.unavailable),
        null,
        null);
  }

  @Property(tries = 400)
  void invariantsHoldWhereverTheRolloutFails(@ForAll("scenarios") Scenario s) {
    Harness h = new Harness(2);
    DeploySettings settings = settings(s);
    for (int v = 1; v <= s.previousReleases; v++) {
      h.deploy(Integer.toString(v), Harness.blueGreen(s.instances));
    }
    Map<String, String> before = h.fleet.snapshot();
    String version = "new";
    h.fleet.images.put("img-" + version, s.image);
    int floor =
        s.strategy == Strategy.ROLLING && s.previousReleases > 0
            ? Math.max(1, s.instances - s.unavailable)
            : (s.previousReleases > 0 ? 1 : 0);
    if (s.strategy == Strategy.ROLLING
        && s.previousReleases > 0
        && s.surge == 0
        && Math.max(1, s.instances - s.unavailable) >= s.instances) {
      // No surge and a floor of one: nothing can move. The plan says so before changing anything.
      assertThatThrownBy(() -> h.deploy(version, settings)).hasMessageContaining("cannot move");
      assertThat(h.fleet.snapshot()).isEqualTo(before);
      return;
    }
    h.fleet.resetWatermark();
    if (s.fault != null) {
      h.fleet.fault(h.fleet.calls() + s.faultAt, s.fault);
    }

    Outcome outcome = null;
    for (int run = 0; run < 4 && outcome == null; run++) {
      try {
        outcome = h.deploy(version, settings).outcome();
      } catch (MemoryFleet.Killed | RuntimeException e) {
        // kill -9, a provider error outside any step, a failed clean-up: the same command again.
        h.restart();
      }
    }

    assertThat(outcome).as("a re-run finishes the rollout").isNotNull();
    assertThat(h.fleet.violations()).as("a healthy instance always served").isEmpty();
    if (floor > 0) {
      assertThat(h.fleet.minHealthyServing()).as("healthy floor").isGreaterThanOrEqualTo(floor);
    }
    assertThat(RolloutJournal.unfinished(h.journal.entries())).isEmpty();

    Map<String, String> after = h.fleet.snapshot();
    long serving = after.values().stream().filter(x -> x.endsWith("/serving")).count();
    assertThat(serving)
        .as("one group serves")
        .isEqualTo(s.previousReleases > 0 || outcome.status() == Outcome.Status.DEPLOYED ? 1 : 0);

    Set<String> named = RolloutJournal.groupNames(h.journal.entries());
    assertThat(named).as("no group the journal does not name").containsAll(after.keySet());
    assertThat(h.fleet.templates()).as("no template without its group").isEqualTo(after.keySet());

    if (s.image != MemoryFleet.Image.GOOD) {
      assertThat(outcome.status()).isEqualTo(Outcome.Status.ROLLED_BACK);
    }
    if (outcome.status() == Outcome.Status.ROLLED_BACK) {
      assertThat(after).as("rolled back to exactly what was there").isEqualTo(before);
    } else {
      String target = outcome.plan().target();
      assertThat(after.get(target)).isEqualTo("new/" + s.instances + "/serving");
      assertThat(h.fleet.allReady(target)).isTrue();
      Set<String> others = new HashSet<>(after.keySet());
      others.remove(target);
      assertThat(others).as("keepPrevious").hasSizeLessThanOrEqualTo(1);
      others.forEach(g -> assertThat(after.get(g)).endsWith("/0"));
    }
    if (s.fault == null && s.image == MemoryFleet.Image.GOOD) {
      assertThat(outcome.status()).isEqualTo(Outcome.Status.DEPLOYED);
    }
  }
}
