package dev.unideploy.it.gcp.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.unideploy.it.gcp.TestTarballs;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.spi.RetiredImage;
import dev.unideploy.provider.gcp.GcpProvider;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code publish --provider gcp} against fake-gcs-server and the Compute Engine fake: the image and
 * its labels, idempotent re-runs, the family as the latest pointer with deprecation, IAM sharing,
 * retention, throttling and failed imports.
 */
class GcpPublishTest {
  @TempDir Path dir;
  private final GcpPublish gcp = new GcpPublish();

  @AfterEach
  void clearFaults() {
    gcp.gce.clearFaults();
  }

  private DeployConfig config(String app, String version, String publish, String extra)
      throws Exception {
    return GcpPublish.config(dir, gcp.yaml(app, version, publish, extra));
  }

  @Test
  void publishesTheImageAndARerunChangesNothing() throws Exception {
    String app = GcpPublish.uniqueApp("twice");
    DeployConfig config =
        config(
            app,
            "1.2.0",
            "architecture: x86_64\nbootMode: uefi",
            "image:\n  guestOsFeatures: [GVNIC, VIRTIO_SCSI_MULTIQUEUE]\n  storageLocation: eu\n"
                + "  labels: {team: web}");
    Path disk = GcpPublish.disk(dir, 1, 8);
    GcpPublish.Run first = gcp.publish(config, disk, dir.resolve("work"));

    String name = first.result().image().name();
    assertThat(name).startsWith(app + "-1-2-0-").hasSize(app.length() + 15);
    JsonNode image = gcp.image(name);
    assertThat(image.path("status").asText()).isEqualTo("READY");
    assertThat(image.path("family").asText()).isEqualTo(app);
    assertThat(image.path("architecture").asText()).isEqualTo("X86_64");
    assertThat(image.path("storageLocations").toString()).isEqualTo("[\"eu\"]");
    assertThat(image.path("guestOsFeatures").findValuesAsText("type"))
        .containsExactlyInAnyOrder("GVNIC", "VIRTIO_SCSI_MULTIQUEUE", "UEFI_COMPATIBLE");
    JsonNode labels = image.path("labels");
    assertThat(labels.path("managed-by").asText()).isEqualTo("unideploy");
    assertThat(labels.path("unideploy-app").asText()).isEqualTo(app);
    assertThat(labels.path("unideploy-app-version").asText()).isEqualTo("1-2-0");
    assertThat(labels.path("unideploy-sha256").asText())
        .isEqualTo(first.result().sha256().substring(0, 32));
    assertThat(labels.path("team").asText()).isEqualTo("web");
    assertThat(image.path("description").asText()).contains(first.result().sha256());
    assertThat(first.result().upload().method()).isEqualTo("gcs-resumable");
    String object = "unideploy/" + first.result().sha256() + ".tar.gz";
    assertThat(gcp.gcs.metadata(gcp.bucket, object)).as("staging object deleted").isEmpty();
    assertThat(gcp.calls("compute.images.insert")).hasSize(1);

    GcpPublish.Run second = gcp.publish(config, disk, dir.resolve("work"));
    assertThat(second.result().reused()).isTrue();
    assertThat(second.result().upload()).as("nothing uploaded").isNull();
    assertThat(second.result().image().name()).isEqualTo(name);
    assertThat(second.log()).contains("already in place: no change");
    assertThat(
            gcp.calls(
                "compute.images.insert",
                "compute.images.deprecate",
                "compute.images.setIamPolicy",
                "compute.images.delete",
                "compute.images.patch"))
        .as("writes over both runs")
        .hasSize(1);
    assertThat(gcp.imageNames()).containsExactly(name);
  }

  @Test
  void theFamilyPointsAtTheNewestAndOnlyOurOlderImagesAreDeprecated() throws Exception {
    String app = GcpPublish.uniqueApp("fam");
    // An image someone else made in the same family, and one of another app: never touched.
    Path tar = TestTarballs.sample(dir, "foreign");
    TestTarballs.image(gcp.gce, gcp.gcs, gcp.bucket, gcp.project, "foreign-1", app, tar);
    String other = GcpPublish.uniqueApp("other");
    GcpPublish.Run otherRun =
        gcp.publish(
            config(other, "1", null, "image:\n  family: " + app), GcpPublish.disk(dir, 9, 4), dir);

    String v1 =
        gcp.publish(config(app, "1", null, null), GcpPublish.disk(dir, 1, 4), dir)
            .result()
            .image()
            .name();
    String v2 =
        gcp.publish(config(app, "2", null, null), GcpPublish.disk(dir, 2, 4), dir)
            .result()
            .image()
            .name();

    assertThat(gcp.gce.get(gcp.images() + "/family/" + app).ok().body().path("name").asText())
        .isEqualTo(v2);
    JsonNode old = gcp.image(v1).path("deprecated");
    assertThat(old.path("state").asText()).isEqualTo("DEPRECATED");
    assertThat(old.path("replacement").asText()).endsWith("/global/images/" + v2);
    assertThat(gcp.image("foreign-1").has("deprecated")).as("not ours").isFalse();
    assertThat(gcp.image(otherRun.result().image().name()).has("deprecated"))
        .as("another app's")
        .isFalse();

    // Publishing v1 again makes it the family's image: v2 is deprecated, v1 active again.
    GcpPublish.Run again =
        gcp.publish(config(app, "1", null, null), GcpPublish.disk(dir, 1, 4), dir);
    assertThat(again.result().reused()).isTrue();
    assertThat(gcp.gce.get(gcp.images() + "/family/" + app).ok().body().path("name").asText())
        .isEqualTo(v1);
    assertThat(gcp.image(v1).has("deprecated")).isFalse();
    assertThat(gcp.image(v2).path("deprecated").path("replacement").asText()).endsWith("/" + v1);
  }

  @Test
  void retentionKeepsTheNewestAndDeletesOnlyOurs() throws Exception {
    String app = GcpPublish.uniqueApp("keep");
    Path tar = TestTarballs.sample(dir, "keep-foreign");
    TestTarballs.image(gcp.gce, gcp.gcs, gcp.bucket, gcp.project, "foreign-keep", null, tar);
    String other = GcpPublish.uniqueApp("other");
    String otherImage =
        gcp.publish(config(other, "1", null, null), GcpPublish.disk(dir, 50, 4), dir)
            .result()
            .image()
            .name();
    String v1 =
        gcp.publish(config(app, "1", "keep: 2", null), GcpPublish.disk(dir, 11, 4), dir)
            .result()
            .image()
            .name();
    String v2 =
        gcp.publish(config(app, "2", "keep: 2", null), GcpPublish.disk(dir, 12, 4), dir)
            .result()
            .image()
            .name();

    GcpPublish.Run dry =
        gcp.publish(
            config(app, "3", "keep: 2", null),
            GcpPublish.disk(dir, 13, 4),
            dir,
            new dev.unideploy.pipeline.state.MemoryJournal(),
            true);
    String v3 = dry.result().image().name();
    assertThat(dry.result().retired()).extracting(RetiredImage::name).containsExactly(v1);
    assertThat(dry.result().retired().get(0).dryRun()).isTrue();
    assertThat(gcp.imageNames()).contains(v1);

    GcpPublish.Run real =
        gcp.publish(config(app, "3", "keep: 2", null), GcpPublish.disk(dir, 13, 4), dir);
    assertThat(real.result().retired()).extracting(RetiredImage::name).containsExactly(v1);
    assertThat(gcp.imageNames()).contains(v2, v3, "foreign-keep", otherImage).doesNotContain(v1);
  }

  @Test
  void sharingAddsImageUserAndRetriesAStaleEtag() throws Exception {
    String app = GcpPublish.uniqueApp("share");
    DeployConfig config =
        config(
            app,
            "1",
            null,
            "share:\n  members: [\"group:devs@example.com\", \"serviceAccount:ci@p.iam.gserviceaccount.com\"]\n"
                + "  projects: [\"123456789012\"]");
    gcp.gce.action("compute.images.setIamPolicy", "bump-iam-etag");
    GcpPublish.Run run = gcp.publish(config, GcpPublish.disk(dir, 21, 4), dir);

    String name = run.result().image().name();
    JsonNode policy = gcp.gce.get(gcp.images() + "/" + name + "/getIamPolicy").ok().body();
    JsonNode imageUser = null;
    for (JsonNode b : policy.path("bindings")) {
      if (b.path("role").asText().equals("roles/compute.imageUser")) {
        imageUser = b;
      }
    }
    assertThat(imageUser).isNotNull();
    assertThat(imageUser.path("members").toString())
        .contains(
            "group:devs@example.com",
            "serviceAccount:ci@p.iam.gserviceaccount.com",
            "serviceAccount:123456789012@cloudservices.gserviceaccount.com");
    assertThat(policy.toString())
        .as("the concurrent writer's binding survives the retry")
        .contains("user:concurrent@example.com");
    List<JsonNode> writes = gcp.calls("compute.images.setIamPolicy");
    assertThat(writes).extracting(w -> w.path("status").asInt()).containsExactly(412, 200);
    assertThat(run.log()).contains("changed since it was read (etag)");

    GcpPublish.Run again = gcp.publish(config, GcpPublish.disk(dir, 21, 4), dir);
    assertThat(again.log()).contains("no change");
    assertThat(gcp.calls("compute.images.setIamPolicy")).hasSize(2);
  }

  @Test
  void throttledCallsAreRetriedWithTheSameRequestId() throws Exception {
    String app = GcpPublish.uniqueApp("throttle");
    gcp.gce.fault("compute.images.insert", 429, 2);
    gcp.gce.fault("compute.images.list", 503, 1);
    GcpPublish.Run run =
        gcp.publish(config(app, "1", null, null), GcpPublish.disk(dir, 31, 4), dir);

    List<JsonNode> inserts = gcp.calls("compute.images.insert");
    assertThat(inserts).extracting(i -> i.path("status").asInt()).containsExactly(429, 429, 200);
    assertThat(inserts.stream().map(i -> i.path("query").path("requestId").asText()).distinct())
        .hasSize(1);
    assertThat(gcp.imageNames()).containsExactly(run.result().image().name());
  }

  @Test
  void aFailedImportIsReportedWithItsCodeAndMessage() throws Exception {
    String app = GcpPublish.uniqueApp("fail");
    gcp.gce.failOperation(
        "compute.images.insert", 400, "IMAGE_IMPORT_FAILED", "The image archive is corrupt.");
    assertThatThrownBy(
            () -> gcp.publish(config(app, "1", null, null), GcpPublish.disk(dir, 41, 4), dir))
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining("importing image " + app)
        .hasMessageContaining("HTTP 400 BAD REQUEST")
        .hasMessageContaining("IMAGE_IMPORT_FAILED: The image archive is corrupt.");
    assertThat(gcp.imageNames()).isEmpty();

    // The staging object is still there, so the re-run only imports.
    GcpPublish.Run retry =
        gcp.publish(config(app, "1", null, null), GcpPublish.disk(dir, 41, 4), dir);
    assertThat(retry.result().upload().details()).containsEntry("objectReused", "true");
    assertThat(retry.result().upload().bytesSent()).isZero();
    assertThat(gcp.imageNames()).containsExactly(retry.result().image().name());
  }

  @Test
  void settingsThatCannotWorkAreRefusedBeforeAnythingIsUploaded() throws Exception {
    String app = GcpPublish.uniqueApp("bad");
    assertThatThrownBy(
            () ->
                gcp.publish(
                    config(app, "1", null, "image:\n  guestOsFeatures: [UEFI_COMPATIBLE]"),
                    GcpPublish.disk(dir, 51, 4),
                    dir))
        .hasMessageContaining("publish.bootMode is legacy-bios");
    DeployConfig everyone = config(app, "1", null, "share:\n  members: [allUsers]");
    assertThatThrownBy(() -> new GcpProvider().validate(everyone))
        .hasMessageContaining("providers.gcp")
        .hasMessageContaining("unideploy does not publish images publicly");
    DeployConfig windows = config(app, "1", null, "image:\n  guestOsFeatures: [WINDOWS]");
    assertThatThrownBy(() -> new GcpProvider().validate(windows))
        .hasMessageContaining("image.guestOsFeatures: 'WINDOWS'");
    assertThat(gcp.calls("compute.images.insert")).isEmpty();
  }
}
