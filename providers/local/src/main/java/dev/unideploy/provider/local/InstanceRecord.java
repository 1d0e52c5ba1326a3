package dev.unideploy.provider.local;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.unideploy.pipeline.qemu.ProcessIdentity;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One QEMU process as persisted under the local home, so any later unideploy run can find it, probe
 * it and stop it: the pid with its kernel start time (the pid-reuse guard), the forwarded ports,
 * and where its logs are.
 *
 * @param pid 0 while the instance is being started (recorded before QEMU is, so that a crash in
 *     between leaves a record; its QEMU is then found through {@code workDir/qemu.json})
 * @param stoppedAt null while the instance is meant to run; set by {@code instances stop}
 * @param note what the fleet did to it, for display (e.g. why it runs under TCG)
 */
public record InstanceRecord(
    @JsonProperty("name") String name,
    @JsonProperty("pid") long pid,
    @JsonProperty("pidStartTime") long pidStartTime,
    @JsonProperty("startedAt") Instant startedAt,
    @JsonProperty("ports") List<Port> ports,
    @JsonProperty("workDir") String workDir,
    @JsonProperty("serialLog") String serialLog,
    @JsonProperty("qemuLog") String qemuLog,
    @JsonProperty("accelerator") String accelerator,
    @JsonProperty("stoppedAt") Instant stoppedAt,
    @JsonProperty("note") String note) {

  /** A guest TCP port and the loopback port that forwards to it. */
  public record Port(@JsonProperty("host") int host, @JsonProperty("guest") int guest) {}

  public InstanceRecord {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(startedAt, "startedAt");
    ports = ports == null ? List.of() : List.copyOf(ports);
  }

  @JsonIgnore
  public ProcessIdentity identity() {
    return new ProcessIdentity(pid, pidStartTime);
  }

  @JsonIgnore
  public boolean active() {
    return stoppedAt == null;
  }

  /** The loopback port forwarding to {@code guestPort}, or -1. */
  public int hostPort(int guestPort) {
    for (Port p : ports) {
      if (p.guest() == guestPort) {
        return p.host();
      }
    }
    return -1;
  }

  public InstanceRecord stopped(Instant at) {
    return new InstanceRecord(
        name,
        pid,
        pidStartTime,
        startedAt,
        ports,
        workDir,
        serialLog,
        qemuLog,
        accelerator,
        at,
        note);
  }

  /** This instance with its QEMU process (known once started). */
  public InstanceRecord withProcess(long newPid, long newStartTime, String newAccelerator) {
    return new InstanceRecord(
        name,
        newPid,
        newStartTime,
        startedAt,
        ports,
        workDir,
        serialLog,
        qemuLog,
        newAccelerator,
        stoppedAt,
        note);
  }

  public InstanceRecord withPorts(List<Port> newPorts) {
    return new InstanceRecord(
        name,
        pid,
        pidStartTime,
        startedAt,
        newPorts,
        workDir,
        serialLog,
        qemuLog,
        accelerator,
        stoppedAt,
        note);
  }

  public InstanceRecord withNote(String newNote) {
    return new InstanceRecord(
        name,
        pid,
        pidStartTime,
        startedAt,
        ports,
        workDir,
        serialLog,
        qemuLog,
        accelerator,
        stoppedAt,
        newNote);
  }

  /** Whether QEMU's process is known yet. */
  @JsonIgnore
  public boolean spawned() {
    return pid > 0;
  }
}
