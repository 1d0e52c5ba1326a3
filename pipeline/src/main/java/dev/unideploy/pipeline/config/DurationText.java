package dev.unideploy.pipeline.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import java.io.IOException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the durations people write in YAML: {@code 90s}, {@code 15m}, {@code 2h}, {@code 30d}, or
 * ISO-8601 ({@code PT90S}); a bare number is seconds.
 */
public final class DurationText {
  private static final Pattern SHORT = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?");

  private DurationText() {}

  public static Duration parse(String text) {
    String t = text.strip().toLowerCase(Locale.ROOT);
    Matcher m = SHORT.matcher(t);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      String unit = m.group(2) == null ? "s" : m.group(2);
      return switch (unit) {
        case "ms" -> Duration.ofMillis(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        case "d" -> Duration.ofDays(n);
        default -> Duration.ofSeconds(n);
      };
    }
    try {
      return Duration.parse(text.strip().toUpperCase(Locale.ROOT));
    } catch (DateTimeParseException e) {
      // Not chained: the parser's own message ("Text cannot be parsed") would hide this one.
      throw new IllegalArgumentException(
          "'" + text + "' is not a duration: write it like 90s, 15m, 2h, 30d or PT15M");
    }
  }

  /** Jackson binding for {@link Duration} fields written as text. */
  public static final class Json extends JsonDeserializer<Duration> {
    @Override
    public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      try {
        return parse(p.getValueAsString());
      } catch (IllegalArgumentException e) {
        // The cause carries the plain message the config loader shows, without parser locations.
        throw JsonMappingException.from(p, e.getMessage(), e);
      }
    }
  }
}
