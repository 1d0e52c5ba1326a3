package dev.unideploy.it.gcp.fake;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.unideploy.it.gcp.FakeGcs;
import dev.unideploy.it.gcp.GceFake;
import dev.unideploy.it.gcp.TestTarballs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fake's behaviour where recorded traffic shows less than the API documents: operations that go
 * PENDING → RUNNING → DONE in every scope, errors inside DONE operations, 404/409/412/429 bodies,
 * request ids, image imports that fail as Compute Engine's do, families and deprecation, and
 * answers shaped like the recorded fixtures.
 */
class GceBehaviourTest {
  private static GceFake gce;
  private static FakeGcs gcs;
  private static String bucket;
  private static Path sample;
  @TempDir static Path dir;

  private final String project = GceFake.newProject("beh");

  @BeforeAll
  static void setUp() {
    gce = GceFake.fromEnv();
    gcs = FakeGcs.fromEnv();
    bucket = gcs.newBucket("behaviour");
    sample = TestTarballs.sample(dir, "behaviour");
  }

  @AfterEach
  void restore() {
    gce.clearFaults();
    gce.opStepSeconds(0.2);
  }

  private String images() {
    return "/compute/v1/projects/" + project + "/global/images";
  }

  private JsonNode insertImage(String name, Path tarball, Map<String, Object> extra) {
    String object = name + "-" + UUID.randomUUID() + ".tar.gz";
    gcs.put(bucket, object, tarball);
    Map<String, Object> body = new java.util.HashMap<>(extra);
    body.put("name", name);
    body.put("rawDisk", Map.of("source", FakeGcs.sourceUrl(bucket, object)));
    return gce.post(images(), body).ok().body();
  }

  private static JsonNode fixture(String name) throws Exception {
    return GceFake.JSON.readTree(
        Files.readString(GceConformanceTest.recording("libcloud-gce-fixtures/" + name)));
  }

  @Test
  void operationsGoPendingRunningDoneInEveryScope() {
    gce.opStepSeconds(0.4);
    JsonNode global = insertImage("flow", sample, Map.of());
    assertThat(gce.awaitOperation(global, Duration.ofSeconds(60), null))
        .containsExactly("PENDING", "RUNNING", "DONE");

    String hc = "/compute/v1/projects/" + project + "/regions/us-central1/healthChecks";
    JsonNode regional =
        gce.post(hc, Map.of("name", "hc", "type", "TCP", "tcpHealthCheck", Map.of("port", 80)))
            .ok()
            .body();
    assertThat(regional.path("region").asText()).endsWith("/regions/us-central1");
    assertThat(gce.awaitOperation(regional, Duration.ofSeconds(60), null))
        .containsExactly("PENDING", "RUNNING", "DONE");

    String zonal = "/compute/v1/projects/" + project + "/zones/us-central1-a/disks";
    JsonNode op = gce.post(zonal, Map.of("name", "d", "sizeGb", "1")).ok().body();
    assertThat(op.path("zone").asText()).endsWith("/zones/us-central1-a");
    // wait blocks until DONE (Compute Engine's wait returns at the latest after ~2 minutes).
    JsonNode waited =
        gce.post(GceFake.pathOf(op.path("selfLink").asText()) + "/wait", null).ok().body();
    assertThat(waited.path("status").asText()).isEqualTo("DONE");
    assertThat(waited.has("endTime")).isTrue();
  }

  @Test
  void importedImageAnswersLikeTheRecordedOnes() throws Exception {
    JsonNode op =
        insertImage("shaped", sample, Map.of("family", "fam", "labels", Map.of("a", "b")));
    assertThat(Shapes.differences(fixture("global_images_post.json"), op)).isEmpty();
    JsonNode done = gce.done(op);
    assertThat(Shapes.differences(fixture("operations_operation_global_image_post.json"), done))
        .isEmpty();
    JsonNode image = gce.get(images() + "/family/fam").ok().body();
    JsonNode recorded = fixture("projects_coreos-cloud_global_images_family_coreos_stable.json");
    assertThat(Shapes.differences(recorded, image))
        .as("differences from a recorded image imported from a raw disk")
        .containsOnly("missing licenses", "missing description", "missing guestOsFeatures");
    assertThat(image.path("sourceType").asText()).isEqualTo("RAW");
    assertThat(image.path("rawDisk").path("containerType").asText()).isEqualTo("TAR");
    assertThat(image.path("diskSizeGb").asText()).isEqualTo("1");
    assertThat(image.path("archiveSizeBytes").asLong()).isEqualTo(Files.size(sample));
  }

  @Test
  void aTarballComputeEngineWouldRefuseFailsTheOperation() throws Exception {
    Path raw = dir.resolve("one-gib.raw");
    try (var f = new java.io.RandomAccessFile(raw.toFile(), "rw")) {
      f.setLength(1L << 30);
    }
    Map<String, String> cases =
        Map.of(
            "posix", "old GNU format",
            "two-files", "exactly one file",
            "not-gzip", "not gzip-compressed",
            "odd-size", "multiple of 1 GB");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      Path tar = badTarball(c.getKey(), raw);
      JsonNode done = gce.done(insertImage("bad-" + c.getKey(), tar, Map.of()));
      assertThat(done.path("status").asText()).isEqualTo("DONE");
      assertThat(done.path("httpErrorStatusCode").asInt()).as(c.getKey()).isEqualTo(400);
      assertThat(done.path("error").path("errors").get(0).path("message").asText())
          .as(c.getKey())
          .contains(c.getValue());
      assertThat(gce.get(images() + "/bad-" + c.getKey()).status())
          .as("no image is left by a failed import")
          .isEqualTo(404);
    }
    JsonNode recorded =
        fixture("zones_us_central1_a_operations_operation_setMachineType_notstopped.json");
    JsonNode failed = gce.done(insertImage("bad-again", badTarball("posix", raw), Map.of()));
    // The recorded failure is a zonal setMachineType: compare the parts that report the error.
    JsonNode errorPart =
        ((com.fasterxml.jackson.databind.node.ObjectNode) recorded)
            .retain("status", "error", "httpErrorStatusCode", "httpErrorMessage");
    assertThat(Shapes.differences(errorPart, failed)).isEmpty();
    assertThat(failed.path("httpErrorMessage").asText()).isEqualTo("BAD REQUEST");
  }

  /** A tarball made with GNU tar, wrong in the way {@code kind} says. */
  private Path badTarball(String kind, Path raw) throws IOException, InterruptedException {
    Path out = dir.resolve(kind + ".tar.gz");
    if (kind.equals("not-gzip")) {
      Files.write(out, new byte[] {'n', 'o', 't', ' ', 'g', 'z', 'i', 'p'});
      return out;
    }
    Path folder = Files.createDirectories(dir.resolve(kind));
    Path disk = folder.resolve("disk.raw");
    Files.deleteIfExists(disk);
    if (kind.equals("odd-size")) {
      Files.write(disk, new byte[4096]);
    } else {
      Files.createLink(disk, raw);
    }
    List<String> command =
        new java.util.ArrayList<>(
            List.of(
                "tar",
                "--format=" + (kind.equals("posix") ? "posix" : "oldgnu"),
                "-Sczf",
                out.toString(),
                "-C",
                folder.toString(),
                "disk.raw"));
    if (kind.equals("two-files")) {
      Files.writeString(folder.resolve("README"), "x");
      command.add("README");
    }
    Process p = new ProcessBuilder(command).inheritIO().start();
    assertThat(p.waitFor()).as(String.join(" ", command)).isZero();
    return out;
  }

  @Test
  void errorsHaveComputeEnginesBodies() throws Exception {
    JsonNode notFound = gce.get(images() + "/family/nothing").body();
    assertThat(Shapes.differences(fixture("global_images_family_notfound.json"), notFound))
        .isEmpty();
    assertThat(notFound.path("error").path("code").asInt()).isEqualTo(404);

    gce.done(insertImage("twice", sample, Map.of()));
    GceFake.Answer conflict =
        gce.post(images(), Map.of("name", "twice", "rawDisk", Map.of("source", "gs://b/o")));
    assertThat(conflict.status()).isEqualTo(409);
    assertThat(conflict.body().path("error").path("errors").get(0).path("reason").asText())
        .isEqualTo("alreadyExists");

    GceFake.Answer unknown = gce.post(images(), Map.of("name", "x", "colour", "blue"));
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.body().path("error").path("message").asText())
        .contains("Unknown name \"colour\"");

    GceFake.Answer badName = gce.get(images() + "/Not_A_Name");
    assertThat(badName.status()).isEqualTo(400);
  }

  @Test
  void staleLabelFingerprintIsRefused() {
    gce.done(insertImage("labelled", sample, Map.of("labels", Map.of("a", "1"))));
    JsonNode image = gce.get(images() + "/labelled").ok().body();
    String fp = image.path("labelFingerprint").asText();
    JsonNode first =
        gce.post(
                images() + "/labelled/setLabels",
                Map.of("labelFingerprint", fp, "labels", Map.of("a", "2")))
            .ok()
            .body();
    assertThat(first.path("operationType").asText()).isEqualTo("setLabels");
    GceFake.Answer stale =
        gce.post(
            images() + "/labelled/setLabels",
            Map.of("labelFingerprint", fp, "labels", Map.of("a", "3")));
    assertThat(stale.status()).isEqualTo(412);
    assertThat(stale.body().path("error").path("errors").get(0).path("reason").asText())
        .isEqualTo("conditionNotMet");
    assertThat(gce.get(images() + "/labelled").body().path("labels").path("a").asText())
        .isEqualTo("2");
  }

  @Test
  void iamPolicyWritesCarryTheEtag() {
    gce.done(insertImage("shared", sample, Map.of()));
    JsonNode policy = gce.get(images() + "/shared/getIamPolicy").ok().body();
    assertThat(policy.path("etag").asText()).isEqualTo("ACAB");
    Map<String, Object> binding =
        Map.of("role", "roles/compute.imageUser", "members", List.of("group:devs@example.com"));

    gce.action("compute.images.setIamPolicy", "bump-iam-etag");
    GceFake.Answer stale =
        gce.post(
            images() + "/shared/setIamPolicy",
            Map.of("policy", Map.of("etag", "ACAB", "bindings", List.of(binding))));
    assertThat(stale.status()).as("a concurrent change made the etag stale").isEqualTo(412);

    JsonNode fresh = gce.get(images() + "/shared/getIamPolicy").ok().body();
    JsonNode written =
        gce.post(
                images() + "/shared/setIamPolicy",
                Map.of(
                    "policy",
                    Map.of(
                        "etag",
                        fresh.path("etag").asText(),
                        "bindings",
                        List.of(binding, fresh.path("bindings").get(0)))))
            .ok()
            .body();
    assertThat(written.path("etag").asText()).isNotEqualTo(fresh.path("etag").asText());
    assertThat(written.path("bindings").toString()).contains("group:devs@example.com");
  }

  @Test
  void throttlingAnswers429UntilItPasses() {
    gce.fault("compute.images.list", 429, 2);
    GceFake.Answer first = gce.get(images());
    assertThat(first.status()).isEqualTo(429);
    assertThat(first.body().path("error").path("errors").get(0).path("reason").asText())
        .isEqualTo("rateLimitExceeded");
    assertThat(gce.get(images()).status()).isEqualTo(429);
    assertThat(gce.get(images()).status()).isEqualTo(200);
  }

  @Test
  void aRepeatedRequestIdGetsTheFirstOperation() {
    String object = "rid-" + UUID.randomUUID() + ".tar.gz";
    gcs.put(bucket, object, sample);
    Map<String, Object> body =
        Map.of("name", "rid", "rawDisk", Map.of("source", FakeGcs.sourceUrl(bucket, object)));
    String id = UUID.randomUUID().toString();
    JsonNode a = gce.post(images() + "?requestId=" + id, body).ok().body();
    JsonNode b = gce.post(images() + "?requestId=" + id, body).ok().body();
    assertThat(b.path("name").asText()).isEqualTo(a.path("name").asText());
    gce.done(a);
    JsonNode c = gce.post(images() + "?requestId=" + id, body).ok().body();
    assertThat(c.path("name").asText()).isEqualTo(a.path("name").asText());
  }

  @Test
  void familiesSkipDeprecatedImagesAndListsFilterByLabel() throws Exception {
    JsonNode old =
        gce.done(insertImage("v1", sample, Map.of("family", "app", "labels", Map.of("k", "old"))));
    assertThat(old.has("error")).isFalse();
    gce.done(insertImage("v2", sample, Map.of("family", "app", "labels", Map.of("k", "new"))));
    assertThat(gce.get(images() + "/family/app").body().path("name").asText()).isEqualTo("v2");

    JsonNode deprecate =
        gce.post(
                images() + "/v2/deprecate",
                Map.of(
                    "state",
                    "DEPRECATED",
                    "replacement",
                    images().substring("/compute/v1/".length()) + "/v1"))
            .ok()
            .body();
    assertThat(
            Shapes.differences(
                fixture("global_images_debian_7_wheezy_v20131014_deprecate.json"), deprecate))
        .isEmpty();
    gce.done(deprecate);
    assertThat(gce.get(images() + "/family/app").body().path("name").asText()).isEqualTo("v1");
    assertThat(gce.get(images() + "/v2").body().path("deprecated").path("state").asText())
        .isEqualTo("DEPRECATED");

    JsonNode list = gce.get(images() + "?filter=labels.k+%3D+%22new%22").ok().body();
    assertThat(list.path("items")).hasSize(1);
    assertThat(list.path("items").get(0).path("name").asText()).isEqualTo("v2");
    JsonNode regex = gce.get(images() + "?filter=name+eq+v.*").ok().body();
    assertThat(regex.path("items")).hasSize(2);
    JsonNode paged = gce.get(images() + "?maxResults=1").ok().body();
    assertThat(paged.path("items")).hasSize(1);
    assertThat(paged.has("nextPageToken")).isTrue();
  }
}
