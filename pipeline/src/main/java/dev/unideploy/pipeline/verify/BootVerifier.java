package dev.unideploy.pipeline.verify;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.events.ProgressEvent;
import dev.unideploy.pipeline.events.TimingEvent;
import dev.unideploy.pipeline.qemu.Accelerator;
import dev.unideploy.pipeline.qemu.BootOutcome;
import dev.unideploy.pipeline.qemu.BootWatcher;
import dev.unideploy.pipeline.qemu.KvmMemo;
import dev.unideploy.pipeline.qemu.PortForward;
import dev.unideploy.pipeline.qemu.QemuLauncher;
import dev.unideploy.pipeline.qemu.QemuProcess;
import dev.unideploy.pipeline.qemu.QemuSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The verify step: boots an image under QEMU from a copy-on-write overlay (the file is never
 * written), on the controller and firmware the target uses, and waits for its readiness signal.
 *
 * <p>Emits a LogEvent when it starts and ends, a ProgressEvent in SECONDS against the deadline
 * while it waits, and a TimingEvent "verify". A guest that does not come up is a result with {@code
 * ok == false}, not an exception; exceptions are for setup problems (no such file, QEMU missing,
 * unreadable format). QEMU is always stopped before this returns.
 */
public final class BootVerifier {
  static final String STEP = "verify";

  private final QemuLauncher launcher;

  public BootVerifier() {
    this(new QemuLauncher());
  }

  public BootVerifier(QemuLauncher launcher) {
    this.launcher = launcher;
  }

  public VerifyResult verify(VerifyRequest req, EventSink events)
      throws IOException, InterruptedException {
    VerifyResult r = verifyOnce(req, events);
    if (r.status() == BootOutcome.Status.CRASHED
        && r.accelerator().equals("kvm")
        && req.accelerator() == null) {
      // KVM stopping the vCPU with an internal (emulation) error is a host limitation (seen with
      // nested KVM), not a verdict on the image: decide under TCG instead of blocking a release.
      // boot() recorded it in the KvmMemo, so the instances of this disk start under TCG too.
      events.emit(
          LogEvent.warn(
              STEP, "KVM could not run the guest (" + r.detail() + "); retrying under TCG"));
      return verifyOnce(req.withAccelerator(Accelerator.TCG), events);
    }
    return r;
  }

  private VerifyResult verifyOnce(VerifyRequest req, EventSink events)
      throws IOException, InterruptedException {
    Path image = req.image();
    if (!Files.isRegularFile(image)) {
      throw new UnideployException(
          "cannot verify " + image + ": no such file (check the path)",
          new NoSuchFileException(image.toString()));
    }
    try (BootableImage bootable = BootableImage.of(image, req.format(), STEP, events)) {
      return boot(req, bootable, events);
    }
  }

  private VerifyResult boot(VerifyRequest req, BootableImage bootable, EventSink events)
      throws IOException, InterruptedException {
    Path image = req.image();
    String driver = bootable.sourceFormatName();
    QemuSpec.Builder spec =
        QemuSpec.builder(bootable.path())
            .diskFormat(bootable.qemuDriver())
            .controller(req.controller())
            .bootMode(req.bootMode())
            .memoryMiB(req.memoryMiB())
            .accelerator(req.accelerator())
            .snapshot(true);
    if (req.check().guestPort() > 0) {
      spec.port(PortForward.toGuest(req.check().guestPort()));
    }
    boolean tempDir = req.workDir() == null;
    Path workDir = tempDir ? Files.createTempDirectory("unideploy-verify-") : req.workDir();
    String task = "boot " + image.getFileName();
    long total = req.timeout().toSeconds();
    Instant t0 = Instant.now();
    VerifyResult result;
    // The guest dies with this JVM, and on its own shortly after the deadline at the latest.
    try (QemuProcess qemu =
        launcher.launch(spec.build(), workDir, req.timeout().plus(Duration.ofMinutes(2)))) {
      events.emit(
          LogEvent.info(
              STEP,
              String.format(
                  Locale.ROOT,
                  "booting %s (%s) on %s, %s, under %s; waiting up to %d s for %s",
                  image.getFileName(),
                  driver,
                  req.controller().cliName(),
                  req.bootMode().name().toLowerCase(Locale.ROOT),
                  qemu.accelerator().qemuName(),
                  total,
                  describe(req))));
      events.emit(LogEvent.debug(STEP, "qemu: " + String.join(" ", qemu.command())));
      BootOutcome o =
          new BootWatcher(req.matcher(), req.check())
              .onLine(line -> events.emit(LogEvent.debug(STEP, "console: " + line)))
              .onSecond(
                  d ->
                      events.emit(
                          ProgressEvent.of(
                              task,
                              Math.min(d.toSeconds(), total),
                              total,
                              ProgressEvent.Unit.SECONDS)))
              .await(qemu, req.timeout());
      events.emit(
          ProgressEvent.finished(
              task, Math.min(o.elapsed().toSeconds(), total), total, ProgressEvent.Unit.SECONDS));
      if (o.status() == BootOutcome.Status.CRASHED
          && qemu.accelerator() == Accelerator.KVM
          && req.accelerator() == null) {
        KvmMemo.forUser().recordFailure(bootable.path(), o.detail());
      }
      result =
          new VerifyResult(
              o.ready(),
              o.status(),
              o.elapsed(),
              qemu.accelerator().qemuName(),
              req.controller().cliName(),
              req.bootMode().name().toLowerCase(Locale.ROOT),
              driver,
              o.detail(),
              o.consoleTail(),
              o.ready() && tempDir ? null : qemu.serialLog().toString());
    }
    events.emit(new TimingEvent(STEP, Duration.between(t0, Instant.now())));
    if (result.ok()) {
      events.emit(
          LogEvent.info(
              STEP,
              String.format(
                  Locale.ROOT,
                  "%s booted in %.1f s (%s, %s): %s",
                  image.getFileName(),
                  result.bootSeconds(),
                  result.accelerator(),
                  result.controller(),
                  result.detail())));
      if (tempDir) {
        deleteTree(workDir);
      }
    } else {
      events.emit(LogEvent.warn(STEP, image.getFileName() + " did not boot: " + result.detail()));
    }
    return result;
  }

  private static String describe(VerifyRequest req) {
    if (req.check().guestPort() > 0) {
      return req.check().describe();
    }
    return "/" + req.matcher().readyPattern().pattern() + "/ on the serial console";
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException e) {
                  // A leftover log in the temp directory is harmless.
                }
              });
    } catch (IOException e) {
      // Same: best effort.
    }
  }
}
