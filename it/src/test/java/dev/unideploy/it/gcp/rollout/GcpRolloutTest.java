package dev.unideploy.it.gcp.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.unideploy.cli.Main;
import dev.unideploy.it.ChildJvm;
import dev.unideploy.it.gcp.FakeGcs;
import dev.unideploy.it.gcp.GceFake;
import dev.unideploy.it.guest.HttpGuest;
import dev.unideploy.it.local.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
  private static final String ZONE = "us-central1-a";

  @TempDir Path dir;
  private final GceFake gce = GceFake.fromEnv();
  private final FakeGcs gcs = FakeGcs.fromEnv();
  private final String project = GceFake.newProject("roll");
  private final String bucket = gcs.newBucket("roll");

  @BeforeEach
  void loadBalancer() {
    String global = "/compute/v1/projects/" + project + "/global";
    gce.done(
        gce.post(
                global + "/healthChecks",
                Map.of(
                    "name",
                    "web-hc",
                    "type",
                    "HTTP",
                    "httpHealthCheck",
                    Map.of("port", 80, "requestPath", "/"),
                    "checkIntervalSec",
                    2,
                    "timeoutSec",
                    2))
            .ok()
            .body());
    gce.done(
        gce.post(
                global + "/backendServices",
                Map.of(
                    "name",
                    "web-bs",
                    "protocol",
                    "HTTP",
                    "healthChecks",
                    List.of("projects/" + project + "/global/healthChecks/web-hc")))
            .ok()
            .body());
  }

  @AfterEach
  void removeGroups() {
    // Stops the fake's QEMUs: out of the backend service, then every group deleted.
    gce.call(
        "PUT",
        "/compute/v1/projects/" + project + "/global/backendServices/web-bs",
        Map.of(
            "name",
            "web-bs",
            "protocol",
            "HTTP",
            "healthChecks",
            List.of("projects/" + project + "/global/healthChecks/web-hc")));
    for (String g : groups().keySet()) {
      gce.call("DELETE", zone() + "/instanceGroupManagers/" + g, null);
    }
  }

  private String zone() {
    return "/compute/v1/projects/" + project + "/zones/" + ZONE;
  }

  private Path config(String version) throws IOException {
    Path file = dir.resolve("web-" + version + ".yaml");
    Files.writeString(
        file,
        ("app: web\nversion: \"%s\"\n"
                + "deploy: {instances: 2, ports: [80], keepPrevious: 1}\n"
                + "health: {http: /, timeout: 300s, interval: 2s}\n"
                + "providers:\n  gcp:\n    project: %s\n    bucket: %s\n    credentials: none\n"
                + "    endpoints: {compute: \"%s\", storage: \"%s\"}\n"
                + "    timeouts: {pollInterval: 100ms}\n"
                + "    fleet: {zone: %s, healthCheck: web-hc, backendService: web-bs,"
                + " initialDelay: 120s}\n")
            .formatted(version, project, bucket, gce.root(), gcs.root(), ZONE));
    return file;
  }

  private String[] deployArgs(String tag, boolean panic) throws Exception {
    return HttpGuest.deployArgs("gcp", tag, panic, config(tag), dir.resolve("state"))
        .toArray(String[]::new);
  }

  private Cli.Run deploy(String tag, boolean panic) throws Exception {
    return Cli.run(deployArgs(tag, panic));
  }

  /** The app's managed instance groups and their target sizes. */
  private Map<String, Integer> groups() {
    Map<String, Integer> out = new java.util.TreeMap<>();
    gce.get(zone() + "/instanceGroupManagers")
        .ok()
        .body()
        .path("items")
        .forEach(i -> out.put(i.path("name").asText(), i.path("targetSize").asInt()));
    return out;
  }

  private List<String> backends() {
    List<String> out = new ArrayList<>();
    gce.get("/compute/v1/projects/" + project + "/global/backendServices/web-bs")
        .ok()
        .body()
        .path("backends")
        .forEach(b -> out.add(b.path("group").asText().replaceAll(".*/", "")));
    return out;
  }

  private List<String> names(String collection) {
    List<String> out = new ArrayList<>();
    gce.get("/compute/v1/projects/" + project + "/global/" + collection)
        .ok()
        .body()
        .path("items")
        .forEach(i -> out.add(i.path("name").asText()));
    return out;
  }

  /** What GET / answers on every instance of a group, at its own address. */
  private List<String> answers(String group) throws Exception {
    List<String> out = new ArrayList<>();
    JsonNode managed =
        gce.post(zone() + "/instanceGroupManagers/" + group + "/listManagedInstances", null)
            .ok()
            .body();
    for (JsonNode m : managed.path("managedInstances")) {
      JsonNode instance = gce.get(GceFake.pathOf(m.path("instance").asText())).ok().body();
      String ip = instance.path("networkInterfaces").get(0).path("networkIP").asText();
      out.add(HttpGuest.answer(ip));
    }
    return out;
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
    assertThat(gcs.metadata(bucket, "unideploy/" + sha + ".tar.gz"))
        .as("no staging object left")
        .isEmpty();
    assertThat(answers("web-v002")).containsOnly(HttpGuest.body("v2")).hasSize(2);
  }

  /** Runs the CLI in a child JVM and kills it (SIGKILL) once the fake saw a matching call. */
  private void killWhen(String[] args, Predicate<JsonNode> call) throws Exception {
    int seen = gce.requests(project).size();
    Path log = dir.resolve("child-" + System.nanoTime() + ".log");
    try (ChildJvm child =
        ChildJvm.start(Main.class, List.of(args), Map.of(), dir.resolve("home"), log)) {
      boolean hit =
          child.killWhen(
              () -> {
                List<JsonNode> calls = gce.requests(project);
                return calls.subList(seen, calls.size()).stream().anyMatch(call);
              },
              Duration.ofMinutes(5));
      assertThat(hit).as("the child reached the call before it ended: %s", child.output()).isTrue();
    }
  }
}
