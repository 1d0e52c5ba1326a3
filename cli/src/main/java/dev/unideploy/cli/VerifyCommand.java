package dev.unideploy.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.unideploy.image.ImageFormat;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.qemu.Accelerator;
import dev.unideploy.pipeline.qemu.BootMode;
import dev.unideploy.pipeline.qemu.ConsoleMatcher;
import dev.unideploy.pipeline.qemu.DiskController;
import dev.unideploy.pipeline.qemu.ReadinessCheck;
import dev.unideploy.pipeline.verify.BootVerifier;
import dev.unideploy.pipeline.verify.VerifyRequest;
import dev.unideploy.pipeline.verify.VerifyResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

/** {@code unideploy verify IMAGE}: boots an image under QEMU and waits for its readiness signal. */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description = {
      "Boot an image under QEMU (KVM if usable, else TCG) from a copy-on-write overlay, so the file"
          + " is never changed, and wait for its readiness signal. Fails with the last console"
          + " lines when the guest panics, resets, exits or stays silent."
    })
final class VerifyCommand extends AbstractCommand<VerifyCommand.Report> {

  /** The verification of one image file; {@code message} says why it failed. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Report(String image, @JsonUnwrapped VerifyResult result, String message) {}

  @Parameters(
      index = "0",
      paramLabel = "IMAGE",
      description = "raw, qcow2, vmdk or vhd (detected from the content).")
  Path image;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Readiness readiness;

  /** Exactly one way to tell the guest is up. */
  static final class Readiness {
    @Option(
        names = "--ready",
        paramLabel = "REGEX",
        description = "Ready when a serial console line matches REGEX (Java syntax).")
    String regex;

    @Option(
        names = "--http",
        paramLabel = "PORT/PATH",
        converter = HttpConverter.class,
        description = "Ready when GET PATH on guest PORT answers 2xx/3xx (e.g. 8080/health).")
    ReadinessCheck.Http http;

    @Option(
        names = "--tcp",
        paramLabel = "PORT",
        description = "Ready when the guest accepts a TCP connection on PORT.")
    Integer tcp;
  }

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      description = "Deadline for the readiness signal (default: ${DEFAULT-VALUE}).")
  long timeoutSeconds = VerifyRequest.DEFAULT_TIMEOUT.toSeconds();

  @Option(
      names = "--controller",
      paramLabel = "virtio|nvme|virtio-scsi|ide",
      converter = ControllerConverter.class,
      description =
          "Disk controller: virtio (default), nvme (AWS Nitro), virtio-scsi (GCE), ide (Azure"
              + " Gen1).")
  DiskController controller = DiskController.VIRTIO;

  @Option(names = "--uefi", description = "Boot with UEFI firmware (OVMF) instead of BIOS.")
  boolean uefi;

  @Option(
      names = "--memory",
      paramLabel = "MIB",
      description = "Guest memory in MiB (default: ${DEFAULT-VALUE}).")
  int memoryMiB = 256;

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

  @Option(
      names = "--keep-logs",
      paramLabel = "DIR",
      description = "Keep serial.log and qemu.log in DIR (default: a temporary directory).")
  Path workDir;

  @Override
  protected Report execute(EventSink events) throws Exception {
    if (timeoutSeconds < 1) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--timeout must be at least 1 second, was " + timeoutSeconds);
    }
    ConsoleMatcher matcher;
    ReadinessCheck check;
    if (readiness.regex != null) {
      try {
        matcher = ConsoleMatcher.ready(readiness.regex);
      } catch (java.util.regex.PatternSyntaxException e) {
        throw new picocli.CommandLine.ParameterException(
            spec.commandLine(),
            "--ready '" + readiness.regex + "' is not a valid regex: " + e.getDescription());
      }
      check = new ReadinessCheck.Console();
    } else {
      matcher = ConsoleMatcher.panicsOnly();
      check =
          readiness.http != null
              ? readiness.http
              : new ReadinessCheck.Tcp(PortConverter.check(readiness.tcp, spec));
    }
    VerifyRequest req =
        new VerifyRequest(
            image,
            format,
            matcher,
            check,
            Duration.ofSeconds(timeoutSeconds),
            controller,
            uefi ? BootMode.UEFI : BootMode.BIOS,
            memoryMiB,
            accelerator,
            workDir);
    VerifyResult r = new BootVerifier().verify(req, events);
    return new Report(image.toString(), r, r.ok() ? null : r.failureMessage());
  }

  @Override
  protected void printSummary(Report report, PrintWriter out) {
    VerifyResult r = report.result();
    if (r.ok()) {
      out.printf(
          Locale.ROOT,
          "ok: %s booted in %.1f s (%s, %s, %s, %s): %s%n",
          report.image(),
          r.bootSeconds(),
          r.qemuFormat(),
          r.controller(),
          r.bootMode(),
          r.accelerator(),
          r.detail());
    } else {
      out.println("FAILED: " + report.image() + ": " + report.message());
    }
  }

  @Override
  protected int exitCode(Report report) {
    return report.result().ok() ? ExitCodes.OK : ExitCodes.FAILURE;
  }

  /** {@code PORT/PATH} (path optional: {@code 8080} means {@code 8080/}). */
  static final class HttpConverter implements ITypeConverter<ReadinessCheck.Http> {
    @Override
    public ReadinessCheck.Http convert(String value) {
      int slash = value.indexOf('/');
      String port = slash < 0 ? value : value.substring(0, slash);
      String path = slash < 0 ? "/" : value.substring(slash);
      return new ReadinessCheck.Http(PortConverter.parse(port, "--http"), path);
    }
  }

  /** virtio, nvme, virtio-scsi, ide. */
  static final class ControllerConverter implements ITypeConverter<DiskController> {
    @Override
    public DiskController convert(String value) {
      try {
        return DiskController.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** Guest port numbers. */
  static final class PortConverter {
    private PortConverter() {}

    static int parse(String text, String option) {
      try {
        int p = Integer.parseInt(text.trim());
        if (p >= 1 && p <= 65535) {
          return p;
        }
      } catch (NumberFormatException e) {
        // Reported below with the option name.
      }
      throw new TypeConversionException(option + ": '" + text + "' is not a port number (1-65535)");
    }

    static int check(int port, picocli.CommandLine.Model.CommandSpec spec) {
      if (port < 1 || port > 65535) {
        throw new picocli.CommandLine.ParameterException(
            spec.commandLine(), "--tcp: " + port + " is not a port number (1-65535)");
      }
      return port;
    }
  }
}
