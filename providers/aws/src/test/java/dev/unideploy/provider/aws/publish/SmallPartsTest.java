package dev.unideploy.provider.aws.publish;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.provider.aws.settings.ShareSettings;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.model.LaunchPermission;

/** Launch permissions, copy tokens and SSM names: the small pure pieces of publishing. */
class SmallPartsTest {
  private static final String ORG = "arn:aws:organizations::123456789012:organization/o-abcdefghij";

  @Test
  void launchPermissionsArePublicOnlyWhenAskedFor() {
    ShareSettings share =
        new ShareSettings(List.of("111122223333"), List.of(ORG), null, null, null);
    List<LaunchPermission> wanted = LaunchPermissions.wanted(share);
    assertThat(wanted)
        .extracting(LaunchPermissions::key)
        .containsExactly("user:111122223333", "org:" + ORG);

    ShareSettings open = new ShareSettings(null, null, null, true, null);
    assertThat(LaunchPermissions.wanted(open))
        .extracting(LaunchPermissions::key)
        .containsExactly("group:all");
  }

  @Test
  void onlyMissingPermissionsAreAdded() {
    ShareSettings share =
        new ShareSettings(List.of("111122223333", "444455556666"), List.of(ORG), null, null, null);
    List<LaunchPermission> present =
        List.of(
            LaunchPermission.builder().userId("111122223333").build(),
            LaunchPermission.builder().userId("999999999999").build());
    assertThat(LaunchPermissions.missing(LaunchPermissions.wanted(share), present))
        .extracting(LaunchPermissions::key)
        .containsExactly("user:444455556666", "org:" + ORG);
    assertThat(
            LaunchPermissions.missing(
                LaunchPermissions.wanted(share), LaunchPermissions.wanted(share)))
        .isEmpty();
  }

  @Test
  void copyTokenIsStablePerRegionAndWithinTheAwsLimit() {
    String a = AmiCopier.clientToken(Requests.SHA, "fp", "ami-1", "eu-west-1");
    assertThat(a).isEqualTo(AmiCopier.clientToken(Requests.SHA, "fp", "ami-1", "eu-west-1"));
    assertThat(a).hasSizeLessThanOrEqualTo(64).matches("[\\x21-\\x7e]+");
    assertThat(AmiCopier.clientToken(Requests.SHA, "fp", "ami-1", "us-west-2")).isNotEqualTo(a);
    assertThat(AmiCopier.clientToken(Requests.SHA, "fp", "ami-2", "eu-west-1")).isNotEqualTo(a);
    assertThat(AmiCopier.clientToken(Requests.SHA, "fq", "ami-1", "eu-west-1")).isNotEqualTo(a);
  }

  @Test
  void latestParameterNameFromTemplate() {
    assertThat(LatestParameterWriter.name("/unideploy/{app}/latest", "demo"))
        .isEqualTo("/unideploy/demo/latest");
    assertThat(LatestParameterWriter.name("unideploy/{app}/latest", "demo"))
        .isEqualTo("/unideploy/demo/latest");
    assertThat(LatestParameterWriter.name("demo-latest", "demo")).isEqualTo("demo-latest");
  }
}
