package dev.unideploy.it.gcp.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.it.gcp.FakeGcs;
import dev.unideploy.it.gcp.GceFake;
import dev.unideploy.it.guest.HttpGuest;
import dev.unideploy.it.local.Cli;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The canary and rolling strategies of {@code deploy --provider gcp} on the Compute Engine fake,
 * whose instances boot the HTTP test guest under QEMU. Each release starts from v1 deployed
 * blue-green. What the rollout did is read twice: every fleet change the fake accepted, in order
 * (its request log), and what the load balancer reported while it ran (sampled from outside).
 */
class GcpStrategyTest {
  /** Canary of two instances: one (a third of what serves beside v1), then all. */
  static final String CANARY =
      "{instances: 2, ports: [80], keepPrevious: 1, strategy: canary, steps: [1, 100%],"
          + " bake: 3s}";

  /** Rolling of two instances, one at a time, never fewer than two healthy in service. */
  static final String ROLLING =
      "{instances: 2, ports: [80], keepPrevious: 1, strategy: rolling, maxSurge: 1,"
          + " maxUnavailable: 0, minHealthy: 2}";

  /** Long enough for the rollback after the rolling deploy to start while v1 still drains. */
  static final int DRAIN_SECONDS = 15;

  @TempDir Path dir;
  private final GceFake gce = GceFake.fromEnv();
  private GcpApp app;

  @BeforeEach
  void loadBalancer() {
    app = new GcpApp(gce, FakeGcs.fromEnv(), dir, "strat");
  }

  @AfterEach
  void removeGroups() {
    app.close();
  }

  private record Watched(Cli.Run run, List<ServingSampler.Sample> samples) {}

  private Watched deployWatched(String tag, boolean panic, String deploy) throws Exception {
    try (ServingSampler sampler = new ServingSampler(app)) {
      Cli.Run run = app.deploy(tag, panic, deploy);
      return new Watched(run, sampler.samples());
    }
  }

  private List<String> changes() {
    return FleetChanges.shapes(gce.requests(app.project));
  }

  private void deployV1() throws Exception {
    Cli.Run v1 = app.deploy("v1", false, GcpApp.BLUE_GREEN);
    assertThat(v1.code()).as(v1.out()).isZero();
    assertThat(changes()).containsExactly("web-v001=2", "web-v001=2*");
  }

  @Test
  void canaryGrowsBesideTheServingGroupAndAPanickingCanaryRollsBackAtItsFirstStep()
      throws Exception {
    deployV1();

    Watched v2 = deployWatched("v2", false, CANARY);
    assertThat(v2.run().code()).as(v2.run().out()).isZero();
    assertThat(v2.run().json().path("strategy").asText()).isEqualTo("canary");
    assertThat(changes())
        .as("each step's group sizes and backends (* = a backend of web-bs)")
        .containsExactly(
            "web-v001=2",
            "web-v001=2*",
            "web-v001=2* web-v002=1",
            "web-v001=2* web-v002=1*",
            "web-v001=2* web-v002=2*",
            "web-v001=2 web-v002=2*",
            "web-v001=0 web-v002=2*");
    // As it happened, seen from the load balancer: the canary's share of traffic is its share of
    // the healthy instances behind the one backend service (1 of 3, then 2 of 4).
    assertThat(v2.samples())
        .as("v1 served at full size, and beside it one, then two healthy v2 instances")
        .anySatisfy(s -> assertThat(s.healthy()).isEqualTo(Map.of("web-v001", 2, "web-v002", 1)))
        .anySatisfy(s -> assertThat(s.healthy()).isEqualTo(Map.of("web-v001", 2, "web-v002", 2)))
        .allSatisfy(s -> assertThat(s.healthyInService()).isGreaterThanOrEqualTo(2));
    assertThat(app.groups()).containsExactly(Map.entry("web-v001", 0), Map.entry("web-v002", 2));
    assertThat(app.backends()).containsExactly("web-v002");
    assertThat(app.answers("web-v002")).containsOnly(HttpGuest.body("v2")).hasSize(2);

    List<String> before = changes();
    Watched v3 = deployWatched("v3", true, CANARY);
    assertThat(v3.run().code()).as(v3.run().out()).isNotZero();
    assertThat(v3.run().json().path("outcome").asText()).isEqualTo("rolled-back");
    assertThat(v3.run().json().path("instances"))
        .as("the canary's report names the panic")
        .anySatisfy(i -> assertThat(i.path("detail").asText()).contains("panic"));
    List<String> rollback = new ArrayList<>(before);
    rollback.add("web-v001=0 web-v002=2* web-v003=1");
    rollback.add("web-v001=0 web-v002=2*");
    assertThat(changes())
        .as("the canary of one never joined web-bs nor grew; it was deleted")
        .isEqualTo(rollback);
    assertThat(v3.samples())
        .as("v2 served at full size throughout")
        .isNotEmpty()
        .allSatisfy(s -> assertThat(s.healthy()).isEqualTo(Map.of("web-v002", 2)));
    assertThat(app.groups()).containsExactly(Map.entry("web-v001", 0), Map.entry("web-v002", 2));
    assertThat(app.names("instanceTemplates")).containsExactlyInAnyOrder("web-v001", "web-v002");
    assertThat(app.backends()).containsExactly("web-v002");
    assertThat(app.answers("web-v002")).containsOnly(HttpGuest.body("v2")).hasSize(2);
  }

  @Test
  void rollingMovesCapacityOneInstanceAtATimeNeverBelowMinHealthyAndRollsBackWhileDraining()
      throws Exception {
    deployV1();
    app.drainFor(DRAIN_SECONDS);

    Watched v2 = deployWatched("v2", false, ROLLING);
    assertThat(v2.run().code()).as(v2.run().out()).isZero();
    assertThat(v2.run().json().path("strategy").asText()).isEqualTo("rolling");
    assertThat(changes())
        .as("capacity moves in batches of one: one more v2, then one v1 fewer")
        .containsExactly(
            "web-v001=2",
            "web-v001=2*",
            "web-v001=2* web-v002=1",
            "web-v001=2* web-v002=1*",
            "web-v001=1* web-v002=1*",
            "web-v001=1* web-v002=2*",
            "web-v001=0* web-v002=2*",
            "web-v001=0 web-v002=2*");
    assertThat(v2.samples())
        .as("what the load balancer called healthy, sampled while it rolled")
        .hasSizeGreaterThan(20)
        .allSatisfy(
            s ->
                assertThat(s.healthyInService())
                    .as("minHealthy 2: %s", s)
                    .isGreaterThanOrEqualTo(2))
        .allSatisfy(
            s ->
                assertThat(
                        s.healthy().keySet().stream()
                            .mapToInt(g -> s.sizes().getOrDefault(g, 0))
                            .sum())
                    .as("instances + maxSurge: %s", s)
                    .isLessThanOrEqualTo(3))
        .anySatisfy(s -> assertThat(s.healthy()).isEqualTo(Map.of("web-v001", 1, "web-v002", 1)));
    assertThat(app.groups()).containsExactly(Map.entry("web-v001", 0), Map.entry("web-v002", 2));
    assertThat(app.backends()).containsExactly("web-v002");
    assertThat(app.answers("web-v002")).containsOnly(HttpGuest.body("v2")).hasSize(2);

    // v1's last instance still drains (the group lists it DELETING): growing v1 again now must
    // count only the instances it keeps.
    assertThat(app.actions("web-v001")).contains("DELETING");
    Cli.Run back = app.rollback("v2");
    assertThat(back.code()).as(back.out()).isZero();
    assertThat(app.groups()).containsExactly(Map.entry("web-v001", 2), Map.entry("web-v002", 0));
    assertThat(app.backends()).containsExactly("web-v001");
    assertThat(app.answers("web-v001")).containsOnly(HttpGuest.body("v1")).hasSize(2);
    // v2 left the backend service with two instances: they drained before it shrank to 0.
    List<FleetChanges.State> states = FleetChanges.replay(gce.requests(app.project));
    int left = -1;
    for (int i = 0; i < states.size(); i++) {
      if (states.get(i).change().equals("backends [web-v001]")) {
        left = i;
      }
    }
    assertThat(left).as("v2 left web-bs: %s", states).isNotNegative();
    FleetChanges.State shrink =
        states.subList(left, states.size()).stream()
            .filter(st -> st.change().equals("resize web-v002"))
            .findFirst()
            .orElseThrow();
    assertThat(shrink.at() - states.get(left).at())
        .as("seconds from v2 leaving web-bs to its shrink")
        .isGreaterThanOrEqualTo(DRAIN_SECONDS);
  }
}
