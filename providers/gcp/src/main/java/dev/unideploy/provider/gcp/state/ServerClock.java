package dev.unideploy.provider.gcp.state;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Cloud Storage's own clock, read from the {@code Date} header of its answers: lease ages compare
 * an object's {@code updated} time with the store's "now", not this machine's.
 */
final class ServerClock {

  /** Store time minus this machine's time, from the latest answer; zero until the first. */
  private volatile Duration offset = Duration.ZERO;

  /** The store's time now, as far as its last answer tells. */
  Instant now() {
    return Instant.now().plus(offset);
  }

  /** Takes the store's time from an answer's {@code Date} header (RFC 1123), if it has one. */
  void record(String date) {
    if (date == null) {
      return;
    }
    try {
      Instant server = ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      offset = Duration.between(Instant.now(), server);
    } catch (DateTimeParseException e) {
      // Not a date: keep the last offset.
    }
  }
}
