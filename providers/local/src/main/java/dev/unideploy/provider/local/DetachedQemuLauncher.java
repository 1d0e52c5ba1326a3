package dev.unideploy.provider.local;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.qemu.Accelerator;
import dev.unideploy.pipeline.qemu.PortForward;
import dev.unideploy.pipeline.qemu.QemuLauncher;
import dev.unideploy.pipeline.qemu.QemuProcess;
import dev.unideploy.pipeline.qemu.QemuSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Starts one instance through the pipeline's {@link QemuLauncher#launchDetached} (its own session,
 * surviving unideploy, QMP on a socket, serial console to {@code workDir/serial.log}), so instances
 * boot exactly as boot verification does. Adds what a long-running instance needs: host ports that
 * no other recorded instance holds, a retry with fresh ports when one was taken between choosing
 * and QEMU binding it, and the kernel start time of the pid for the pid-reuse guard.
 */
final class DetachedQemuLauncher {
  private static final int ATTEMPTS = 4;

  private final QemuLauncher launcher = new QemuLauncher();
  private final Path qemuBinary;
  private final Clock clock;

  DetachedQemuLauncher(Path qemuBinary, Clock clock) {
    this.qemuBinary = qemuBinary;
    this.clock = clock;
  }

  /** Starts instance {@code name} of {@code group} with its files in {@code workDir}. */
  InstanceRecord launch(GroupRecord group, String name, Path workDir, Set<Integer> portsInUse) {
    Set<Integer> exclude = new HashSet<>(portsInUse);
    UnideployException last = null;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      List<Integer> hostPorts = PortAllocator.allocate(group.guestPorts().size(), exclude);
      List<PortForward> forwards = new ArrayList<>();
      for (int i = 0; i < hostPorts.size(); i++) {
        forwards.add(new PortForward(hostPorts.get(i), group.guestPorts().get(i)));
      }
      QemuSpec spec =
          QemuSpec.builder(Path.of(group.imagePath()))
              .qemuBinary(qemuBinary)
              .diskFormat("raw")
              .accelerator(accelerator(group.accelerator()))
              .memoryMiB(group.memoryMiB())
              // Every instance runs on its own throw-away overlay: the stored image is shared
              // read-only and never changes.
              .snapshot(true)
              .ports(forwards)
              // A later -name wins over the builder's, so ps shows which instance this is.
              .extraArgs(List.of("-name", name))
              .build();
      java.time.Instant startedAt = clock.instant();
      QemuProcess qemu;
      try {
        qemu = launcher.launchDetached(spec, workDir);
      } catch (UnideployException e) {
        if (e.getMessage() != null
            && e.getMessage().toLowerCase(Locale.ROOT).contains("host forwarding")) {
          exclude.addAll(hostPorts); // Taken between our check and QEMU's bind: pick others.
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
        Optional<ProcessIdentity> id = ProcessIdentity.of(qemu.pid());
        if (id.isEmpty()) {
          throw new UnideployException(
              "QEMU for "
                  + name
                  + " exited right after starting: "
                  + String.join(" | ", qemu.qemuMessages(5))
                  + "; see "
                  + qemu.qemuLog());
        }
        List<InstanceRecord.Port> ports = new ArrayList<>();
        for (PortForward p : qemu.spec().ports()) {
          ports.add(new InstanceRecord.Port(p.hostPort(), p.guestPort()));
        }
        return new InstanceRecord(
            name,
            id.get().pid(),
            id.get().startTime(),
            startedAt,
            ports,
            workDir.toString(),
            qemu.serialLog().toString(),
            qemu.qemuLog().toString(),
            qemu.accelerator().qemuName(),
            null);
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

  /** {@code null} lets QEMU's launcher detect KVM (and fall back to TCG if it is unusable). */
  static Accelerator accelerator(String setting) {
    return switch (setting == null ? "auto" : setting) {
      case "kvm" -> Accelerator.KVM;
      case "tcg" -> Accelerator.TCG;
      default -> null;
    };
  }
}
