package dev.unideploy.pipeline.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.Amount;
import dev.unideploy.pipeline.config.DeploySettings;
import dev.unideploy.pipeline.config.DeploySettings.Strategy;
import dev.unideploy.pipeline.config.HealthSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every strategy and every kind of failure against an in-memory fleet. */
class RolloutEngineTest {

  private static DeploySettings settings(Strategy s, int n, String... extra) {
    List<Amount> steps = null;
    Amount surge = null;
    Amount unavailable = null;
    Duration bake = null;
    for (String e : extra) {
      String[] kv = e.split("=", 2);
      switch (kv[0]) {
        case "steps" ->
            steps = java.util.Arrays.stream(kv[1].split(",")).map(Amount::parse).toList();
        case "surge" -> surge = Amount.parse(kv[1]);
        case "unavailable" -> unavailable = Amount.parse(kv[1]);
        case "bake" -> bake = Duration.ofSeconds(Long.parseLong(kv[1]));
        default -> throw new IllegalArgumentException(e);
      }
    }
    return new DeploySettings(s, n, null, bake, 1, steps, surge, unavailable, null, null);
  }

  @Test
  void blueGreenFirstDeployThenASecondKeepsThePreviousAtZero() {
    Harness h = new Harness(2);
    Rollouts.Deployed first = h.deploy("1", Harness.blueGreen(2));
    assertThat(first.outcome().status()).isEqualTo(Outcome.Status.DEPLOYED);
    assertThat(h.fleet.snapshot()).containsExactly(Map.entry("web-v001", "1/2/serving"));
    assertThat(first.outcome().instances())
        .extracting(InstanceReport::state)
        .containsOnly("healthy");

    h.fleet.resetWatermark();
    Rollouts.Deployed second = h.deploy("2", Harness.blueGreen(2));
    assertThat(second.outcome().status()).isEqualTo(Outcome.Status.DEPLOYED);
    assertThat(h.fleet.snapshot())
        .containsExactly(Map.entry("web-v001", "1/0"), Map.entry("web-v002", "2/2/serving"));
    assertThat(second.outcome().kept()).containsExactly("web-v001");
    assertThat(h.fleet.violations()).isEmpty();
    assertThat(h.fleet.minHealthyServing())
        .as("blue-green never drops below full size")
        .isEqualTo(2);
    assertThat(RolloutJournal.unfinished(h.journal.entries())).isEmpty();
  }

  @Test
  void anUnsetCheckIntervalIsTheFleetsOwnAndASetOneWins() {
    Harness fleetPace =
        new Harness(3, new HealthSettings("^READY", null, null, null, null, null, null, 2, null));
    fleetPace.fleet.healthInterval = Duration.ofMillis(500);
    assertThat(fleetPace.deploy("1", Harness.blueGreen(2)).outcome().status())
        .isEqualTo(Outcome.Status.DEPLOYED);
    assertThat(fleetPace.sleeps).isNotEmpty().containsOnly(Duration.ofMillis(500));

    Harness configured = new Harness(3); // health.interval: 1s
    configured.fleet.healthInterval = Duration.ofMillis(500);
    configured.deploy("1", Harness.blueGreen(2));
    assertThat(configured.sleeps).isNotEmpty().containsOnly(Duration.ofSeconds(1));
  }

  @Test
  void aThirdReleaseDestroysWhatKeepPreviousNoLongerCovers() {
    Harness h = new Harness(1);
    h.deploy("1", Harness.blueGreen(1));
    h.deploy("2", Harness.blueGreen(1));
    Rollouts.Deployed third = h.deploy("3", Harness.blueGreen(1));
    assertThat(third.outcome().destroyed()).containsExactly("web-v001");
    assertThat(h.fleet.snapshot())
        .containsExactly(Map.entry("web-v002", "2/0"), Map.entry("web-v003", "3/1/serving"));
  }

  @Test
  void aPanickingReleaseRollsBackAtOnceWithItsConsoleInTheReport() {
    Harness h = new Harness(2);
    h.deploy("1", Harness.blueGreen(2));
    h.fleet.images.put("img-2", MemoryFleet.Image.PANIC);
    long before = h.nanos;
    Rollouts.Deployed d = h.deploy("2", Harness.blueGreen(2));
    assertThat(d.outcome().status()).isEqualTo(Outcome.Status.ROLLED_BACK);
    assertThat(d.outcome().reason()).contains("failed its health checks");
    assertThat(d.outcome().instances())
        .anySatisfy(
            r -> {
              assertThat(r.state()).isEqualTo("failed");
              assertThat(r.consoleTail()).anyMatch(l -> l.contains("Kernel panic"));
            });
    assertThat(h.nanos - before)
        .as("no waiting for the gate's timeout")
        .isLessThan(10_000_000_000L);
    assertThat(h.fleet.snapshot()).containsExactly(Map.entry("web-v001", "1/2/serving"));
    assertThat(h.fleet.violations()).isEmpty();
  }

  @Test
  void aReleaseThatNeverGetsReadyRollsBackAtTheGateDeadline() {
    Harness h = new Harness(1);
    h.deploy("1", Harness.blueGreen(1));
    h.fleet.images.put("img-2", MemoryFleet.Image.NEVER_READY);
    Rollouts.Deployed d = h.deploy("2", Harness.blueGreen(1));
    assertThat(d.outcome().status()).isEqualTo(Outcome.Status.ROLLED_BACK);
    assertThat(d.outcome().reason()).contains("timed out after 60 s");
    assertThat(h.fleet.snapshot()).containsExactly(Map.entry("web-v001", "1/1/serving"));
  }

  @Test
  void anInstanceThatDiesRollsBack() {
    Harness h = new Harness(1);
    h.deploy("1", Harness.blueGreen(1));
    h.fleet.images.put("img-2", MemoryFleet.Image.DIES);
    Rollouts.Deployed d = h.deploy("2", Harness.blueGreen(1));
    assertThat(d.outcome().status()).isEqualTo(Outcome.Status.ROLLED_BACK);
    assertThat(d.outcome().instances()).anySatisfy(r -> assertThat(r.detail()).contains("exited"));
  }

  @Test
  void aProviderErrorRollsBack() {
    Harness h = new Harness(1);
    h.deploy("1", Harness.blueGreen(1));
    h.fleet.fault(0, MemoryFleet.FaultMode.ERROR, 1, "attach");
    Rollouts.Deployed d = h.deploy("2", Harness.blueGreen(1));
    assertThat(d.outcome().status()).isEqualTo(Outcome.Status.ROLLED_BACK);
    assertThat(d.outcome().reason()).contains("provider error in attach");
    assertThat(h.fleet.snapshot()).containsExactly(Map.entry("web-v001", "1/1/serving"));
  }

  @Test
  void whatAHalfMadeCreateLeftGoesWithTheRollback() {
    Harness h = new Harness(1);
    h.deploy("1", Harness.blueGreen(1));
    // A provider error once the template exists: the rollout rolls back at once.
    h.fleet.fault(0, MemoryFleet.FaultMode.ERROR, 1, "create");
    assertThat(h.deploy("2", Harness.blueGreen(1)).outcome().status())
        .isEqualTo(Outcome.Status.ROLLED_BACK);
    assertThat(h.fleet.templates()).as("web-v002's template went").containsExactly("web-v001");
    // A kill once the template exists, then another release: the next run rolls the first back.
    h.fleet.fault(0, MemoryFleet.FaultMode.KILL_AFTER, 1, "template");
    assertThatThrownBy(() -> h.deploy("3", Harness.blueGreen(1)))
        .isInstanceOf(MemoryFleet.Killed.class);
    assertThat(h.fleet.templates()).containsExactly("web-v001", "web-v003");
    Rollouts.Deployed next = h.restart().deploy("4", Harness.blueGreen(1));
    assertThat(next.resumed().outcome()).isEqualTo("rolled-back");
    assertThat(h.fleet.snapshot())
        .containsExactly(Map.entry("web-v001", "1/0"), Map.entry("web-v004", "4/1/serving"));
    assertThat(h.fleet.templates())
        .as("web-v003's template went")
        .containsExactly("web-v001", "web-v004");
  }

  @Test
  void theRolloutDeadlineRollsBackDuringTheBake() {
    Harness h = new Harness(1);
    h.deploy("1", Harness.blueGreen(1));
    DeploySettings s =
        new DeploySettings(
            Strategy.BLUE_GREEN,
            1,
            null,
            Duration.ofMinutes(10),
            1,
            null,
            null,
            null,
            null,
            Duration.ofMinutes(2));
    Rollouts.Deployed d = h.deploy("2", s);
    assertThat(d.outcome().status()).isEqualTo(Outcome.Status.ROLLED_BACK);
    assertThat(d.outcome().reason()).contains("deadline");
    assertThat(h.fleet.snapshot()).containsExactly(Map.entry("web-v001", "1/1/serving"));
  }

  @Test
  void ctrlCRollsBack() {
    Harness h = new Harness(3);
    h.deploy("1", Harness.blueGreen(1));
    h.cancellation.cancel("interrupted (Ctrl-C)");
    Rollouts.Deployed d = h.deploy("2", Harness.blueGreen(1));
    assertThat(d.outcome().status()).isEqualTo(Outcome.Status.ROLLED_BACK);
    assertThat(d.outcome().reason()).contains("Ctrl-C");
    assertThat(h.fleet.snapshot()).containsExactly(Map.entry("web-v001", "1/1/serving"));
  }

  @Test
  void aFailedBakeRollsBackWhileTheOldGroupStillServes() {
    Harness h = new Harness(1);
    h.deploy("1", Harness.blueGreen(2));
    h.fleet.fault(0, MemoryFleet.FaultMode.ERROR, 1, "detach");
    Rollouts.Deployed d = h.deploy("2", settings(Strategy.BLUE_GREEN, 2, "bake=30"));
    assertThat(d.outcome().status()).isEqualTo(Outcome.Status.ROLLED_BACK);
    assertThat(h.fleet.snapshot()).containsExactly(Map.entry("web-v001", "1/2/serving"));
    assertThat(h.fleet.violations()).isEmpty();
  }

  @Test
  void canaryGrowsStepByStepWithTheOldGroupServingUntilTheEnd() {
    Harness h = new Harness(1);
    h.deploy("1", Harness.blueGreen(4));
    DeploySettings s = settings(Strategy.CANARY, 4, "steps=1,50%,100%", "bake=5");
    RolloutPlan plan =
        RolloutPlanner.deploy(
            "x", "web", "2", "img-2", s, h.fleet.serverGroups("web"), java.util.Set.of());
    assertThat(plan.steps())
        .filteredOn(st -> st.action() == Step.Action.RESIZE || st.action() == Step.Action.CREATE)
        .extracting(Step::size)
        .startsWith(1, 2, 4);
    h.fleet.resetWatermark();
    Rollouts.Deployed d = h.deploy("2", s);
    assertThat(d.outcome().status()).isEqualTo(Outcome.Status.DEPLOYED);
    assertThat(h.fleet.minHealthyServing()).isEqualTo(4);
    assertThat(h.fleet.snapshot())
        .containsExactly(Map.entry("web-v001", "1/0"), Map.entry("web-v002", "2/4/serving"));
  }

  @Test
  void aCanaryThatFailsAtALaterStepRollsBackToTheFullOldGroup() {
    Harness h = new Harness(1);
    h.deploy("1", Harness.blueGreen(4));
    h.fleet.fault(0, MemoryFleet.FaultMode.ERROR, 3, "resize");
    Rollouts.Deployed d = h.deploy("2", settings(Strategy.CANARY, 4, "steps=1,50%,100%"));
    assertThat(d.outcome().status()).isEqualTo(Outcome.Status.ROLLED_BACK);
    assertThat(h.fleet.snapshot()).containsExactly(Map.entry("web-v001", "1/4/serving"));
  }

  @Test
  void rollingNeverGoesBelowTheFloorAndEndsWithTheOldGroupAtZero() {
    Harness h = new Harness(2);
    h.deploy("1", Harness.blueGreen(4));
    h.fleet.resetWatermark();
    Rollouts.Deployed d = h.deploy("2", settings(Strategy.ROLLING, 4, "surge=1", "unavailable=0"));
    assertThat(d.outcome().status()).isEqualTo(Outcome.Status.DEPLOYED);
    assertThat(h.fleet.minHealthyServing()).isEqualTo(4);
    assertThat(h.fleet.snapshot())
        .containsExactly(Map.entry("web-v001", "1/0"), Map.entry("web-v002", "2/4/serving"));

    h.fleet.resetWatermark();
    Rollouts.Deployed d3 = h.deploy("3", settings(Strategy.ROLLING, 4, "surge=0", "unavailable=1"));
    assertThat(d3.outcome().status()).isEqualTo(Outcome.Status.DEPLOYED);
    assertThat(h.fleet.minHealthyServing()).isEqualTo(3);
  }

  @Test
  void aRollingDeployThatFailsMidwayRestoresTheOldGroupsSize() {
    Harness h = new Harness(1);
    h.deploy("1", Harness.blueGreen(4));
    h.fleet.fault(1, MemoryFleet.FaultMode.ERROR, 1, "resize");
    h.fleet.resetWatermark();
    // The first resize shrinks the old group (after the first batch); the second, growing the new
    // group, fails.
    Rollouts.Deployed d = h.deploy("2", settings(Strategy.ROLLING, 4, "surge=1", "unavailable=1"));
    assertThat(d.outcome().status()).isEqualTo(Outcome.Status.ROLLED_BACK);
    assertThat(h.fleet.snapshot()).containsExactly(Map.entry("web-v001", "1/4/serving"));
    assertThat(h.fleet.minHealthyServing()).isGreaterThanOrEqualTo(3);
  }

  @Test
  void rollbackReturnsToTheKeptGroupAndBackAgain() {
    Harness h = new Harness(1);
    h.deploy("1", Harness.blueGreen(2));
    h.deploy("2", Harness.blueGreen(2));
    h.fleet.resetWatermark();
    Rollouts.RolledBack r = h.rollouts.rollback(h.id(), null, Harness.blueGreen(2));
    assertThat(r.outcome().status()).isEqualTo(Outcome.Status.DEPLOYED);
    assertThat(r.outcome().plan().kind()).isEqualTo(RolloutPlan.Kind.ROLLBACK);
    assertThat(h.fleet.snapshot())
        .containsExactly(Map.entry("web-v001", "1/2/serving"), Map.entry("web-v002", "2/0"));
    assertThat(h.fleet.minHealthyServing()).isEqualTo(2);

    Rollouts.RolledBack forward = h.rollouts.rollback(h.id(), "2", Harness.blueGreen(2));
    assertThat(forward.outcome().status()).isEqualTo(Outcome.Status.DEPLOYED);
    assertThat(h.fleet.snapshot())
        .containsExactly(Map.entry("web-v001", "1/0"), Map.entry("web-v002", "2/2/serving"));
  }

  @Test
  void rollbackToAVersionWhoseGroupIsGoneDeploysItsImageAgain() {
    Harness h = new Harness(1);
    h.deploy("1", Harness.blueGreen(1));
    h.deploy("2", Harness.blueGreen(1));
    h.deploy("3", Harness.blueGreen(1));
    Rollouts.RolledBack r = h.rollouts.rollback(h.id(), "1", Harness.blueGreen(1));
    assertThat(r.outcome().status()).isEqualTo(Outcome.Status.DEPLOYED);
    assertThat(r.outcome().plan().target()).isEqualTo("web-v004");
    assertThat(r.outcome().plan().imageId()).isEqualTo("img-1");
    assertThat(h.fleet.snapshot()).containsEntry("web-v004", "1/1/serving");
  }

  @Test
  void nothingToRollBackToSaysWhatToDo() {
    Harness h = new Harness(1);
    h.deploy("1", Harness.blueGreen(1));
    assertThatThrownBy(() -> h.rollouts.rollback(h.id(), null, Harness.blueGreen(1)))
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining("nothing to roll back to");
  }

  @Test
  void theSameReleaseAgainChangesNothing() {
    Harness h = new Harness(1);
    h.deploy("1", Harness.blueGreen(1));
    int calls = h.fleet.calls();
    Rollouts.Deployed again = h.deploy("1", Harness.blueGreen(1));
    assertThat(again.outcome()).isNull();
    assertThat(again.unchanged().name()).isEqualTo("web-v001");
    assertThat(h.fleet.calls() - calls).as("one look at the groups").isEqualTo(1);
  }

  @Test
  void aKilledRunIsContinuedByTheSameDeployAndRolledBackByAnother() {
    Harness h = new Harness(1);
    h.deploy("1", Harness.blueGreen(1));
    h.fleet.fault(0, MemoryFleet.FaultMode.KILL_AFTER, 1, "attach");
    assertThatThrownBy(() -> h.deploy("2", Harness.blueGreen(1)))
        .isInstanceOf(MemoryFleet.Killed.class);
    assertThat(RolloutJournal.unfinished(h.journal.entries())).isPresent();
    Rollouts.Deployed again = h.restart().deploy("2", Harness.blueGreen(1));
    assertThat(again.outcome().status()).isEqualTo(Outcome.Status.DEPLOYED);
    assertThat(h.fleet.snapshot())
        .containsExactly(Map.entry("web-v001", "1/0"), Map.entry("web-v002", "2/1/serving"));

    h.fleet.fault(0, MemoryFleet.FaultMode.KILL_BEFORE, 1, "attach");
    assertThatThrownBy(() -> h.deploy("3", Harness.blueGreen(1)))
        .isInstanceOf(MemoryFleet.Killed.class);
    Rollouts.Deployed other = h.restart().deploy("4", Harness.blueGreen(1));
    assertThat(other.resumed().outcome()).isEqualTo("rolled-back");
    assertThat(other.outcome().status()).isEqualTo(Outcome.Status.DEPLOYED);
    assertThat(other.outcome().plan().target())
        .as("the rolled-back group's name is not reused")
        .isEqualTo("web-v004");
  }

  @Test
  void aRunKilledWhileCreatingTheGroupIsContinuedAtFullSize() {
    Harness h = new Harness(1);
    h.deploy("1", Harness.blueGreen(1));
    h.fleet.fault(0, MemoryFleet.FaultMode.KILL_MIDWAY, 1, "create");
    assertThatThrownBy(() -> h.deploy("2", Harness.blueGreen(4)))
        .isInstanceOf(MemoryFleet.Killed.class);
    assertThat(h.fleet.snapshot()).containsEntry("web-v002", "2/2");
    long before = h.nanos;
    Rollouts.Deployed again = h.restart().deploy("2", Harness.blueGreen(4));
    assertThat(again.outcome().status()).isEqualTo(Outcome.Status.DEPLOYED);
    assertThat(h.fleet.snapshot())
        .containsExactly(Map.entry("web-v001", "1/0"), Map.entry("web-v002", "2/4/serving"));
    assertThat(Duration.ofNanos(h.nanos - before))
        .as("the group was completed, not waited for until the gate's deadline")
        .isLessThan(h.health.timeout());
    assertThat(h.fleet.violations()).isEmpty();
  }

  @Test
  void aCleanUpFailureAfterTheCommitIsFinishedByTheNextRun() {
    Harness h = new Harness(1);
    h.deploy("1", Harness.blueGreen(1));
    h.fleet.fault(0, MemoryFleet.FaultMode.ERROR, 1, "resize");
    assertThatThrownBy(() -> h.deploy("2", Harness.blueGreen(1)))
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining("deployed and serves, but a clean-up step failed");
    assertThat(h.fleet.snapshot())
        .containsExactly(Map.entry("web-v001", "1/1"), Map.entry("web-v002", "2/1/serving"));
    Rollouts.Deployed again = h.restart().deploy("2", Harness.blueGreen(1));
    assertThat(again.outcome().status()).isEqualTo(Outcome.Status.DEPLOYED);
    assertThat(h.fleet.snapshot())
        .containsExactly(Map.entry("web-v001", "1/0"), Map.entry("web-v002", "2/1/serving"));
  }

  @Test
  void aRollbackThatFailsIsFinishedByTheNextRun() {
    Harness h = new Harness(1);
    h.deploy("1", Harness.blueGreen(1));
    h.fleet.images.put("img-2", MemoryFleet.Image.PANIC);
    h.fleet.fault(0, MemoryFleet.FaultMode.ERROR, 3, "destroy");
    assertThatThrownBy(() -> h.deploy("2", Harness.blueGreen(1)))
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining("rolling back web-v002 failed");
    assertThat(RolloutJournal.unfinished(h.journal.entries()).orElseThrow().rollingBack()).isTrue();
    Rollouts.Deployed again = h.restart().deploy("2", Harness.blueGreen(1));
    assertThat(again.outcome().status()).isEqualTo(Outcome.Status.ROLLED_BACK);
    assertThat(h.fleet.snapshot()).containsExactly(Map.entry("web-v001", "1/1/serving"));
  }
}
