package dev.unideploy.pipeline.state.remote;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.unideploy.pipeline.state.LockOwner;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;

/**
 * The body of an app's lock object: who holds it, the holder's random token (how it recognises its
 * own writes), the lease length, and a renewal counter that makes every renewal a new body.
 *
 * @param renewedAt the holder's clock at the last renewal: for people reading the object, never
 *     compared (lease ages come from the store's clock)
 */
record LockRecord(
    @JsonProperty("format") String format,
    @JsonProperty("app") String app,
    @JsonProperty("owner") LockOwner owner,
    @JsonProperty("token") String token,
    @JsonProperty("leaseSeconds") long leaseSeconds,
    @JsonProperty("renewals") long renewals,
    @JsonProperty("renewedAt") Instant renewedAt) {

  static final String FORMAT = "unideploy-lock/1";

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  LockRecord renewed(Instant now) {
    return new LockRecord(format, app, owner, token, leaseSeconds, renewals + 1, now);
  }

  /** Whether a lock last written {@code silent} ago (on the store's clock) has run out. */
  boolean expiredAfter(Duration silent) {
    return silent.compareTo(Duration.ofSeconds(leaseSeconds)) > 0;
  }

  byte[] encode() {
    try {
      return JSON.writeValueAsBytes(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("lock record is not serialisable", e);
    }
  }

  /** The record in {@code data}, or null when it is not a whole lock record. */
  static LockRecord decode(byte[] data) {
    try {
      LockRecord r = JSON.readValue(data, LockRecord.class);
      if (r == null
          || !FORMAT.equals(r.format())
          || r.owner() == null
          || r.token() == null
          || r.leaseSeconds() <= 0) {
        return null;
      }
      return r;
    } catch (IOException e) {
      return null;
    }
  }
}
