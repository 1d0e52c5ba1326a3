package dev.unideploy.it.aws.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.it.aws.publish.MotoPublish.Run;
import dev.unideploy.pipeline.config.DeployConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.Image;

/**
 * Retention on moto: three versions with keep 2 leave the two newest in every region, delete the
 * oldest with its snapshots, and never touch an image unideploy did not make, even one tagged with
 * the same app name. A dry run lists without deleting.
 */
class AwsRetentionTest {
  @TempDir Path dir;

  private DeployConfig config(String app, String version, int keep) throws Exception {
    return MotoPublish.config(
        dir,
        """
        app: %s
        version: "%s"
        publish:
          keep: %d
        providers:
          aws:
            region: us-east-1
            copyTo: [eu-west-1]
            endpoint: %s
            waits: {available: 60s, copy: 120s, pollInterval: 1s}
            retry: {maxAttempts: 3}
        """
            .formatted(app, version, keep, MotoPublish.endpoint()));
  }

  @Test
  void keepsTheNewestTwoAndLeavesForeignImagesAlone() throws Exception {
    String app = MotoPublish.uniqueApp("keep");
    String unmanagedHome;
    String lookalikeHome;
    try (Ec2Client ec2 = MotoPublish.ec2("us-east-1")) {
      // An image of the same account made by hand, and one that claims the app but not management.
      unmanagedHome = ec2.registerImage(r -> r.name(app + "-by-hand")).imageId();
      lookalikeHome = ec2.registerImage(r -> r.name(app + "-lookalike")).imageId();
      ec2.createTags(t -> t.resources(lookalikeHome).tags(tag("unideploy:app", app)));
    }

    List<Run> runs = new ArrayList<>();
    for (int v = 1; v <= 3; v++) {
      runs.add(
          MotoPublish.publish(
              config(app, "1.0." + v, 2),
              MotoPublish.disk(dir, 100 + v),
              dir.resolve("work"),
              false,
              List.of()));
    }
    Run first = runs.get(0);
    Run last = runs.get(2);
    assertThat(runs.get(0).retired()).isEmpty();
    assertThat(runs.get(1).retired()).isEmpty();
    assertThat(last.retired())
        .as(last.log())
        .extracting(r -> r.get("region"), r -> r.get("imageId"), r -> r.get("dryRun"))
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("us-east-1", first.imageId("us-east-1"), false),
            org.assertj.core.groups.Tuple.tuple("eu-west-1", first.imageId("eu-west-1"), false));

    for (String region : List.of("us-east-1", "eu-west-1")) {
      try (Ec2Client ec2 = MotoPublish.ec2(region)) {
        assertThat(images(ec2, first.imageId(region))).as("oldest in %s", region).isEmpty();
        assertThat(images(ec2, runs.get(1).imageId(region))).hasSize(1);
        assertThat(images(ec2, last.imageId(region))).hasSize(1);
        // The oldest image's snapshots went with it, including the uploaded one in us-east-1.
        List<String> snapshots = first.snapshotIds(region);
        assertThat(snapshots).isNotEmpty();
        Map<String, Object> retired =
            last.retired().stream()
                .filter(r -> region.equals(r.get("region")))
                .findFirst()
                .orElseThrow();
        assertThat(retired.get("deletedResources")).isEqualTo(snapshots);
        for (String snapshot : snapshots) {
          assertThatThrownBy(() -> ec2.describeSnapshots(d -> d.snapshotIds(snapshot)))
              .isInstanceOfSatisfying(
                  Ec2Exception.class,
                  e ->
                      assertThat(e.awsErrorDetails().errorCode())
                          .isEqualTo("InvalidSnapshot.NotFound"));
        }
      }
    }
    try (Ec2Client ec2 = MotoPublish.ec2("us-east-1")) {
      assertThat(images(ec2, unmanagedHome)).hasSize(1);
      assertThat(images(ec2, lookalikeHome)).hasSize(1);
    }
  }

  @Test
  void dryRunListsWithoutDeleting() throws Exception {
    String app = MotoPublish.uniqueApp("dry");
    Run v1 =
        MotoPublish.publish(
            config(app, "1", 0), MotoPublish.disk(dir, 201), dir.resolve("w"), false, List.of());
    Run v2 =
        MotoPublish.publish(
            config(app, "2", 0), MotoPublish.disk(dir, 202), dir.resolve("w"), false, List.of());
    assertThat(v2.retired()).isEmpty();

    RequestRecorder recorder = new RequestRecorder();
    Run dry =
        MotoPublish.publish(
            config(app, "2", 1),
            MotoPublish.disk(dir, 202),
            dir.resolve("w"),
            true,
            List.of(recorder));

    assertThat(dry.retired())
        .extracting(r -> r.get("imageId"), r -> r.get("dryRun"))
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(v1.imageId("us-east-1"), true),
            org.assertj.core.groups.Tuple.tuple(v1.imageId("eu-west-1"), true));
    assertThat(recorder.mutating()).isEmpty();
    try (Ec2Client ec2 = MotoPublish.ec2("us-east-1")) {
      assertThat(images(ec2, v1.imageId("us-east-1"))).hasSize(1);
    }
  }

  private static List<Image> images(Ec2Client ec2, String id) {
    return ec2.describeImages(d -> d.imageIds(id)).images();
  }

  private static software.amazon.awssdk.services.ec2.model.Tag tag(String k, String v) {
    return software.amazon.awssdk.services.ec2.model.Tag.builder().key(k).value(v).build();
  }

  /**
   * DeregisterImage whose first attempt reached EC2 but whose answer was lost (a timeout): the
   * retry hears InvalidAMIID.NotFound, which means done, and the image's snapshots are still
   * deleted.
   */
  @Test
  void aDeregistrationThatSucceededButTimedOutIsDoneAndItsSnapshotsGo() throws Exception {
    String app = MotoPublish.uniqueApp("lost");
    Run first =
        MotoPublish.publish(
            config(app, "1.0.1", 1),
            MotoPublish.disk(dir, 301),
            dir.resolve("w"),
            false,
            List.of());
    java.util.concurrent.atomic.AtomicInteger lost =
        new java.util.concurrent.atomic.AtomicInteger();
    software.amazon.awssdk.core.interceptor.ExecutionInterceptor loseAnswer =
        new software.amazon.awssdk.core.interceptor.ExecutionInterceptor() {
          @Override
          public void afterTransmission(
              software.amazon.awssdk.core.interceptor.Context.AfterTransmission context,
              software.amazon.awssdk.core.interceptor.ExecutionAttributes attributes) {
            if ("DeregisterImage"
                    .equals(
                        attributes.getAttribute(
                            software.amazon.awssdk.core.interceptor.SdkExecutionAttribute
                                .OPERATION_NAME))
                && lost.getAndIncrement() < 2) {
              throw software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException.create(
                  1000);
            }
          }
        };
    Run second =
        MotoPublish.publish(
            config(app, "1.0.2", 1),
            MotoPublish.disk(dir, 302),
            dir.resolve("w"),
            false,
            List.of(loseAnswer));

    assertThat(lost.get()).isGreaterThanOrEqualTo(2);
    assertThat(second.retired())
        .as(second.log())
        .extracting(r -> r.get("imageId"))
        .contains(first.imageId("us-east-1"), first.imageId("eu-west-1"));
    try (Ec2Client ec2 = MotoPublish.ec2("us-east-1")) {
      assertThat(images(ec2, first.imageId("us-east-1"))).isEmpty();
      List<String> snapshots = first.snapshotIds("us-east-1");
      assertThat(snapshots).isNotEmpty();
      for (String snapshot : snapshots) {
        assertThatThrownBy(() -> ec2.describeSnapshots(d -> d.snapshotIds(snapshot)))
            .isInstanceOf(Ec2Exception.class);
      }
    }
  }
}
