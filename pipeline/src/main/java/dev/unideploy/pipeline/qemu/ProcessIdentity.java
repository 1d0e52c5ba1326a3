package dev.unideploy.pipeline.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A process as the kernel knows it: its pid plus its start time, so a pid the kernel has since
 * given to another process is never mistaken for ours (and never signalled).
 *
 * <p>The start time is field 22 of {@code /proc/PID/stat} ({@code starttime}, clock ticks since
 * boot; see proc(5)). The second field, the command name, is in parentheses and may itself contain
 * spaces and parentheses, so fields are counted from the last {@code ')'}.
 */
public record ProcessIdentity(long pid, long startTime) {

  /** What became of a recorded process. */
  public enum Status {
    /** Running, same start time. */
    ALIVE,
    /** No such process, or a zombie: it has exited. */
    EXITED,
    /** The pid now belongs to a different process. */
    PID_REUSED
  }

  private static final Path PROC = Path.of("/proc");

  /** The identity of a running process, or empty if it is gone (or a zombie). */
  public static Optional<ProcessIdentity> of(long pid) {
    return of(PROC, pid);
  }

  static Optional<ProcessIdentity> of(Path proc, long pid) {
    Optional<Stat> s = stat(proc, pid);
    if (s.isEmpty() || s.get().zombie()) {
      return Optional.empty();
    }
    return Optional.of(new ProcessIdentity(pid, s.get().startTime()));
  }

  /** What the process recorded as this identity is now. */
  public Status status() {
    return status(PROC);
  }

  Status status(Path proc) {
    Optional<Stat> s = stat(proc, pid);
    if (s.isEmpty() || s.get().zombie()) {
      return Status.EXITED;
    }
    return s.get().startTime() == startTime ? Status.ALIVE : Status.PID_REUSED;
  }

  record Stat(char state, long startTime) {
    boolean zombie() {
      return state == 'Z' || state == 'X';
    }
  }

  private static Optional<Stat> stat(Path proc, long pid) {
    String text;
    try {
      text =
          Files.readString(
              proc.resolve(Long.toString(pid)).resolve("stat"), StandardCharsets.ISO_8859_1);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      // The process exited between the lookup and the read (ESRCH), or /proc is not Linux's.
      return Optional.empty();
    }
    return Optional.of(parse(text, pid));
  }

  static Stat parse(String text, long pid) {
    int close = text.lastIndexOf(')');
    if (close < 0) {
      throw new IllegalStateException("/proc/" + pid + "/stat has no command name: " + text);
    }
    String[] f = text.substring(close + 1).trim().split(" +");
    // f[0] is field 3 (state); field 22 (starttime) is therefore f[19].
    if (f.length < 20) {
      throw new IllegalStateException("/proc/" + pid + "/stat is too short: " + text);
    }
    return new Stat(f[0].charAt(0), Long.parseLong(f[19]));
  }

  /** Start time parsed from a {@code /proc/PID/stat} line (for tests of the parser). */
  static long startTimeOf(String statLine) {
    return parse(statLine, -1).startTime();
  }
}
