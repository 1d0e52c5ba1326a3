package dev.unideploy.pipeline.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An instance count written either as a number ({@code 2}) or as a share of the target size ({@code
 * 25%}), as Kubernetes writes {@code maxSurge} and canary tools write their steps.
 *
 * @param value the count, or the percentage when {@code percent}
 */
public record Amount(int value, boolean percent) {
  private static final Pattern TEXT = Pattern.compile("(\\d{1,9})\\s*(%?)");

  public Amount {
    if (value < 0) {
      throw new IllegalArgumentException("an instance count must be >= 0, was " + value);
    }
    if (percent && value > 100) {
      throw new IllegalArgumentException("a share must be 0% to 100%, was " + value + "%");
    }
  }

  /**
   * A bare YAML number ({@code maxSurge: 1}, {@code steps: [1, 25%]}) arrives as an integer, which
   * Jackson does not hand to the text creator; it is a count.
   */
  @JsonCreator
  public static Amount count(int n) {
    return new Amount(n, false);
  }

  public static Amount percent(int p) {
    return new Amount(p, true);
  }

  /** Parses {@code 3} or {@code 25%}. */
  @JsonCreator
  public static Amount parse(String text) {
    Matcher m = TEXT.matcher(text.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "'" + text + "' is not an instance count: write a number (2) or a share (25%)");
    }
    return new Amount(Integer.parseInt(m.group(1)), !m.group(2).isEmpty());
  }

  /** The count this amount means for a group of {@code total}, rounded up (at least 0). */
  public int ceilOf(int total) {
    return percent ? (int) Math.ceil(total * (value / 100.0)) : value;
  }

  /** The count this amount means for a group of {@code total}, rounded down. */
  public int floorOf(int total) {
    return percent ? (int) Math.floor(total * (value / 100.0)) : value;
  }

  @JsonValue
  @Override
  public String toString() {
    return percent ? value + "%" : Integer.toString(value);
  }
}
