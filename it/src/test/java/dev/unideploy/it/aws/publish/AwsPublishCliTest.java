package dev.unideploy.it.aws.publish;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unideploy.it.aws.AwsCli;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * {@code unideploy publish --provider aws --image X --config Y} end to end against moto, the way a
 * user runs it: the provider is found by ServiceLoader, credentials come from the default chain.
 */
class AwsPublishCliTest {
  @TempDir Path dir;

  private Path config(String app, String copyTo) throws Exception {
    return config(app, copyTo, 0);
  }

  private Path config(String app, String copyTo, int keep) throws Exception {
    Path file = dir.resolve(app + ".yaml");
    Files.writeString(
        file,
        """
        app: %s
        version: "2.0.0"
        publish:
          keep: %d
        providers:
          aws:
            region: us-east-1
            copyTo: [%s]
            endpoint: %s
            latestParameter: /releases/{app}/ami
            waits: {available: 60s, copy: 120s, pollInterval: 1s}
            retry: {maxAttempts: 2}
        """
            .formatted(app, keep, copyTo, MotoPublish.endpoint()));
    return file;
  }

  private AwsCli.Run publish(Path config, Path disk) {
    return AwsCli.run(
        "publish",
        "--output",
        "json",
        "--provider",
        "aws",
        "--image",
        disk.toString(),
        "--config",
        config.toString(),
        "--no-verify",
        "--state",
        dir.resolve("state").toString());
  }

  @Test
  void publishesThroughTheCommandLineAndReRunsAsANoOp() throws Exception {
    String app = MotoPublish.uniqueApp("cli");
    Path config = config(app, "eu-west-1");
    Path disk = MotoPublish.disk(dir, 42);

    AwsCli.Run first = publish(config, disk);

    assertThat(first.exit()).as(first.stdout()).isZero();
    JsonNode result = new ObjectMapper().readTree(first.stdout());
    assertThat(result.get("provider").asText()).isEqualTo("aws");
    assertThat(result.get("reused").asBoolean()).isFalse();
    assertThat(result.get("regions")).hasSize(2);
    for (JsonNode region : result.get("regions")) {
      String name = region.get("region").asText();
      String imageId = region.get("imageId").asText();
      assertThat(region.get("ok").asBoolean()).isTrue();
      assertThat(region.at("/attributes/snapshotIds").asText()).startsWith("snap-");
      try (Ec2Client ec2 = MotoPublish.ec2(name)) {
        assertThat(ec2.describeImages(d -> d.imageIds(imageId)).images()).hasSize(1);
      }
      try (SsmClient ssm = MotoPublish.ssm(name)) {
        assertThat(ssm.getParameter(g -> g.name("/releases/" + app + "/ami")).parameter().value())
            .isEqualTo(imageId);
      }
    }

    AwsCli.Run second = publish(config, disk);
    assertThat(second.exit()).as(second.stdout()).isZero();
    JsonNode again = new ObjectMapper().readTree(second.stdout());
    assertThat(again.get("reused").asBoolean()).isTrue();
    assertThat(again.get("image").get("id").asText())
        .isEqualTo(result.get("image").get("id").asText());
  }

  @Test
  void aRegionThatCannotBeReachedExitsPartialAndNamesIt() throws Exception {
    String app = MotoPublish.uniqueApp("cli-partial");
    // moto answers 500 for a region it does not know: a regional outage, seen from the client.
    AwsCli.Run run = publish(config(app, "eu-west-1, xx-nowhere-1", 1), MotoPublish.disk(dir, 43));

    assertThat(run.exit()).as(run.stdout()).isEqualTo(3);
    JsonNode result = new ObjectMapper().readTree(run.stdout());
    assertThat(result.get("failedRegions").get(0).asText()).isEqualTo("xx-nowhere-1");
    assertThat(result.get("failedRegions")).hasSize(1);
    for (JsonNode region : result.get("regions")) {
      boolean bad = region.get("region").asText().equals("xx-nowhere-1");
      assertThat(region.get("ok").asBoolean()).isEqualTo(!bad);
      if (bad) {
        assertThat(region.get("error").asText()).contains("xx-nowhere-1");
      }
    }
    // Retention ran in the regions that work and left the failed one alone.
    assertThat(result.get("retired")).isEmpty();
  }
}
