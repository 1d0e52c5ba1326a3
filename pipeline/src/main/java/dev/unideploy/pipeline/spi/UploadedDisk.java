package dev.unideploy.pipeline.spi;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * The result of an upload: the provider-side handle (snapshot id, object URL, disk id, store path)
 * and what it cost.
 *
 * @param method how it went up ({@code ebs-direct}, {@code gcs-resumable}, {@code page-blob}...)
 * @param bytesSent bytes sent over the network by this run
 * @param bytesSkipped bytes not sent: zero ranges, and ranges an earlier run had already sent
 * @param resumed whether an earlier, interrupted run's work was reused
 * @param details provider facts for display (block counts, object names), strings only
 */
public record UploadedDisk(
    String handle,
    String method,
    long bytesSent,
    long bytesSkipped,
    boolean resumed,
    @JsonIgnore Duration elapsed,
    Map<String, String> details) {
  public UploadedDisk {
    Objects.requireNonNull(handle, "handle");
    Objects.requireNonNull(method, "method");
    elapsed = elapsed == null ? Duration.ZERO : elapsed;
    details = Map.copyOf(details);
  }

  @JsonProperty("elapsedSeconds")
  public double elapsedSeconds() {
    return elapsed.toMillis() / 1000.0;
  }
}
