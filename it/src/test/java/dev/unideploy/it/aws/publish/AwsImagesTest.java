package dev.unideploy.it.aws.publish;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.unideploy.it.aws.AwsCli;
import dev.unideploy.it.aws.publish.MotoPublish.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;

/**
 * {@code unideploy images list|delete --provider aws} on moto: the app's AMIs in the home region,
 * oldest first, found by tag (an image of the same account that only claims the app name is not one
 * of them); deleting one deregisters it and deletes its snapshots, with its copy in the other
 * region; an AMI a running instance boots from goes only with --force; a reference that matches
 * several AMIs needs --all.
 */
class AwsImagesTest {
  @TempDir Path dir;

  private AwsCli.Run images(Path config, String... args) {
    List<String> all = new ArrayList<>(List.of("images"));
    all.addAll(List.of(args));
    all.addAll(
        List.of(
            "--provider",
            "aws",
            "--config",
            config.toString(),
            "--state",
            dir.resolve("state").toString(),
            "--output",
            "json"));
    return AwsCli.run(all.toArray(String[]::new));
  }

  @Test
  void listsAndDeletesTheAppsAmisByTag() throws Exception {
    String app = MotoPublish.uniqueApp("images");
    List<Run> runs = new ArrayList<>();
    for (int v = 1; v <= 2; v++) {
      String yaml =
          """
          app: %s
          version: "%d"
          providers:
            aws:
              region: us-east-1
              copyTo: [eu-west-1]
              endpoint: %s
              waits: {available: 60s, copy: 120s, pollInterval: 1s}
              retry: {maxAttempts: 3}
          """
              .formatted(app, v, MotoPublish.endpoint());
      runs.add(
          MotoPublish.publish(
              MotoPublish.config(dir, yaml),
              MotoPublish.disk(dir, 400 + v),
              dir.resolve("w"),
              false,
              List.of()));
    }
    Path config = dir.resolve("unideploy.yaml");
    Files.writeString(
        config,
        """
        app: %s
        version: "2"
        providers:
          aws: {region: us-east-1, copyTo: [eu-west-1], endpoint: "%s", retry: {maxAttempts: 2}}
        """
            .formatted(app, MotoPublish.endpoint()));
    String lookalike;
    try (Ec2Client ec2 = MotoPublish.ec2("us-east-1")) {
      lookalike = ec2.registerImage(r -> r.name(app + "-by-hand")).imageId();
      ec2.createTags(
          t ->
              t.resources(lookalike)
                  .tags(
                      software.amazon.awssdk.services.ec2.model.Tag.builder()
                          .key("unideploy:app")
                          .value(app)
                          .build()));
    }

    AwsCli.Run list = images(config, "list");
    assertThat(list.exit()).as(list.stdout()).isZero();
    JsonNode listed = list.json().get("images");
    assertThat(listed).hasSize(2);
    assertThat(listed.get(0).get("id").asText()).isEqualTo(runs.get(0).imageId("us-east-1"));
    assertThat(listed.get(0).get("version").asText()).isEqualTo("1");
    assertThat(listed.get(1).get("id").asText()).isEqualTo(runs.get(1).imageId("us-east-1"));
    assertThat(listed.get(1).get("region").asText()).isEqualTo("us-east-1");
    assertThat(listed.get(1).get("virtualSize").asLong()).isEqualTo(3L << 20);
    assertThat(listed.toString()).doesNotContain(lookalike);

    // The app's name matches both: refused without --all.
    AwsCli.Run ambiguous = images(config, "delete", app);
    assertThat(ambiguous.exit()).isEqualTo(1);

    // v2 boots a running instance: refused without --force.
    String v2 = runs.get(1).imageId("us-east-1");
    try (Ec2Client ec2 = MotoPublish.ec2("us-east-1")) {
      ec2.runInstances(r -> r.imageId(v2).minCount(1).maxCount(1).instanceType("t3.micro"));
    }
    AwsCli.Run inUse = images(config, "delete", v2);
    assertThat(inUse.exit()).as(inUse.stdout()).isEqualTo(1);

    AwsCli.Run deleted = images(config, "delete", app + ":1");
    assertThat(deleted.exit()).as(deleted.stdout()).isZero();
    assertThat(deleted.json().get("images"))
        .extracting(n -> n.get("id").asText())
        .containsExactlyInAnyOrder(
            runs.get(0).imageId("us-east-1"), runs.get(0).imageId("eu-west-1"));
    for (String region : List.of("us-east-1", "eu-west-1")) {
      try (Ec2Client ec2 = MotoPublish.ec2(region)) {
        String id = runs.get(0).imageId(region);
        assertThat(ec2.describeImages(d -> d.imageIds(id)).images()).isEmpty();
        for (String snapshot : runs.get(0).snapshotIds(region)) {
          org.assertj.core.api.Assertions.assertThatThrownBy(
                  () -> ec2.describeSnapshots(d -> d.snapshotIds(snapshot)))
              .isInstanceOf(Ec2Exception.class);
        }
        // The other version and the look-alike are untouched.
        String kept = runs.get(1).imageId(region);
        assertThat(ec2.describeImages(d -> d.imageIds(kept)).images()).hasSize(1);
      }
    }
    try (Ec2Client ec2 = MotoPublish.ec2("us-east-1")) {
      assertThat(ec2.describeImages(d -> d.imageIds(lookalike)).images()).hasSize(1);
    }

    AwsCli.Run forced = images(config, "delete", v2, "--force");
    assertThat(forced.exit()).as(forced.stdout()).isZero();
    assertThat(images(config, "list").json().get("images")).isEmpty();
  }
}
