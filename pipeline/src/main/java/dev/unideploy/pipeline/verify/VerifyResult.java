package dev.unideploy.pipeline.verify;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.unideploy.pipeline.qemu.BootOutcome;
import java.time.Duration;
import java.util.List;

/**
 * The outcome of a boot verification.
 *
 * @param bootTime from QEMU's start to the readiness signal (to the failure when not ok)
 * @param accelerator kvm or tcg, as actually used
 * @param qemuFormat the block driver the image was opened with (raw, vmdk, vpc, qcow2)
 * @param serialLog the full console log, kept after a failure; null once deleted
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"ok", "status", "bootSeconds", "accelerator", "controller", "bootMode"})
public record VerifyResult(
    boolean ok,
    @JsonIgnore BootOutcome.Status status,
    @JsonIgnore Duration bootTime,
    String accelerator,
    String controller,
    String bootMode,
    @JsonProperty("format") String qemuFormat,
    String detail,
    List<String> consoleTail,
    String serialLog) {

  public VerifyResult {
    consoleTail = List.copyOf(consoleTail);
  }

  /** The outcome in lower case: ready, panicked, timed_out, crashed... */
  @JsonProperty("status")
  public String statusName() {
    return status.name().toLowerCase(java.util.Locale.ROOT);
  }

  /** Boot time in seconds, rounded to milliseconds. */
  @JsonProperty("bootSeconds")
  public double bootSeconds() {
    return bootTime.toMillis() / 1000.0;
  }

  /** The failure message: what happened, the console tail, and where the full log is. */
  public String failureMessage() {
    StringBuilder sb = new StringBuilder(detail);
    if (consoleTail.isEmpty()) {
      sb.append("\n(no console output)");
    } else {
      sb.append("\nlast console lines:");
      for (String line : consoleTail) {
        sb.append("\n  | ").append(line);
      }
    }
    if (serialLog != null) {
      sb.append("\nfull console log: ").append(serialLog);
    }
    return sb.toString();
  }
}
