package dev.unideploy.pipeline.state.remote;

import java.time.Instant;
import java.util.Objects;

/**
 * An object as read: its bytes, its version (ETag or generation), when the store last wrote it, and
 * the store's own time when it answered. Lease ages are measured between the last two, both on the
 * store's clock, so no two machines' clocks are ever compared.
 */
public record StoredObject(byte[] data, String version, Instant modified, Instant serverNow) {
  public StoredObject {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(modified, "modified");
    Objects.requireNonNull(serverNow, "serverNow");
  }
}
