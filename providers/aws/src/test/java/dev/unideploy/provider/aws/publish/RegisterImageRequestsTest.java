package dev.unideploy.provider.aws.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.pipeline.config.PublishSettings;
import dev.unideploy.pipeline.spi.PublishRequest;
import dev.unideploy.provider.aws.settings.AmiSettings;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.model.BlockDeviceMapping;
import software.amazon.awssdk.services.ec2.model.RegisterImageRequest;

class RegisterImageRequestsTest {

  @Test
  void carriesEveryFlagAUnikernelOnNitroNeeds() {
    PublishRequest request = Requests.request(Requests.settings("x86_64", "uefi"));
    AmiSettings ami = new AmiSettings("/dev/sda1", "gp3", 8, true, true, true, true, null);

    RegisterImageRequest r =
        RegisterImageRequests.build(request, ami, "snap-123", Map.of("unideploy:app", "demo"));

    assertThat(r.name()).isEqualTo("demo-1.0.0-01234567");
    assertThat(r.description()).isEqualTo("demo 1.0.0 (01234567), published by unideploy");
    assertThat(r.architectureAsString()).isEqualTo("x86_64");
    assertThat(r.virtualizationType()).isEqualTo("hvm");
    assertThat(r.rootDeviceName()).isEqualTo("/dev/sda1");
    BlockDeviceMapping bdm = r.blockDeviceMappings().get(0);
    assertThat(r.blockDeviceMappings()).hasSize(1);
    assertThat(bdm.deviceName()).isEqualTo("/dev/sda1");
    assertThat(bdm.ebs().snapshotId()).isEqualTo("snap-123");
    assertThat(bdm.ebs().volumeSize()).isEqualTo(8);
    assertThat(bdm.ebs().volumeTypeAsString()).isEqualTo("gp3");
    assertThat(bdm.ebs().deleteOnTermination()).isTrue();
    assertThat(r.enaSupport()).isTrue();
    assertThat(r.sriovNetSupport()).isEqualTo("simple");
    assertThat(r.bootModeAsString()).isEqualTo("uefi");
    assertThat(r.tpmSupportAsString()).isEqualTo("v2.0");
    assertThat(r.imdsSupportAsString()).isEqualTo("v2.0");
    assertThat(r.tagSpecifications().get(0).resourceTypeAsString()).isEqualTo("image");
    assertThat(r.tagSpecifications().get(0).tags()).hasSize(1);
  }

  @Test
  void leavesOutWhatIsSwitchedOff() {
    PublishRequest request = Requests.request(Requests.settings("arm64", "uefi-preferred"));
    AmiSettings ami = new AmiSettings(null, "gp2", null, false, false, false, false, "{app}");

    RegisterImageRequest r = RegisterImageRequests.build(request, ami, "snap-1", Map.of());

    assertThat(r.architectureAsString()).isEqualTo("arm64");
    assertThat(r.bootModeAsString()).isEqualTo("uefi-preferred");
    assertThat(r.enaSupport()).isFalse();
    assertThat(r.sriovNetSupport()).isNull();
    assertThat(r.tpmSupport()).isNull();
    assertThat(r.imdsSupport()).isNull();
    assertThat(r.description()).isEqualTo("demo");
    // 3 MiB disk: the smallest EBS volume, 1 GiB.
    assertThat(r.blockDeviceMappings().get(0).ebs().volumeSize()).isEqualTo(1);
    assertThat(r.blockDeviceMappings().get(0).ebs().volumeTypeAsString()).isEqualTo("gp2");
  }

  @Test
  void legacyBiosIsTheDefaultBootMode() {
    RegisterImageRequest r =
        RegisterImageRequests.build(
            Requests.request(PublishSettings.defaults()),
            AmiSettings.defaults(),
            "snap-1",
            Map.of());
    assertThat(r.bootModeAsString()).isEqualTo("legacy-bios");
    assertThat(r.rootDeviceName()).isEqualTo("/dev/xvda");
  }

  @Test
  void refusesWhatAwsWouldRefuse() {
    AmiSettings tpm = new AmiSettings(null, null, null, null, null, true, null, null);
    assertThatThrownBy(
            () ->
                RegisterImageRequests.validate(
                    Requests.request(Requests.settings("x86_64", "legacy-bios")), tpm))
        .hasMessageContaining("tpm needs UEFI");
    assertThatThrownBy(
            () ->
                RegisterImageRequests.validate(
                    Requests.request(Requests.settings("arm64", "bios")), AmiSettings.defaults()))
        .hasMessageContaining("arm64");
    PublishSettings badName = new PublishSettings("{app}#{version}", null, null, 0);
    assertThatThrownBy(
            () -> RegisterImageRequests.validate(Requests.request(badName), AmiSettings.defaults()))
        .hasMessageContaining("AMI name 'demo#1.0.0'")
        .hasMessageContaining("publish.name");
    PublishSettings longName = new PublishSettings("x".repeat(129), null, null, 0);
    assertThatThrownBy(
            () ->
                RegisterImageRequests.validate(Requests.request(longName), AmiSettings.defaults()))
        .hasMessageContaining("3-128");
    RegisterImageRequests.validate(Requests.request(Requests.settings("x86_64", "uefi")), tpm);
  }

  @Test
  void nameTemplateFillsAppVersionAndHash() {
    PublishSettings custom = new PublishSettings("{app}/{version} ({sha8})", null, null, 0);
    assertThat(Requests.request(custom).imageName()).isEqualTo("demo/1.0.0 (01234567)");
    RegisterImageRequests.validate(Requests.request(custom), AmiSettings.defaults());
  }
}
