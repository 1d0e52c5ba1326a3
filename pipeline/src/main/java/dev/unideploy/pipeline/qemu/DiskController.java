package dev.unideploy.pipeline.qemu;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The storage controller the guest's boot disk hangs off. Each cloud exposes a different one, so
 * booting on the target's controller shows a missing guest driver locally instead of in the cloud.
 */
public enum DiskController {
  /** virtio-blk: QEMU/KVM, the local provider, Firecracker-style hosts. */
  VIRTIO("virtio"),
  /** NVMe: AWS Nitro instances expose EBS volumes as NVMe namespaces. */
  NVME("nvme"),
  /** virtio-scsi: the GCE default disk interface (SCSI). */
  VIRTIO_SCSI("virtio-scsi"),
  /** IDE (PIIX): Azure Generation 1 VMs. */
  IDE("ide");

  private final String cliName;

  DiskController(String cliName) {
    this.cliName = cliName;
  }

  /** The name used on the command line and in results: virtio, nvme, virtio-scsi, ide. */
  public String cliName() {
    return cliName;
  }

  /** Parses a command-line name (case-insensitive, {@code _} accepted for {@code -}). */
  public static DiskController parse(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    for (DiskController c : values()) {
      if (c.cliName.equals(n)) {
        return c;
      }
    }
    throw new IllegalArgumentException(
        "unknown disk controller '"
            + name
            + "': use one of "
            + Arrays.stream(values())
                .map(DiskController::cliName)
                .collect(Collectors.joining(", ")));
  }

  @Override
  public String toString() {
    return cliName;
  }
}
