package dev.unideploy.provider.local;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.qemu.Accelerator;
import dev.unideploy.pipeline.qemu.BootMode;
import dev.unideploy.pipeline.qemu.PortForward;
import dev.unideploy.pipeline.qemu.QemuLauncher;
import dev.unideploy.pipeline.qemu.QemuProcess;
import dev.unideploy.pipeline.qemu.QemuSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Starts one instance through the pipeline's {@link QemuLauncher#launchDetached} (its own session,
 * surviving unideploy, QMP on a socket, serial console to {@code workDir/serial.log}), so instances
 * boot exactly as boot verification does, with the image's boot mode (OVMF for UEFI). Adds what a
 * long-running instance needs: the process reported as soon as it exists (the caller records it
 * before QEMU answers), and a retry with fresh host ports when one was taken between choosing it
 * and QEMU binding it.
 */
final class DetachedQemuLauncher {
  private static final int ATTEMPTS = 4;

  private final QemuLauncher launcher = new QemuLauncher();
  private final Path qemuBinary;

  DetachedQemuLauncher(Path qemuBinary) {
    this.qemuBinary = qemuBinary;
  }

  /** A started QEMU: what the instance record keeps. */
  record Started(
      long pid, long pidStartTime, List<InstanceRecord.Port> ports, String accelerator) {}

  /**
   * Starts instance {@code name} of {@code group} with its files in {@code workDir}.
   *
   * @param hostPorts the loopback ports for the group's guest ports, in order
   * @param freshPorts new ports, none of those given, when QEMU could not bind them
   * @param onSpawn told of the process as soon as it exists (and again after a retry)
   */
  Started launch(
      GroupRecord group,
      String name,
      Path workDir,
      Accelerator accelerator,
      List<Integer> hostPorts,
      Function<Set<Integer>, List<Integer>> freshPorts,
      Consumer<Started> onSpawn) {
    Set<Integer> refused = new HashSet<>();
    List<Integer> ports = hostPorts;
    UnideployException last = null;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      List<PortForward> forwards = new ArrayList<>();
      for (int i = 0; i < ports.size(); i++) {
        forwards.add(new PortForward(ports.get(i), group.guestPorts().get(i)));
      }
      QemuSpec spec =
          QemuSpec.builder(Path.of(group.imagePath()))
              .qemuBinary(qemuBinary)
              .diskFormat("raw")
              .bootMode(StoredImage.UEFI.equals(group.bootMode()) ? BootMode.UEFI : BootMode.BIOS)
              .accelerator(accelerator)
              .memoryMiB(group.memoryMiB())
              // Every instance runs on its own throw-away overlay: the stored image is shared
              // read-only and never changes.
              .snapshot(true)
              .ports(forwards)
              // A later -name wins over the builder's, so ps shows which instance this is.
              .extraArgs(List.of("-name", name))
              .build();
      QemuProcess qemu;
      try {
        qemu =
            launcher.launchDetached(
                spec, workDir, s -> onSpawn.accept(started(s.pid(), s.pidStartTime(), s.spec())));
      } catch (UnideployException e) {
        if (e.getMessage() != null
            && e.getMessage().toLowerCase(Locale.ROOT).contains("host forwarding")) {
          refused.addAll(ports); // Taken between our check and QEMU's bind: pick others.
          ports = freshPorts.apply(refused);
          last = e;
          continue;
        }
        throw e;
      } catch (IOException e) {
        throw new UnideployException(
            "could not start QEMU for " + name + " in " + workDir + ": " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new UnideployException("interrupted while starting " + name + "; re-run", e);
      }
      try {
        var id = dev.unideploy.pipeline.qemu.ProcessIdentity.of(qemu.pid());
        if (id.isEmpty()) {
          throw new UnideployException(
              "QEMU for "
                  + name
                  + " exited right after starting: "
                  + String.join(" | ", qemu.qemuMessages(5))
                  + "; see "
                  + qemu.qemuLog());
        }
        return started(id.get().pid(), id.get().startTime(), qemu.spec());
      } finally {
        qemu.release(); // Lets go of the monitor connection; the guest keeps running.
      }
    }
    throw new UnideployException(
        "no free host ports for "
            + name
            + " after "
            + ATTEMPTS
            + " tries (each was taken before QEMU could bind it): "
            + (last == null ? "" : last.getMessage()));
  }

  private static Started started(long pid, long startTime, QemuSpec spec) {
    List<InstanceRecord.Port> ports = new ArrayList<>();
    for (PortForward p : spec.ports()) {
      ports.add(new InstanceRecord.Port(p.hostPort(), p.guestPort()));
    }
    return new Started(pid, startTime, ports, spec.accelerator().qemuName());
  }
}
