package dev.unideploy.provider.aws.settings;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How the AMI is registered beyond the provider-neutral publish settings: root device, EBS volume
 * type and size, ENA, SR-IOV, NitroTPM, IMDSv2-only, and the description template.
 *
 * <p>Defaults suit a unikernel on current Nitro instances: gp3, ENA and SR-IOV on (Nitro types
 * refuse to launch an AMI without ENA), IMDSv2 only (nothing in a unikernel needs IMDSv1).
 */
public record AmiSettings(
    @JsonProperty("rootDevice") String rootDevice,
    @JsonProperty("volumeType") String volumeType,
    @JsonProperty("volumeSize") Integer volumeSize,
    @JsonProperty("ena") Boolean ena,
    @JsonProperty("sriov") Boolean sriov,
    @JsonProperty("tpm") Boolean tpm,
    @JsonProperty("imdsV2Only") Boolean imdsV2Only,
    @JsonProperty("description") String description) {

  private static final Set<String> VOLUME_TYPES =
      Set.of("gp3", "gp2", "io1", "io2", "st1", "sc1", "standard");
  private static final Pattern DEVICE = Pattern.compile("/dev/(xvd[a-z]|sd[a-z]1?|nvme\\d+n1)");

  @JsonCreator
  public AmiSettings {
    rootDevice = rootDevice == null ? "/dev/xvda" : rootDevice;
    if (!DEVICE.matcher(rootDevice).matches()) {
      throw new IllegalArgumentException(
          "image.rootDevice '" + rootDevice + "' is not a device name: use /dev/xvda or /dev/sda1");
    }
    volumeType = volumeType == null ? "gp3" : volumeType.toLowerCase(Locale.ROOT);
    if (!VOLUME_TYPES.contains(volumeType)) {
      throw new IllegalArgumentException(
          "image.volumeType '"
              + volumeType
              + "' is not an EBS volume type: use one of gp3, gp2, io1, io2, st1, sc1, standard");
    }
    if (volumeSize != null && (volumeSize < 1 || volumeSize > 16384)) {
      throw new IllegalArgumentException(
          "image.volumeSize must be 1-16384 GiB (or left out to fit the image), was " + volumeSize);
    }
    ena = ena == null || ena;
    sriov = sriov == null || sriov;
    tpm = tpm != null && tpm;
    imdsV2Only = imdsV2Only == null || imdsV2Only;
    description =
        description == null ? "{app} {version} ({sha8}), published by unideploy" : description;
    if (description.length() > 255) {
      throw new IllegalArgumentException("image.description must be at most 255 characters");
    }
  }

  public static AmiSettings defaults() {
    return new AmiSettings(null, null, null, null, null, null, null, null);
  }

  /**
   * The root volume size in GiB: the configured one, or the smallest whole GiB that holds a disk of
   * {@code virtualSize} bytes (EBS sizes volumes in GiB).
   */
  public int volumeSizeFor(long virtualSize) {
    long fit = Math.max(1, (virtualSize + (1L << 30) - 1) >> 30);
    if (volumeSize == null) {
      return (int) fit;
    }
    if (volumeSize < fit) {
      throw new IllegalArgumentException(
          "image.volumeSize "
              + volumeSize
              + " GiB is smaller than the image's virtual disk ("
              + fit
              + " GiB): raise it or leave it out");
    }
    return volumeSize;
  }
}
