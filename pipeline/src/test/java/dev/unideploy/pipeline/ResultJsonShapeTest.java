package dev.unideploy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unideploy.pipeline.publish.PublishResult;
import dev.unideploy.pipeline.qemu.BootOutcome;
import dev.unideploy.pipeline.rollout.DeployResult;
import dev.unideploy.pipeline.rollout.InstanceReport;
import dev.unideploy.pipeline.spi.PublishedImage;
import dev.unideploy.pipeline.spi.RegionImage;
import dev.unideploy.pipeline.spi.RetiredImage;
import dev.unideploy.pipeline.spi.UploadedDisk;
import dev.unideploy.pipeline.verify.VerifyResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The JSON documents users' scripts and the GitHub Action read are the ones docs/output.md shows:
 * each example there is compared with what the result records serialise to, so neither can drift.
 */
class ResultJsonShapeTest {
  private static final Path DOC = Path.of("..", "docs", "output.md");
  private static final ObjectMapper JSON = new ObjectMapper();

  static PublishResult publishResult() {
    VerifyResult verify =
        new VerifyResult(
            true,
            BootOutcome.Status.READY,
            Duration.ofMillis(2350),
            "tcg",
            "nvme",
            "uefi",
            "raw",
            "console: READY web 1.2.0",
            List.of("booting", "READY web 1.2.0"),
            null);
    UploadedDisk upload =
        new UploadedDisk(
            "snap-0a1b2c3d4e5f60718",
            "ebs-direct",
            12582912,
            1061158912,
            false,
            Duration.ofMillis(3100),
            Map.of(
                "blocksSent",
                "24",
                "blocksSkipped",
                "2024",
                "snapshotId",
                "snap-0a1b2c3d4e5f60718"));
    PublishedImage image =
        new PublishedImage(
            "ami-0123456789abcdef0",
            "web-1.2.0-3f2a9c1d",
            "us-east-1",
            false,
            Map.of("snapshotIds", "snap-0a1b2c3d4e5f60718"));
    return new PublishResult(
        "aws",
        "web",
        "1.2.0",
        "3f2a9c1d" + "0".repeat(56),
        false,
        verify,
        upload,
        image,
        List.of(
            RegionImage.ok("us-east-1", "ami-0123456789abcdef0", false, Map.of()),
            RegionImage.ok("eu-west-1", "ami-0fedcba9876543210", false, Map.of()),
            RegionImage.failed("ap-south-1", "CopyImage failed: AuthFailure; check the role")),
        List.of("ap-south-1"),
        List.of(
            new RetiredImage(
                "us-east-1",
                "ami-0aaaaaaaaaaaaaaa0",
                "web-1.0.0-11aa22bb",
                List.of("snap-0b"),
                false)),
        "/home/me/.unideploy/state");
  }

  static DeployResult deployResult() {
    return new DeployResult(
        "aws",
        "web",
        "1.2.0",
        "blue-green",
        "web-v007",
        "web-v006",
        List.of(
            new InstanceReport(
                "i-0a1",
                "healthy",
                "console: READY web 1.2.0; load balancer says healthy",
                List.of())),
        List.of("web-v006"),
        List.of("web-v005"),
        null,
        "s3://acme-deploys/unideploy");
  }

  @Test
  void thePublishResultIsTheDocumentedOne() throws Exception {
    assertThat(written(publishResult())).isEqualTo(documented("publish"));
  }

  @Test
  void theDeployResultIsTheDocumentedOne() throws Exception {
    assertThat(written(deployResult())).isEqualTo(documented("deploy"));
  }

  /** What a reader of the output parses (numbers as text, whatever Java type they came from). */
  private static JsonNode written(Object result) throws Exception {
    return JSON.readTree(ResultJson.write(result));
  }

  /** The JSON block after the line {@code <!-- example: NAME -->} in docs/output.md. */
  private static JsonNode documented(String name) throws Exception {
    String doc = Files.readString(DOC);
    Matcher m =
        Pattern.compile(
                "<!-- example: " + Pattern.quote(name) + " -->\\s*```json\\n(.*?)```",
                Pattern.DOTALL)
            .matcher(doc);
    assertThat(m.find()).as("docs/output.md has an example called %s", name).isTrue();
    return JSON.readTree(m.group(1));
  }
}
