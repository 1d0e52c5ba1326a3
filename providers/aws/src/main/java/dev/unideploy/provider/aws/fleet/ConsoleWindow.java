package dev.unideploy.provider.aws.fleet;

import java.util.Arrays;

/**
 * Turns GetConsoleOutput's answers into one console with stable byte offsets. EC2 returns the whole
 * output while it is short and only the newest 64 KiB once it is longer
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetConsoleOutput.html), so an offset
 * into one answer means nothing in the next; this remembers where the last answer sat in the whole
 * console and finds where the new one starts by its overlap with the last.
 */
final class ConsoleWindow {
  /** The most EC2 returns; a shorter answer is the whole console from its first byte. */
  static final int LIMIT = 64 * 1024;

  /** How much of the last answer's end is looked for in the new one. */
  private static final int PROBE = 256;

  private byte[] last = new byte[0];
  private long lastStart;

  /** One answer placed in the whole console. */
  record Placed(byte[] bytes, long start) {
    /** The bytes at and after absolute offset {@code from} (all of them when it lies before). */
    byte[] from(long from) {
      int skip = (int) Math.max(0, Math.min(bytes.length, from - start));
      return Arrays.copyOfRange(bytes, skip, bytes.length);
    }

    long end() {
      return start + bytes.length;
    }
  }

  synchronized Placed place(byte[] answer) {
    long start;
    if (answer.length < LIMIT) {
      start = 0; // the whole console (an instance that restarted begins again at 0)
    } else {
      start = lastStart + last.length - overlap(last, answer);
    }
    last = answer;
    lastStart = start;
    return new Placed(answer, start);
  }

  /**
   * How many bytes at the end of {@code previous} the new answer begins with, found by the last
   * place where the previous answer's final bytes appear in it; 0 when they do not (all is new).
   */
  static int overlap(byte[] previous, byte[] answer) {
    if (previous.length == 0) {
      return 0;
    }
    int k = Math.min(PROBE, previous.length);
    byte[] probe = Arrays.copyOfRange(previous, previous.length - k, previous.length);
    for (int end = Math.min(answer.length, previous.length); end >= k; end--) {
      if (Arrays.equals(answer, end - k, end, probe, 0, k)
          && Arrays.equals(answer, 0, end, previous, previous.length - end, previous.length)) {
        return end;
      }
    }
    return 0;
  }
}
