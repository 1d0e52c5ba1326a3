package dev.unideploy.pipeline.qemu;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Everything about one QEMU guest that does not depend on how it is run (background or foreground):
 * the disk, its controller, firmware, accelerator, memory and forwarded ports.
 *
 * <p>Build one with {@link #builder(Path)}; defaults: raw format, virtio, BIOS, detected
 * accelerator, 256 MiB, 1 vCPU, copy-on-write snapshot on, a user-mode NIC.
 *
 * @param diskFormat QEMU's block driver name, always explicit (raw, qcow2, vmdk, vpc): probing
 *     would take a fixed VHD for raw and lets a guest-written header change how the file is read
 * @param snapshot boot from a temporary copy-on-write overlay so the image file is never written
 * @param firmware the OVMF image for {@link BootMode#UEFI}, null for BIOS
 */
public record QemuSpec(
    Path qemuBinary,
    Path disk,
    String diskFormat,
    DiskController controller,
    BootMode bootMode,
    Path firmware,
    Accelerator accelerator,
    int memoryMiB,
    int cpus,
    boolean snapshot,
    boolean network,
    List<PortForward> ports,
    List<String> extraArgs) {

  /** The QEMU binary used unless overridden; {@code UNIDEPLOY_QEMU} names another one. */
  public static Path defaultQemu() {
    String env = System.getenv("UNIDEPLOY_QEMU");
    return Path.of(env == null || env.isBlank() ? "qemu-system-x86_64" : env);
  }

  public QemuSpec {
    Objects.requireNonNull(qemuBinary, "qemuBinary");
    Objects.requireNonNull(disk, "disk");
    Objects.requireNonNull(diskFormat, "diskFormat");
    Objects.requireNonNull(controller, "controller");
    Objects.requireNonNull(bootMode, "bootMode");
    Objects.requireNonNull(accelerator, "accelerator");
    if (bootMode == BootMode.UEFI && firmware == null) {
      throw new IllegalArgumentException("UEFI boot needs a firmware path (Firmware.ovmf())");
    }
    if (memoryMiB < 16) {
      throw new IllegalArgumentException("memory must be at least 16 MiB, was " + memoryMiB);
    }
    if (cpus < 1) {
      throw new IllegalArgumentException("cpus must be >= 1, was " + cpus);
    }
    if (!ports.isEmpty() && !network) {
      throw new IllegalArgumentException("port forwards need the network enabled");
    }
    ports = List.copyOf(ports);
    extraArgs = List.copyOf(extraArgs);
  }

  public static Builder builder(Path disk) {
    return new Builder(disk);
  }

  /** A builder starting from this spec, to change one thing (e.g. the accelerator). */
  public Builder toBuilder() {
    Builder b = new Builder(disk);
    b.qemuBinary = qemuBinary;
    b.diskFormat = diskFormat;
    b.controller = controller;
    b.bootMode = bootMode;
    b.firmware = firmware;
    b.accelerator = accelerator;
    b.memoryMiB = memoryMiB;
    b.cpus = cpus;
    b.snapshot = snapshot;
    b.network = network;
    b.ports.addAll(ports);
    b.extraArgs.addAll(extraArgs);
    return b;
  }

  /** A spec with the given ports (used once the launcher has picked free host ports). */
  public QemuSpec withPorts(List<PortForward> newPorts) {
    Builder b = toBuilder();
    b.ports.clear();
    b.ports.addAll(newPorts);
    return b.build();
  }

  /** Mutable builder of {@link QemuSpec}. */
  public static final class Builder {
    private Path qemuBinary = defaultQemu();
    private final Path disk;
    private String diskFormat = "raw";
    private DiskController controller = DiskController.VIRTIO;
    private BootMode bootMode = BootMode.BIOS;
    private Path firmware;
    private Accelerator accelerator;
    private int memoryMiB = 256;
    private int cpus = 1;
    private boolean snapshot = true;
    private boolean network = true;
    private final List<PortForward> ports = new ArrayList<>();
    private final List<String> extraArgs = new ArrayList<>();

    private Builder(Path disk) {
      this.disk = Objects.requireNonNull(disk, "disk");
    }

    public Builder qemuBinary(Path v) {
      qemuBinary = v;
      return this;
    }

    /** QEMU driver name: raw, qcow2, vmdk, vpc (VHD), vhdx. */
    public Builder diskFormat(String v) {
      diskFormat = v;
      return this;
    }

    public Builder controller(DiskController v) {
      controller = v;
      return this;
    }

    /** BIOS, or UEFI with the firmware found by {@link Firmware#ovmf()} unless one is set. */
    public Builder bootMode(BootMode v) {
      bootMode = v;
      return this;
    }

    public Builder firmware(Path v) {
      firmware = v;
      return this;
    }

    /** Null (the default) means {@link AcceleratorChoice#auto} for the disk, at build time. */
    public Builder accelerator(Accelerator v) {
      accelerator = v;
      return this;
    }

    public Builder memoryMiB(int v) {
      memoryMiB = v;
      return this;
    }

    public Builder cpus(int v) {
      cpus = v;
      return this;
    }

    public Builder snapshot(boolean v) {
      snapshot = v;
      return this;
    }

    public Builder network(boolean v) {
      network = v;
      return this;
    }

    public Builder port(PortForward v) {
      ports.add(v);
      return this;
    }

    public Builder ports(List<PortForward> v) {
      ports.addAll(v);
      return this;
    }

    /** Appended verbatim after everything else; for experiments, not for normal use. */
    public Builder extraArgs(List<String> v) {
      extraArgs.addAll(v);
      return this;
    }

    public QemuSpec build() {
      Path fw = firmware;
      if (bootMode == BootMode.UEFI && fw == null) {
        fw = Firmware.ovmf();
      }
      return new QemuSpec(
          qemuBinary,
          disk,
          diskFormat,
          controller,
          bootMode,
          bootMode == BootMode.UEFI ? fw : null,
          accelerator == null ? AcceleratorChoice.auto(disk).accelerator() : accelerator,
          memoryMiB,
          cpus,
          snapshot,
          network,
          ports,
          extraArgs);
    }
  }
}
