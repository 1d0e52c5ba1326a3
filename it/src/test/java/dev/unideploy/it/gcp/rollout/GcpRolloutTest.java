package dev.unideploy.it.gcp.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.unideploy.cli.Main;
import dev.unideploy.it.ChildJvm;
import dev.unideploy.it.gcp.FakeGcs;
import dev.unideploy.it.gcp.GceFake;
import dev.unideploy.it.guest.HttpGuest;
import dev.unideploy.it.local.Cli;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy --provider gcp} against the Compute Engine fake, whose instances boot the HTTP test
 * guest under QEMU: blue-green from v1 to v2 behind a backend service, a v3 that panics at boot
 * rolled back by itself, and runs killed with SIGKILL mid-publish and mid-rollout finished by the
 * next run with nothing made twice and nothing left behind.
 */
class GcpRolloutTest {
  @TempDir Path dir;
  private final GceFake gce = GceFake.fromEnv();
  private GcpApp app;

  @BeforeEach
  void loadBalancer() {
    app = new GcpApp(gce, FakeGcs.fromEnv(), dir, "roll");
  }

  @AfterEach
  void removeGroups() {
    app.close();
  }

  private String[] deployArgs(String tag, boolean panic) throws Exception {
    return app.deployArgs(tag, panic, GcpApp.BLUE_GREEN);
  }

  private Cli.Run deploy(String tag, boolean panic) throws Exception {
    return app.deploy(tag, panic, GcpApp.BLUE_GREEN);
  }

  private Map<String, Integer> groups() {
    return app.groups();
  }

  private List<String> backends() {
    return app.backends();
  }

  private List<String> names(String collection) {
    return app.names(collection);
  }

  private List<String> answers(String group) throws Exception {
    return app.answers(group);
  }

  @Test
  void blueGreenFromV1ToV2AndAPanickingV3RollsBack() throws Exception {
    Cli.Run v1 = deploy("v1", false);
    assertThat(v1.code()).as(v1.out()).isZero();
    assertThat(v1.json().path("group").asText()).isEqualTo("web-v001");
    assertThat(backends()).containsExactly("web-v001");
    assertThat(answers("web-v001")).containsOnly(HttpGuest.body("v1")).hasSize(2);

    Cli.Run v2 = deploy("v2", false);
    assertThat(v2.code()).as(v2.out()).isZero();
    assertThat(v2.json().path("group").asText()).isEqualTo("web-v002");
    assertThat(v2.json().path("previous").asText()).isEqualTo("web-v001");
    assertThat(backends()).containsExactly("web-v002");
    assertThat(groups()).containsEntry("web-v001", 0).containsEntry("web-v002", 2);
    assertThat(answers("web-v002")).containsOnly(HttpGuest.body("v2")).hasSize(2);

    Cli.Run v3 = deploy("v3", true);
    assertThat(v3.code()).as(v3.out()).isNotZero();
    assertThat(groups())
        .as("v3 destroyed, v2 serving, v1 kept")
        .containsOnlyKeys("web-v001", "web-v002");
    assertThat(names("instanceTemplates")).containsExactlyInAnyOrder("web-v001", "web-v002");
    assertThat(backends()).containsExactly("web-v002");
    assertThat(answers("web-v002")).containsOnly(HttpGuest.body("v2"));
  }

  @Test
  void runsKilledMidPublishAndMidRolloutAreFinishedByTheNextRun() throws Exception {
    assertThat(deploy("v1", false).code()).isZero();

    // Killed during the image import: the operation is slowed so the kill lands inside it.
    gce.opStepSeconds(2);
    try {
      killWhen(
          deployArgs("v2", false), r -> r.path("method").asText().equals("compute.images.insert"));
    } finally {
      gce.opStepSeconds(0.2);
    }
    // Killed during the health gate of the new group.
    killWhen(
        deployArgs("v2", false),
        r ->
            r.path("method").asText().equals("compute.instanceGroupManagers.listManagedInstances")
                && r.path("path").asText().contains("web-v002"));
    assertThat(groups()).containsKey("web-v002");

    Cli.Run finished = deploy("v2", false);
    assertThat(finished.code()).as(finished.out()).isZero();
    // The journal knows the killed rollout: the next run finishes it (web-v002 goes into service
    // and web-v001 is kept at size 0 as the rollback target) instead of starting another group.
    assertThat(finished.json().path("group").asText()).as(finished.out()).isEqualTo("web-v002");
    assertThat(groups()).containsExactly(Map.entry("web-v001", 0), Map.entry("web-v002", 2));
    assertThat(names("instanceTemplates"))
        .as("no template without its group")
        .containsExactlyInAnyOrder("web-v001", "web-v002");
    assertThat(names("images")).as("one image per release").hasSize(2);
    assertThat(backends()).containsExactly("web-v002");
    String sha = finished.json().path("publish").path("sha256").asText();
    assertThat(app.gcs.metadata(app.bucket, "unideploy/" + sha + ".tar.gz"))
        .as("no staging object left")
        .isEmpty();
    assertThat(answers("web-v002")).containsOnly(HttpGuest.body("v2")).hasSize(2);
  }

  /** Runs the CLI in a child JVM and kills it (SIGKILL) once the fake saw a matching call. */
  private void killWhen(String[] args, Predicate<JsonNode> call) throws Exception {
    int seen = gce.requests(app.project).size();
    Path log = dir.resolve("child-" + System.nanoTime() + ".log");
    try (ChildJvm child =
        ChildJvm.start(Main.class, List.of(args), Map.of(), dir.resolve("home"), log)) {
      boolean hit =
          child.killWhen(
              () -> {
                List<JsonNode> calls = gce.requests(app.project);
                return calls.subList(seen, calls.size()).stream().anyMatch(call);
              },
              Duration.ofMinutes(5));
      assertThat(hit).as("the child reached the call before it ended: %s", child.output()).isTrue();
    }
  }
}
