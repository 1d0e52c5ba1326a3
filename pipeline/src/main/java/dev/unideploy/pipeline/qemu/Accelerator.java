package dev.unideploy.pipeline.qemu;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

/** How QEMU runs guest code: KVM (hardware virtualisation) or TCG (binary translation). */
public enum Accelerator {
  KVM,
  TCG;

  /** The device KVM is reached through. */
  public static final Path KVM_DEVICE = Path.of("/dev/kvm");

  /** KVM when {@code /dev/kvm} exists and this process can open it read-write, TCG otherwise. */
  public static Accelerator detect() {
    return detect(KVM_DEVICE);
  }

  /**
   * Like {@link #detect()} but for a given device path. Opening the device is the real test:
   * permission bits say nothing for root, and a container may show the node without granting it.
   */
  public static Accelerator detect(Path kvmDevice) {
    if (!Files.exists(kvmDevice)) {
      return TCG;
    }
    try (RandomAccessFile f = new RandomAccessFile(kvmDevice.toFile(), "rw")) {
      return f.getFD().valid() ? KVM : TCG;
    } catch (IOException | SecurityException e) {
      return TCG;
    }
  }

  /** The value of QEMU's {@code -accel} option. */
  public String qemuName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
