package dev.unideploy.pipeline.qemu;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Turns a {@link QemuSpec} into a {@code qemu-system-x86_64} argument list. Pure: no files, no
 * processes, so every choice here is unit-tested.
 *
 * <p>Fixed choices: {@code -nodefaults} (no VGA, no default NIC or CD-ROM: the guest sees only what
 * a cloud would give it), {@code -no-reboot} (a reset or triple fault makes QEMU exit instead of
 * looping through the firmware again; see qemu-system(1) "-no-reboot"), and an explicit {@code
 * format=} on the drive (format probing is unsafe and takes a fixed VHD for raw).
 */
public final class QemuCommandBuilder {

  /** Where the guest's first serial port (COM1) goes. */
  public sealed interface Serial permits SerialFile, SerialStdio {}

  /** COM1 written to a file (truncated at start). */
  public record SerialFile(Path path) implements Serial {
    public SerialFile {
      Objects.requireNonNull(path, "path");
    }
  }

  /** COM1 on QEMU's stdin/stdout, for a person at a terminal. */
  public record SerialStdio() implements Serial {}

  private final QemuSpec spec;
  private Serial serial;
  private boolean qmpOnStdio;
  private Path uefiVars;
  private Path qmpSocket;
  private Path pidFile;

  public QemuCommandBuilder(QemuSpec spec) {
    this.spec = Objects.requireNonNull(spec, "spec");
  }

  public QemuCommandBuilder serial(Serial v) {
    serial = v;
    return this;
  }

  /** Speak QMP (JSON) on stdin/stdout, for events such as SHUTDOWN{reason:guest-reset}. */
  public QemuCommandBuilder qmpOnStdio(boolean v) {
    qmpOnStdio = v;
    return this;
  }

  /** Serve QMP on a Unix socket (a detached guest outlives the pipes of the JVM that began it). */
  public QemuCommandBuilder qmpSocket(Path v) {
    qmpSocket = v;
    return this;
  }

  /** Have QEMU write its pid to this file. */
  public QemuCommandBuilder pidFile(Path v) {
    pidFile = v;
    return this;
  }

  /** A writable copy of the OVMF vars store, needed only with a split {@code OVMF_CODE} image. */
  public QemuCommandBuilder uefiVars(Path v) {
    uefiVars = v;
    return this;
  }

  public List<String> build() {
    if (serial == null) {
      throw new IllegalStateException("serial target not set");
    }
    if (qmpOnStdio && serial instanceof SerialStdio) {
      throw new IllegalStateException("QMP and the serial console cannot both use stdio");
    }
    for (PortForward p : spec.ports()) {
      if (p.hostPort() == 0) {
        throw new IllegalStateException(
            "host port for guest port " + p.guestPort() + " not chosen yet (launcher bug)");
      }
    }
    List<String> a = new ArrayList<>();
    a.add(spec.qemuBinary().toString());
    a.addAll(List.of("-name", "unideploy", "-nodefaults", "-no-user-config", "-display", "none"));
    // q35 for UEFI (OVMF is developed against it); i440fx "pc" otherwise: it has the PIIX IDE
    // controller Azure Gen1 uses, and SeaBIOS boots every controller below from it.
    a.addAll(List.of("-machine", spec.bootMode() == BootMode.UEFI ? "q35" : "pc"));
    a.addAll(List.of("-accel", spec.accelerator().qemuName()));
    if (spec.accelerator() == Accelerator.KVM) {
      a.addAll(List.of("-cpu", "host"));
    }
    a.addAll(List.of("-m", Integer.toString(spec.memoryMiB())));
    a.addAll(List.of("-smp", Integer.toString(spec.cpus())));
    a.add("-no-reboot");
    firmware(a);
    disk(a);
    network(a);
    a.add("-serial");
    a.add(
        serial instanceof SerialFile f
            ? "file:" + f.path().toAbsolutePath()
            // mon:stdio would steal Ctrl-A; plain stdio keeps Ctrl-C as SIGINT, as `ops run` does.
            : "stdio");
    if (qmpOnStdio) {
      a.addAll(List.of("-qmp", "stdio"));
    }
    if (qmpSocket != null) {
      a.addAll(List.of("-qmp", "unix:" + escape(qmpSocket) + ",server=on,wait=off"));
    }
    if (pidFile != null) {
      a.addAll(List.of("-pidfile", pidFile.toString()));
    }
    a.addAll(spec.extraArgs());
    return a;
  }

  private void firmware(List<String> a) {
    if (spec.bootMode() != BootMode.UEFI) {
      return;
    }
    Path fw = spec.firmware();
    if (Firmware.isSplitCode(fw)) {
      if (uefiVars == null) {
        throw new IllegalStateException("split OVMF code image " + fw + " needs a vars copy");
      }
      a.addAll(
          List.of(
              "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + escape(fw),
              "-drive", "if=pflash,format=raw,unit=1,file=" + escape(uefiVars)));
    } else {
      a.addAll(List.of("-bios", fw.toString()));
    }
  }

  private void disk(List<String> a) {
    StringBuilder drive =
        new StringBuilder("file=")
            .append(escape(spec.disk().toAbsolutePath()))
            .append(",if=none,id=disk0,format=")
            .append(spec.diskFormat());
    if (spec.snapshot()) {
      // The guest writes to a temporary qcow2 overlay that QEMU deletes; the image stays as it was.
      drive.append(",snapshot=on");
    }
    a.addAll(List.of("-drive", drive.toString()));
    switch (spec.controller()) {
      case VIRTIO -> a.addAll(List.of("-device", "virtio-blk-pci,drive=disk0,bootindex=0"));
      case NVME -> a.addAll(List.of("-device", "nvme,drive=disk0,serial=unideploy0,bootindex=0"));
      case VIRTIO_SCSI ->
          a.addAll(
              List.of(
                  "-device",
                  "virtio-scsi-pci,id=scsi0",
                  "-device",
                  "scsi-hd,drive=disk0,bus=scsi0.0,bootindex=0"));
      case IDE -> a.addAll(List.of("-device", "ide-hd,drive=disk0,bus=ide.0,bootindex=0"));
    }
  }

  private void network(List<String> a) {
    if (!spec.network()) {
      return;
    }
    StringBuilder netdev = new StringBuilder("user,id=net0");
    for (PortForward p : spec.ports()) {
      netdev.append(",hostfwd=").append(p.hostfwd());
    }
    a.addAll(List.of("-netdev", netdev.toString(), "-device", "virtio-net-pci,netdev=net0"));
  }

  /** QEMU option values separate keys with commas; a literal comma in a path is doubled. */
  static String escape(Path path) {
    return path.toString().replace(",", ",,");
  }
}
