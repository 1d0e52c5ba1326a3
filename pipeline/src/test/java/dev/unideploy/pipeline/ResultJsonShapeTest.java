package dev.unideploy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unideploy.pipeline.publish.PublishResult;
import dev.unideploy.pipeline.qemu.BootOutcome;
import dev.unideploy.pipeline.rollout.DeployResult;
import dev.unideploy.pipeline.rollout.HistoryResult;
import dev.unideploy.pipeline.rollout.InstanceReport;
import dev.unideploy.pipeline.rollout.RollbackResult;
import dev.unideploy.pipeline.rollout.RolloutSummary;
import dev.unideploy.pipeline.rollout.StatusResult;
import dev.unideploy.pipeline.spi.PublishedImage;
import dev.unideploy.pipeline.spi.RegionImage;
import dev.unideploy.pipeline.spi.RetiredImage;
import dev.unideploy.pipeline.spi.UploadedDisk;
import dev.unideploy.pipeline.verify.VerifyResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
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

  static final List<String> PLAN =
      List.of(
          "create web-v007 with 2 instance(s), not in service",
          "wait until 2 instance(s) of web-v007 are healthy",
          "put web-v007 in service",
          "wait until 2 instance(s) of web-v007 are healthy behind the load balancer",
          "take web-v006 out of service (drained)",
          "commit: the new release serves; later steps only clean up",
          "resize web-v006 to 0 instance(s)",
          "destroy web-v005");

  static DeployResult deployResult() {
    return new DeployResult(
        "aws",
        "web",
        "1.2.0",
        "blue-green",
        "deployed",
        "20261206T170000Z-a1b2c3",
        "web-v007",
        "web-v006",
        null,
        List.of(
            new InstanceReport(
                "i-0a1",
                "healthy",
                "console: READY web 1.2.0; load balancer says healthy",
                List.of())),
        List.of("web-v006"),
        List.of("web-v005"),
        "http://web-1234.us-east-1.elb.amazonaws.com",
        PLAN,
        null,
        null,
        "s3://acme-deploys/unideploy");
  }

  static DeployResult rolledBackResult() {
    return new DeployResult(
        "local",
        "web",
        "3",
        "blue-green",
        "rolled-back",
        "20261206T171500Z-0f9e8d",
        "web-v003",
        "web-v002",
        "web-v003-0 of web-v003 failed its health checks",
        List.of(
            new InstanceReport(
                "web-v003-0",
                "failed",
                "the guest printed a panic line: Kernel panic - not syncing: Attempted to kill init!",
                List.of(
                    "Run /init as init process",
                    "Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000000"))),
        List.of(),
        List.of(),
        "http://127.0.0.1:8080",
        List.of(
            "create web-v003 with 1 instance(s), not in service",
            "wait until 1 instance(s) of web-v003 are healthy",
            "put web-v003 in service",
            "wait until 1 instance(s) of web-v003 are healthy behind the load balancer",
            "take web-v002 out of service (drained)",
            "commit: the new release serves; later steps only clean up",
            "resize web-v002 to 0 instance(s)"),
        null,
        null,
        "/home/me/.unideploy/state");
  }

  static RollbackResult rollbackResult() {
    return new RollbackResult(
        "aws",
        "web",
        "rolled-back",
        "20261206T180000Z-77aa01",
        "web-v006",
        "1.1.0",
        List.of("web-v007"),
        null,
        List.of(
            new InstanceReport(
                "i-0b2",
                "healthy",
                "console: READY web 1.1.0; load balancer says healthy",
                List.of())),
        "http://web-1234.us-east-1.elb.amazonaws.com",
        List.of(
            "resize web-v006 to 2 instance(s)",
            "wait until 2 instance(s) of web-v006 are healthy",
            "put web-v006 in service",
            "wait until 2 instance(s) of web-v006 are healthy behind the load balancer",
            "take web-v007 out of service (drained)",
            "commit: the new release serves; later steps only clean up",
            "resize web-v007 to 0 instance(s)"),
        null,
        "s3://acme-deploys/unideploy");
  }

  static RolloutSummary summary() {
    return new RolloutSummary(
        "20261206T170000Z-a1b2c3",
        "deploy",
        "1.2.0",
        "blue-green",
        "web-v007",
        List.of("web-v006"),
        "deployed",
        null,
        Instant.parse("2026-12-06T17:00:00Z"),
        Instant.parse("2026-12-06T17:01:12Z"),
        8,
        8);
  }

  static StatusResult statusResult() {
    return new StatusResult(
        "aws",
        "web",
        List.of("web-v007"),
        "http://web-1234.us-east-1.elb.amazonaws.com",
        List.of(
            new StatusResult.GroupStatus(
                "web-v006",
                "1.1.0",
                "ami-0fedcba9876543210",
                0,
                false,
                0,
                Instant.parse("2026-12-01T09:00:00Z"),
                List.of(),
                Map.of()),
            new StatusResult.GroupStatus(
                "web-v007",
                "1.2.0",
                "ami-0123456789abcdef0",
                1,
                true,
                1,
                Instant.parse("2026-12-06T17:00:03Z"),
                List.of(
                    new StatusResult.InstanceStatus(
                        "i-0a1",
                        "running",
                        "healthy",
                        "healthy",
                        "console: READY web 1.2.0; load balancer says healthy")),
                Map.of("autoScalingGroup", "web-v007"))),
        null,
        null,
        summary(),
        "s3://acme-deploys/unideploy");
  }

  static HistoryResult historyResult() {
    return new HistoryResult(
        "aws",
        "web",
        List.of(
            summary(),
            new RolloutSummary(
                "20261205T101500Z-3c4d5e",
                "deploy",
                "1.1.0",
                "canary",
                "web-v006",
                List.of("web-v005"),
                "deployed",
                null,
                Instant.parse("2026-12-05T10:15:00Z"),
                Instant.parse("2026-12-05T10:25:20Z"),
                14,
                14)));
  }

  @Test
  void thePublishResultIsTheDocumentedOne() throws Exception {
    assertThat(written(publishResult())).isEqualTo(documented("publish"));
  }

  @Test
  void theDeployResultIsTheDocumentedOne() throws Exception {
    assertThat(written(deployResult())).isEqualTo(documented("deploy"));
    assertThat(written(rolledBackResult())).isEqualTo(documented("deploy-rolled-back"));
  }

  @Test
  void theRollbackStatusAndHistoryResultsAreTheDocumentedOnes() throws Exception {
    assertThat(written(rollbackResult())).isEqualTo(documented("rollback"));
    assertThat(written(statusResult())).isEqualTo(documented("status"));
    assertThat(written(historyResult())).isEqualTo(documented("history"));
  }

  /** Prints the examples (run by hand after changing a result type, then paste them). */
  public static void main(String[] args) {
    for (Object o :
        List.of(
            deployResult(),
            rolledBackResult(),
            rollbackResult(),
            statusResult(),
            historyResult())) {
      System.out.println(ResultJson.write(o));
    }
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
