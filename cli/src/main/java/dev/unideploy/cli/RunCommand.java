package dev.unideploy.cli;

import dev.unideploy.image.ImageFormat;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.qemu.Accelerator;
import dev.unideploy.pipeline.qemu.BootMode;
import dev.unideploy.pipeline.qemu.DiskController;
import dev.unideploy.pipeline.qemu.PortForward;
import dev.unideploy.pipeline.qemu.QemuLauncher;
import dev.unideploy.pipeline.qemu.QemuSpec;
import dev.unideploy.pipeline.verify.BootableImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code unideploy run IMAGE}: boots an image locally in the foreground, serial console on the
 * terminal, ports forwarded, as {@code ops run} does. Ctrl-C stops QEMU; the exit code is then 130.
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Boot an image under QEMU in the foreground with its serial console on this terminal."
          + " The image is not modified (copy-on-write overlay). Ctrl-C stops it (exit code 130);"
          + " a guest reset or power-off ends it too."
    })
final class RunCommand extends AbstractCommand<RunCommand.Ran> {

  /** How the foreground QEMU ended. */
  record Ran(String image, int qemuExitCode) {}

  @Parameters(
      index = "0",
      paramLabel = "IMAGE",
      description = "raw, qcow2, vmdk or vhd (detected from the content).")
  Path image;

  @Option(
      names = {"-p", "--port"},
      paramLabel = "HOST:GUEST",
      converter = PortConverter.class,
      description =
          "Forward 127.0.0.1:HOST to the guest's GUEST port (repeatable; PORT alone: same"
              + " number).")
  List<PortForward> ports = new ArrayList<>();

  @Option(
      names = {"-m", "--memory"},
      paramLabel = "SIZE",
      converter = MemoryConverter.class,
      description = "Guest memory: MiB, or with a suffix M or G (default: 256).")
  int memoryMiB = 256;

  @Option(
      names = "--controller",
      paramLabel = "virtio|nvme|virtio-scsi|ide",
      converter = VerifyCommand.ControllerConverter.class,
      description = "Disk controller (default: virtio).")
  DiskController controller = DiskController.VIRTIO;

  @Option(names = "--uefi", description = "Boot with UEFI firmware (OVMF) instead of BIOS.")
  boolean uefi;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      description = "raw, qcow2, vmdk or vhd; detected from the content when omitted.")
  ImageFormat format;

  @Option(
      names = "--accel",
      paramLabel = "kvm|tcg",
      description = "Force an accelerator (default: KVM when /dev/kvm is usable, else TCG).")
  Accelerator accelerator;

  @Override
  protected Ran execute(EventSink events) throws Exception {
    try (BootableImage disk = BootableImage.of(image, format, "run", events)) {
      return run(disk, events);
    }
  }

  private Ran run(BootableImage disk, EventSink events) throws Exception {
    String driver = disk.sourceFormatName();
    QemuSpec spec =
        QemuSpec.builder(disk.path())
            .diskFormat(disk.qemuDriver())
            .controller(controller)
            .bootMode(uefi ? BootMode.UEFI : BootMode.BIOS)
            .memoryMiB(memoryMiB)
            .accelerator(accelerator)
            .ports(ports)
            .build();
    StringBuilder fwd = new StringBuilder();
    for (PortForward p : spec.ports()) {
      fwd.append(
          String.format(Locale.ROOT, "; 127.0.0.1:%d -> guest %d", p.hostPort(), p.guestPort()));
    }
    events.emit(
        LogEvent.info(
            "run",
            String.format(
                Locale.ROOT,
                "booting %s (%s) on %s under %s%s; Ctrl-C stops it",
                image.getFileName(),
                driver,
                controller.cliName(),
                spec.accelerator().qemuName(),
                fwd)));
    Path workDir = Files.createTempDirectory("unideploy-run-");
    int code;
    try {
      code = new QemuLauncher().runForeground(spec, workDir);
    } finally {
      // Holds at most the UEFI vars copy of this run.
      Files.deleteIfExists(workDir.resolve("uefi-vars.fd"));
      Files.deleteIfExists(workDir);
    }
    return new Ran(image.toString(), code);
  }

  @Override
  protected int exitCode(Ran result) {
    return result.qemuExitCode() == 0 ? ExitCodes.OK : ExitCodes.FAILURE;
  }

  /** {@code HOST:GUEST} or {@code PORT}. */
  static final class PortConverter implements ITypeConverter<PortForward> {
    @Override
    public PortForward convert(String value) {
      try {
        PortForward p = PortForward.parse(value);
        if (p.hostPort() == 0) {
          throw new TypeConversionException("host port 0 in '" + value + "': give a real port");
        }
        return p;
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** {@code 512}, {@code 512M}, {@code 1G} to MiB. */
  static final class MemoryConverter implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      String v = value.trim().toUpperCase(Locale.ROOT);
      int mult = 1;
      if (v.endsWith("G")) {
        mult = 1024;
        v = v.substring(0, v.length() - 1);
      } else if (v.endsWith("M")) {
        v = v.substring(0, v.length() - 1);
      }
      try {
        long mib = Long.parseLong(v) * mult;
        if (mib >= 16 && mib <= 1 << 20) {
          return (int) mib;
        }
      } catch (NumberFormatException e) {
        // Reported below.
      }
      throw new TypeConversionException(
          "memory '" + value + "' must be 16M..1024G, e.g. 512 or 512M or 2G");
    }
  }
}
