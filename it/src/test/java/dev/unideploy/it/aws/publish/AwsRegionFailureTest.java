package dev.unideploy.it.aws.publish;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.it.aws.publish.MotoPublish.Run;
import dev.unideploy.pipeline.events.LogEvent;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.ParameterNotFoundException;

/**
 * One region refusing CopyImage (as it would without the permission there) leaves the other regions
 * published, shared and reported, and the result names the failed region.
 */
class AwsRegionFailureTest {
  @TempDir Path dir;

  @Test
  void aFailedRegionDoesNotLoseTheOthers() throws Exception {
    String app = MotoPublish.uniqueApp("partial");
    var config =
        MotoPublish.config(
            dir,
            """
            app: %s
            version: "7"
            providers:
              aws:
                region: us-east-1
                copyTo: [eu-west-1, us-west-2]
                endpoint: %s
                latestParameter: true
                waits: {available: 60s, copy: 120s, pollInterval: 1s}
                retry: {maxAttempts: 3}
            """
                .formatted(app, MotoPublish.endpoint()));

    Run run =
        MotoPublish.publish(
            config,
            MotoPublish.disk(dir, 7),
            dir.resolve("work"),
            false,
            List.of(new FailingInterceptor("CopyImage", "eu-west-1")));

    assertThat(run.result().get("failedRegions")).isEqualTo(List.of("eu-west-1"));
    assertThat(run.region("eu-west-1").get("ok")).isEqualTo(false);
    assertThat((String) run.region("eu-west-1").get("error"))
        .contains("CopyImage in eu-west-1 failed")
        .contains("UnauthorizedOperation")
        .contains("docs/aws-iam.md");
    assertThat(run.region("us-west-2").get("ok")).isEqualTo(true);
    String west = run.imageId("us-west-2");
    try (Ec2Client ec2 = MotoPublish.ec2("us-west-2")) {
      assertThat(ec2.describeImages(d -> d.imageIds(west)).images()).hasSize(1);
    }
    try (SsmClient ssm = MotoPublish.ssm("us-west-2")) {
      assertThat(ssm.getParameter(g -> g.name("/unideploy/" + app + "/latest")).parameter().value())
          .isEqualTo(west);
    }
    try (SsmClient ssm = MotoPublish.ssm("eu-west-1")) {
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> ssm.getParameter(g -> g.name("/unideploy/" + app + "/latest")))
          .isInstanceOf(ParameterNotFoundException.class);
    }
    assertThat(run.events().eventsOf(LogEvent.class))
        .filteredOn(e -> e.level() == LogEvent.Level.WARN)
        .extracting(LogEvent::message)
        .anySatisfy(m -> assertThat(m).startsWith("eu-west-1: copy failed"));

    // The re-run without the fault finishes the missing region and reuses the rest.
    RequestRecorder recorder = new RequestRecorder();
    Run again =
        MotoPublish.publish(
            config, MotoPublish.disk(dir, 7), dir.resolve("work"), false, List.of(recorder));
    assertThat(again.result().get("failedRegions")).isEqualTo(List.of());
    assertThat(again.region("us-west-2").get("reused")).isEqualTo(true);
    assertThat(again.region("eu-west-1").get("reused")).isEqualTo(false);
    assertThat(recorder.calls())
        .filteredOn(c -> c.operation().equals("CopyImage"))
        .extracting(RequestRecorder.Call::region)
        .containsExactly("eu-west-1");
  }
}
