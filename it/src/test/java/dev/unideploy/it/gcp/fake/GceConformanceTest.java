package dev.unideploy.it.gcp.fake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.it.gcp.FakeGcs;
import dev.unideploy.it.gcp.GceFake;
import dev.unideploy.it.gcp.TestTarballs;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Replays recorded Compute Engine traffic (it/src/test/resources/recordings/gcp, see its README)
 * against the fake: the same calls must get the same status codes, operations must run to DONE, and
 * every field of every recorded answer must be in the fake's answer.
 */
class GceConformanceTest {
  /** The public image family the recorded instance templates use. */
  static final String PUBLIC_PROJECT = "debian-cloud";

  static final List<String> PUBLIC_FAMILIES = List.of("debian-11", "debian-12");

  /**
   * Exchanges that cannot be replayed: the recorder deleted the instance template through calls it
   * did not log, so its last read answered 404.
   */
  static final Map<String, Map<Integer, String>> NOT_REPLAYABLE =
      Map.of(
          "igm-zonal-insert-patch-delete-zoneoperations.log",
          Map.of(36, "template deleted by an unlogged call"),
          "igm-regional-insert-patch-delete-regionoperations.log",
          Map.of(28, "template deleted by an unlogged call"),
          "autoscaler-with-zonal-igm-template-healthcheck.log",
          Map.of(43, "template deleted by an unlogged call"));

  private static GceFake gce;

  @BeforeAll
  static void publicImage(@TempDir Path dir) {
    gce = GceFake.fromEnv();
    // The recordings create templates from debian-cloud's families, which the fake does not
    // have until a test puts an image there (the sample unikernel stands in).
    FakeGcs gcs = FakeGcs.fromEnv();
    for (String family : PUBLIC_FAMILIES) {
      if (gce.get("/compute/v1/projects/" + PUBLIC_PROJECT + "/global/images/family/" + family)
              .status()
          == 404) {
        TestTarballs.image(
            gce,
            gcs,
            gcs.newBucket("public-images"),
            PUBLIC_PROJECT,
            family + "-v20231010",
            family,
            TestTarballs.sample(dir, family));
      }
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "image-from-sourcedisk-insert-patch-setlabels-delete.log",
        "instancetemplate-crud-gcloud-globaloperations-wait.log",
        "healthcheck-global-crud.log",
        "healthcheck-regional-crud-regionoperations.log",
        "backendservice-global-crud-gcloud-wait.log",
        "address-regional-crud-regionoperations-wait.log",
        "igm-zonal-insert-patch-delete-zoneoperations.log",
        "igm-regional-insert-patch-delete-regionoperations.log",
        "autoscaler-with-zonal-igm-template-healthcheck.log"
      })
  void recordedTrafficReplaysTheSame(String recording) throws URISyntaxException {
    List<RecordedLog.Exchange> log = RecordedLog.read(recording(recording));
    Replayer.Result result =
        new Replayer(gce, GceFake.newProject("conf"))
            .replay(log, NOT_REPLAYABLE.getOrDefault(recording, Map.of()));

    assertThat(result.replayed()).as("calls replayed").isGreaterThanOrEqualTo(4);
    assertThat(result.problems()).as("differences from the recording").isEmpty();
    assertThat(result.operationStatuses()).as("operation statuses seen").contains("DONE");
  }

  static Path recording(String name) throws URISyntaxException {
    return Path.of(GceConformanceTest.class.getResource("/recordings/gcp/" + name).toURI());
  }
}
