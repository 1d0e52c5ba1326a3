package dev.unideploy.provider.gcp.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.unideploy.pipeline.qemu.DiskController;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * How the Compute Engine image is shaped: its family (the "latest" pointer), description, guest OS
 * features, storage location, extra labels, the disk controller instances see, and whether older
 * images of the family are deprecated when a new one is published.
 */
public record GcpImageSettings(
    @JsonProperty("family") String family,
    @JsonProperty("description") String description,
    @JsonProperty("guestOsFeatures") List<String> guestOsFeatures,
    @JsonProperty("storageLocation") String storageLocation,
    @JsonProperty("diskController") String diskController,
    @JsonProperty("labels") Map<String, String> labels,
    @JsonProperty("deprecateOlder") Boolean deprecateOlder) {

  /** The family when none is configured: one family per app. */
  public static final String DEFAULT_FAMILY = "{app}";

  public static final String DEFAULT_DESCRIPTION =
      "{app} {version} (sha256:{sha256}), published by unideploy";

  /**
   * Features a unikernel image may declare (UEFI_COMPATIBLE is added by publish.bootMode;
   * SECURE_BOOT and WINDOWS describe other guests). See
   * https://cloud.google.com/compute/docs/images/create-custom#guest-os-features.
   */
  static final Set<String> FEATURES =
      Set.of(
          "GVNIC",
          "VIRTIO_SCSI_MULTIQUEUE",
          "SEV_CAPABLE",
          "SEV_SNP_CAPABLE",
          "SEV_LIVE_MIGRATABLE",
          "MULTI_IP_SUBNET",
          "UEFI_COMPATIBLE");

  static final Pattern LABEL_KEY = Pattern.compile("[a-z][a-z0-9_-]{0,62}");
  static final Pattern LABEL_VALUE = Pattern.compile("[a-z0-9_-]{0,63}");
  private static final Pattern LOCATION = Pattern.compile("[a-z]+(-[a-z]+[0-9]+)?");
  private static final Pattern FAMILY = Pattern.compile("[a-z]([-a-z0-9]{0,61}[a-z0-9])?");

  @JsonCreator
  public GcpImageSettings {
    family = family == null ? DEFAULT_FAMILY : family.strip();
    if (!family.isEmpty() && !FAMILY.matcher(family.replace("{app}", "a")).matches()) {
      throw new IllegalArgumentException(
          "image.family: '"
              + family
              + "' is not a family name: lowercase letters, digits and hyphens, starting with a"
              + " letter ({app} stands for the app name); write \"\" for no family");
    }
    description = description == null ? DEFAULT_DESCRIPTION : description;
    List<String> features = new ArrayList<>();
    for (String f : guestOsFeatures == null ? List.<String>of() : guestOsFeatures) {
      String upper = f.strip().toUpperCase(Locale.ROOT).replace('-', '_');
      if (!FEATURES.contains(upper)) {
        throw new IllegalArgumentException(
            "image.guestOsFeatures: '"
                + f
                + "' is not a feature a unikernel image can declare; use "
                + String.join(", ", new java.util.TreeSet<>(FEATURES)));
      }
      if (!features.contains(upper)) {
        features.add(upper);
      }
    }
    guestOsFeatures = List.copyOf(features);
    if (storageLocation != null && !LOCATION.matcher(storageLocation).matches()) {
      throw new IllegalArgumentException(
          "image.storageLocation: '"
              + storageLocation
              + "' is not a Cloud Storage location; write a multi-region (us, eu, asia) or a"
              + " region (us-central1)");
    }
    diskController = diskController == null ? "virtio-scsi" : diskController;
    DiskController c = DiskController.parse(diskController);
    if (c != DiskController.VIRTIO_SCSI && c != DiskController.NVME) {
      throw new IllegalArgumentException(
          "image.diskController: Compute Engine attaches boot disks as virtio-scsi or nvme, not "
              + diskController);
    }
    Map<String, String> checked = new TreeMap<>();
    for (Map.Entry<String, String> e :
        (labels == null ? Map.<String, String>of() : labels).entrySet()) {
      String v = e.getValue() == null ? "" : e.getValue();
      if (!LABEL_KEY.matcher(e.getKey()).matches() || !LABEL_VALUE.matcher(v).matches()) {
        throw new IllegalArgumentException(
            "image.labels: '"
                + e.getKey()
                + ": "
                + v
                + "' is not a valid label; keys start with a lowercase letter, keys and values use"
                + " lowercase letters, digits, _ and - (at most 63 characters)");
      }
      if (e.getKey().startsWith("unideploy") || e.getKey().equals(ImageLabels.MANAGED_BY)) {
        throw new IllegalArgumentException(
            "image.labels: '"
                + e.getKey()
                + "' is a label unideploy sets itself; choose another key");
      }
      checked.put(e.getKey(), v);
    }
    labels = Map.copyOf(checked);
    deprecateOlder = deprecateOlder == null || deprecateOlder;
  }

  public static GcpImageSettings defaults() {
    return new GcpImageSettings(null, null, null, null, null, null, null);
  }

  /** The family for an app, or null when families are off. */
  public String familyFor(String app) {
    return family.isEmpty() ? null : family.replace("{app}", app);
  }

  public DiskController controller() {
    return DiskController.parse(diskController);
  }
}
