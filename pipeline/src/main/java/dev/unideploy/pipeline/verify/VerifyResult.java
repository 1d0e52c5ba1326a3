package dev.unideploy.pipeline.verify;

import dev.unideploy.pipeline.qemu.BootOutcome;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The outcome of a boot verification.
 *
 * @param bootTime from QEMU's start to the readiness signal (to the failure when not ok)
 * @param accelerator kvm or tcg, as actually used
 * @param qemuFormat the block driver the image was opened with (raw, vmdk, vpc, qcow2)
 * @param serialLog the full console log, kept after a failure; null once deleted
 */
public record VerifyResult(
    boolean ok,
    BootOutcome.Status status,
    Duration bootTime,
    String accelerator,
    String controller,
    String bootMode,
    String qemuFormat,
    String detail,
    List<String> consoleTail,
    String serialLog) {

  public VerifyResult {
    consoleTail = List.copyOf(consoleTail);
  }

  /** Boot time in seconds, rounded to milliseconds. */
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

  /** The JSON-able result document of {@code unideploy verify --output json}. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ok", ok);
    m.put("status", status.name().toLowerCase(java.util.Locale.ROOT));
    m.put("bootSeconds", bootSeconds());
    m.put("accelerator", accelerator);
    m.put("controller", controller);
    m.put("bootMode", bootMode);
    m.put("format", qemuFormat);
    m.put("detail", detail);
    m.put("consoleTail", consoleTail);
    if (serialLog != null) {
      m.put("serialLog", serialLog);
    }
    return m;
  }
}
