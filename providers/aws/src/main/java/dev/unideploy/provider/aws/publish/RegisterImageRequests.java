package dev.unideploy.provider.aws.publish;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.PublishSettings;
import dev.unideploy.pipeline.spi.PublishRequest;
import dev.unideploy.provider.aws.settings.AmiSettings;
import java.util.Map;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.ec2.model.ArchitectureValues;
import software.amazon.awssdk.services.ec2.model.BlockDeviceMapping;
import software.amazon.awssdk.services.ec2.model.BootModeValues;
import software.amazon.awssdk.services.ec2.model.EbsBlockDevice;
import software.amazon.awssdk.services.ec2.model.ImdsSupportValues;
import software.amazon.awssdk.services.ec2.model.RegisterImageRequest;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.TagSpecification;
import software.amazon.awssdk.services.ec2.model.TpmSupportValues;

/**
 * Builds the RegisterImage request for an uploaded snapshot: one EBS root volume, hardware
 * virtualization, and the flags a unikernel on Nitro needs. See
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RegisterImage.html.
 */
public final class RegisterImageRequests {
  private static final Pattern AMI_NAME = Pattern.compile("[A-Za-z0-9()\\[\\] ./\\-'@_]+");

  private RegisterImageRequests() {}

  public static RegisterImageRequest build(
      PublishRequest request, AmiSettings ami, String snapshotId, Map<String, String> tags) {
    RegisterImageRequest.Builder b =
        RegisterImageRequest.builder()
            .name(request.imageName())
            .description(description(request, ami))
            .architecture(architecture(request.settings()))
            .virtualizationType("hvm")
            .rootDeviceName(ami.rootDevice())
            .blockDeviceMappings(
                BlockDeviceMapping.builder()
                    .deviceName(ami.rootDevice())
                    .ebs(
                        EbsBlockDevice.builder()
                            .snapshotId(snapshotId)
                            .volumeSize(ami.volumeSizeFor(request.virtualSize()))
                            .volumeType(ami.volumeType())
                            .deleteOnTermination(true)
                            .build())
                    .build())
            .enaSupport(ami.ena())
            .bootMode(bootMode(request.settings()))
            .tagSpecifications(
                TagSpecification.builder()
                    .resourceType(ResourceType.IMAGE)
                    .tags(ImageTags.toSdk(tags))
                    .build());
    if (ami.sriov()) {
      // "simple" is the only value; it turns on the Intel 82599 VF interface of older types.
      b.sriovNetSupport("simple");
    }
    if (ami.tpm()) {
      b.tpmSupport(TpmSupportValues.V2_0);
    }
    if (ami.imdsV2Only()) {
      b.imdsSupport(ImdsSupportValues.V2_0);
    }
    return b.build();
  }

  /**
   * Checks what AWS would refuse later, before anything is uploaded: the AMI name's length and
   * characters, NitroTPM without UEFI, and arm64 without UEFI (Graviton firmware is UEFI only).
   */
  public static void validate(PublishRequest request, AmiSettings ami) {
    String name = request.imageName();
    if (name.length() < 3 || name.length() > 128 || !AMI_NAME.matcher(name).matches()) {
      throw new UnideployException(
          "AMI name '"
              + name
              + "' (from publish.name) is not valid on AWS: use 3-128 letters, digits and"
              + " ( ) [ ] space . / - ' @ _");
    }
    validate(request.settings(), ami);
    ami.volumeSizeFor(request.virtualSize());
  }

  /** Checks the combinations of publish and AMI settings that AWS refuses. */
  public static void validate(PublishSettings publish, AmiSettings ami) {
    PublishSettings.BootMode boot = publish.bootMode();
    if (ami.tpm() && boot == PublishSettings.BootMode.LEGACY_BIOS) {
      throw new UnideployException(
          "providers.aws.image.tpm needs UEFI: set publish.bootMode to uefi or uefi-preferred,"
              + " or turn tpm off");
    }
    if (publish.architecture() == PublishSettings.Architecture.ARM64
        && boot == PublishSettings.BootMode.LEGACY_BIOS) {
      throw new UnideployException(
          "arm64 AMIs boot only with UEFI on AWS: set publish.bootMode: uefi");
    }
  }

  /** The description template with {app}, {version} and {sha8} filled in. */
  public static String description(PublishRequest request, AmiSettings ami) {
    return ami.description()
        .replace("{app}", request.app())
        .replace("{version}", request.version())
        .replace("{sha8}", request.sha8());
  }

  static ArchitectureValues architecture(PublishSettings s) {
    return switch (s.architecture()) {
      case X86_64 -> ArchitectureValues.X86_64;
      case ARM64 -> ArchitectureValues.ARM64;
    };
  }

  static BootModeValues bootMode(PublishSettings s) {
    return switch (s.bootMode()) {
      case LEGACY_BIOS -> BootModeValues.LEGACY_BIOS;
      case UEFI -> BootModeValues.UEFI;
      case UEFI_PREFERRED -> BootModeValues.UEFI_PREFERRED;
    };
  }
}
