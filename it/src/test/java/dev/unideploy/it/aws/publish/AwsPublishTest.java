package dev.unideploy.it.aws.publish;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.it.aws.publish.MotoPublish.Run;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.events.LogEvent;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.BlockDeviceMapping;
import software.amazon.awssdk.services.ec2.model.CopyImageRequest;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.ImageAttributeName;
import software.amazon.awssdk.services.ec2.model.LaunchPermission;
import software.amazon.awssdk.services.ec2.model.ModifyImageAttributeRequest;
import software.amazon.awssdk.services.ec2.model.ModifySnapshotAttributeRequest;
import software.amazon.awssdk.services.ec2.model.RegisterImageRequest;
import software.amazon.awssdk.services.ec2.model.SnapshotAttributeName;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.Parameter;

/**
 * Publishes a real (small) disk to moto in two regions, end to end through the pipeline: upload
 * with the EBS direct APIs, register, copy, share, SSM pointer. Then publishes it again and proves
 * nothing is created or changed.
 */
class AwsPublishTest {
  private static final String OTHER_ACCOUNT = "111122223333";
  private static final String ORG =
      "arn:aws:organizations::123456789012:organization/o-exampleorg1";
  private static final String OU =
      "arn:aws:organizations::123456789012:ou/o-exampleorg1/ou-ab12-cd34ef56";

  @TempDir Path dir;

  private DeployConfig config(String app) throws Exception {
    return MotoPublish.config(
        dir,
        """
        app: %s
        version: "1.2.3"
        publish:
          bootMode: uefi
          keep: 0
        providers:
          aws:
            region: us-east-1
            copyTo: [eu-west-1]
            endpoint: %s
            image:
              volumeSize: 2
              tpm: true
            share:
              accounts: ["%s"]
              organizations: ["%s"]
              organizationalUnits: ["%s"]
            latestParameter: true
            waits: {available: 60s, copy: 120s, pollInterval: 1s}
            retry: {maxAttempts: 3}
        """
            .formatted(app, MotoPublish.endpoint(), OTHER_ACCOUNT, ORG, OU));
  }

  @Test
  void publishesToEveryRegionThenReRunChangesNothing() throws Exception {
    String app = MotoPublish.uniqueApp("e2e");
    DeployConfig config = config(app);
    Path disk = MotoPublish.disk(dir, 1);
    RequestRecorder first = new RequestRecorder();

    Run run = MotoPublish.publish(config, disk, dir.resolve("work"), false, List.of(first));

    assertThat(run.result().get("failedRegions")).as(run.log()).isEqualTo(List.of());
    assertThat(run.result().get("reused")).isEqualTo(false);
    String sha = (String) run.result().get("sha256");
    String home = run.imageId("us-east-1");
    String copy = run.imageId("eu-west-1");
    assertThat(home).startsWith("ami-");
    assertThat(copy).startsWith("ami-").isNotEqualTo(home);
    @SuppressWarnings("unchecked") // result document
    Map<String, Object> upload = (Map<String, Object>) run.result().get("upload");
    String snapshot = (String) upload.get("handle");
    assertThat(snapshot).startsWith("snap-");
    @SuppressWarnings("unchecked") // result document
    Map<String, Object> attributes =
        (Map<String, Object>) run.region("us-east-1").get("attributes");
    assertThat(((String) attributes.get("snapshotIds")).split(",")).contains(snapshot);

    // The AMI exists in both regions, tagged for re-runs and retention.
    for (String[] regionAndId : new String[][] {{"us-east-1", home}, {"eu-west-1", copy}}) {
      try (Ec2Client ec2 = MotoPublish.ec2(regionAndId[0])) {
        Image image = ec2.describeImages(d -> d.imageIds(regionAndId[1])).images().get(0);
        Map<String, String> tags = tags(image.tags());
        assertThat(tags)
            .containsEntry("unideploy:managed", "true")
            .containsEntry("unideploy:app", app)
            .containsEntry("unideploy:app-version", "1.2.3")
            .containsEntry("unideploy:sha256", sha)
            .containsEntry("unideploy:source", disk.getFileName().toString())
            .containsKey("unideploy:version")
            .containsKey("unideploy:settings");
        assertThat(image.name()).isEqualTo(app + "-1.2.3-" + sha.substring(0, 8));

        // Shared with the account, the organization and the OU, and not public.
        List<LaunchPermission> perms =
            ec2.describeImageAttribute(
                    d -> d.imageId(regionAndId[1]).attribute(ImageAttributeName.LAUNCH_PERMISSION))
                .launchPermissions();
        assertThat(perms)
            .extracting(
                LaunchPermission::userId,
                LaunchPermission::organizationArn,
                LaunchPermission::organizationalUnitArn,
                LaunchPermission::groupAsString)
            .containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple(OTHER_ACCOUNT, null, null, null),
                org.assertj.core.groups.Tuple.tuple(null, ORG, null, null),
                org.assertj.core.groups.Tuple.tuple(null, null, OU, null));

        // The account can also read the snapshots (needed to copy the AMI).
        for (BlockDeviceMapping m : image.blockDeviceMappings()) {
          assertThat(
                  ec2.describeSnapshotAttribute(
                          d ->
                              d.snapshotId(m.ebs().snapshotId())
                                  .attribute(SnapshotAttributeName.CREATE_VOLUME_PERMISSION))
                      .createVolumePermissions())
              .extracting(p -> p.userId())
              .containsExactly(OTHER_ACCOUNT);
        }
      }
      try (SsmClient ssm = MotoPublish.ssm(regionAndId[0])) {
        Parameter p = ssm.getParameter(g -> g.name("/unideploy/" + app + "/latest")).parameter();
        assertThat(p.value()).isEqualTo(regionAndId[1]);
        assertThat(p.dataType()).isEqualTo("aws:ec2:image");
      }
    }

    // moto ignores these RegisterImage fields, so the request itself is the evidence.
    List<RegisterImageRequest> registers =
        first.requests("RegisterImage", RegisterImageRequest.class);
    assertThat(registers).hasSize(1);
    RegisterImageRequest reg = registers.get(0);
    assertThat(reg.architectureAsString()).isEqualTo("x86_64");
    assertThat(reg.virtualizationType()).isEqualTo("hvm");
    assertThat(reg.rootDeviceName()).isEqualTo("/dev/xvda");
    assertThat(reg.blockDeviceMappings()).hasSize(1);
    BlockDeviceMapping bdm = reg.blockDeviceMappings().get(0);
    assertThat(bdm.deviceName()).isEqualTo("/dev/xvda");
    assertThat(bdm.ebs().snapshotId()).isEqualTo(snapshot);
    assertThat(bdm.ebs().volumeTypeAsString()).isEqualTo("gp3");
    assertThat(bdm.ebs().volumeSize()).isEqualTo(2);
    assertThat(bdm.ebs().deleteOnTermination()).isTrue();
    assertThat(reg.enaSupport()).isTrue();
    assertThat(reg.sriovNetSupport()).isEqualTo("simple");
    assertThat(reg.bootModeAsString()).isEqualTo("uefi");
    assertThat(reg.tpmSupportAsString()).isEqualTo("v2.0");
    assertThat(reg.imdsSupportAsString()).isEqualTo("v2.0");
    assertThat(tags(reg.tagSpecifications().get(0).tags())).containsEntry("unideploy:sha256", sha);

    // Sharing only ever adds: no permission request removes anything.
    assertThat(first.requests("ModifyImageAttribute", ModifyImageAttributeRequest.class))
        .isNotEmpty()
        .allSatisfy(m -> assertThat(m.launchPermission().remove()).isEmpty());
    assertThat(first.requests("ModifySnapshotAttribute", ModifySnapshotAttributeRequest.class))
        .isNotEmpty()
        .allSatisfy(
            m -> {
              assertThat(m.operationTypeAsString()).isEqualTo("add");
              assertThat(
                      m.createVolumePermission() == null
                          || m.createVolumePermission().remove().isEmpty())
                  .isTrue();
            });

    // The copy went to eu-west-1 with an idempotency token, asked for from the destination.
    List<CopyImageRequest> copies = first.requests("CopyImage", CopyImageRequest.class);
    assertThat(copies).hasSize(1);
    assertThat(copies.get(0).sourceRegion()).isEqualTo("us-east-1");
    assertThat(copies.get(0).sourceImageId()).isEqualTo(home);
    assertThat(copies.get(0).clientToken()).isNotBlank().hasSizeLessThanOrEqualTo(64);
    assertThat(first.calls())
        .filteredOn(c -> c.operation().equals("CopyImage"))
        .extracting(RequestRecorder.Call::region)
        .containsExactly("eu-west-1");

    // Second run: same image, same settings. Nothing is created, copied, shared or written.
    RequestRecorder second = new RequestRecorder();
    Run again = MotoPublish.publish(config, disk, dir.resolve("work"), false, List.of(second));

    assertThat(second.mutating()).as(again.log()).isEmpty();
    assertThat(again.result().get("reused")).isEqualTo(true);
    assertThat(again.imageId("us-east-1")).isEqualTo(home);
    assertThat(again.imageId("eu-west-1")).isEqualTo(copy);
    assertThat(again.region("eu-west-1").get("reused")).isEqualTo(true);
    assertThat(again.result()).doesNotContainKey("upload");
    assertThat(again.events().eventsOf(LogEvent.class))
        .extracting(LogEvent::message)
        .anySatisfy(m -> assertThat(m).contains("already exists for this content"))
        .anySatisfy(m -> assertThat(m).contains("already in place: no change"));
  }

  static Map<String, String> tags(List<Tag> tags) {
    return tags.stream().collect(java.util.stream.Collectors.toMap(Tag::key, Tag::value));
  }
}
