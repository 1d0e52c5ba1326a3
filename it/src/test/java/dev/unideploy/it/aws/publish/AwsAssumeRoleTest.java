package dev.unideploy.it.aws.publish;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.it.aws.publish.MotoPublish.Run;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sts.model.AssumeRoleRequest;

/**
 * Credentials through assumed roles: one role for every region, another for a region that names its
 * own, each assumed with the session name and external id from the config, in its region.
 */
class AwsAssumeRoleTest {
  private static final String ROLE = "arn:aws:iam::123456789012:role/unideploy-publish";
  private static final String EU_ROLE = "arn:aws:iam::123456789012:role/unideploy-publish-eu";

  @TempDir Path dir;

  @Test
  void assumesTheConfiguredRoleInEachRegion() throws Exception {
    String app = MotoPublish.uniqueApp("role");
    var config =
        MotoPublish.twoRegions(
            dir,
            app,
            MotoPublish.endpoint().toString(),
            """
            credentials:
              roleArn: %s
              externalId: ext-secret-1234
              sessionName: ci-publish
              regions:
                eu-west-1: {roleArn: "%s"}
            """
                .formatted(ROLE, EU_ROLE));
    RequestRecorder recorder = new RequestRecorder();

    Run run =
        MotoPublish.publish(
            config, MotoPublish.disk(dir, 77), dir.resolve("w"), false, List.of(recorder));

    assertThat(run.result().get("failedRegions")).as(run.log()).isEqualTo(List.of());
    List<RequestRecorder.Call> assumed =
        recorder.calls().stream().filter(c -> c.operation().equals("AssumeRole")).toList();
    assertThat(assumed)
        .extracting(
            RequestRecorder.Call::region,
            c -> ((AssumeRoleRequest) c.request()).roleArn(),
            c -> ((AssumeRoleRequest) c.request()).roleSessionName(),
            c -> ((AssumeRoleRequest) c.request()).externalId())
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("us-east-1", ROLE, "ci-publish", "ext-secret-1234"),
            org.assertj.core.groups.Tuple.tuple("eu-west-1", EU_ROLE, "ci-publish", null));
    // The external id is a shared secret: it must not reach events or the result.
    assertThat(run.log()).doesNotContain("ext-secret-1234");
    assertThat(run.result().toString()).doesNotContain("ext-secret-1234");
  }
}
