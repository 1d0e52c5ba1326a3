package dev.unideploy.pipeline.qemu;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Classifies serial console lines: the readiness line a healthy guest prints, or a line that means
 * it died. Patterns are matched per line ({@code find}, not whole-line).
 */
public final class ConsoleMatcher {

  /**
   * Death notices of common kernels, kept narrow so that a log line merely mentioning "panic" does
   * not fail a boot: Linux/OSv "Kernel panic", Go-style and Nanos "panic: ", a line starting with
   * "PANIC", Unikraft's "Crash" banner, failed assertions, SeaBIOS's "Boot failed", and OVMF
   * dropping to its shell because nothing on the disk was bootable.
   */
  public static final List<Pattern> DEFAULT_PANIC_PATTERNS =
      List.of(
          Pattern.compile("(?i)kernel panic"),
          Pattern.compile("^\\s*(\\[[^\\]]*\\]\\s*)?panic: "),
          Pattern.compile("^\\s*PANIC\\b"),
          Pattern.compile("\\bCRIT: .*[Cc]rash"),
          Pattern.compile("(?i)assertion .*failed"),
          Pattern.compile("^Boot failed"),
          Pattern.compile("^No bootable device"),
          // OVMF found nothing to boot and fell back to its shell.
          Pattern.compile("^\\s*UEFI Interactive Shell"));

  /** What a line means for a boot. */
  public enum Verdict {
    READY,
    PANIC,
    NONE
  }

  private final Pattern ready;
  private final List<Pattern> panics;

  private ConsoleMatcher(Pattern ready, List<Pattern> panics) {
    this.ready = ready;
    this.panics = List.copyOf(panics);
  }

  /** Ready when a line matches {@code regex}; default panic patterns. */
  public static ConsoleMatcher ready(String regex) {
    return new ConsoleMatcher(Pattern.compile(regex), DEFAULT_PANIC_PATTERNS);
  }

  /** No readiness pattern (readiness comes from a network probe); panics are still detected. */
  public static ConsoleMatcher panicsOnly() {
    return new ConsoleMatcher(null, DEFAULT_PANIC_PATTERNS);
  }

  /** The same readiness pattern with other panic patterns (empty: never judge by console). */
  public ConsoleMatcher withPanicPatterns(List<Pattern> patterns) {
    return new ConsoleMatcher(ready, Objects.requireNonNull(patterns, "patterns"));
  }

  /** The readiness pattern, or null when readiness is judged another way. */
  public Pattern readyPattern() {
    return ready;
  }

  /** PANIC wins over READY: a guest that prints both on one line did not come up cleanly. */
  public Verdict classify(String line) {
    for (Pattern p : panics) {
      if (p.matcher(line).find()) {
        return Verdict.PANIC;
      }
    }
    if (ready != null && ready.matcher(line).find()) {
      return Verdict.READY;
    }
    return Verdict.NONE;
  }
}
