package dev.unideploy.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Finds QEMU processes by a path on their command line, from /proc: what a test left running. */
public final class QemuProcesses {
  private QemuProcesses() {}

  /** Pids of live qemu-system processes whose command line mentions {@code path}. */
  public static List<Long> mentioning(Path path) throws IOException {
    return new ArrayList<>(find(path, false).keySet());
  }

  /**
   * The command lines (arguments joined by NUL) of live qemu-system processes, or wrappers starting
   * one, that mention {@code path}, by pid.
   */
  public static Map<Long, String> commandLines(Path path) throws IOException {
    return find(path, false);
  }

  /**
   * Pids of processes that already are QEMU (their executable, not a wrapper such as setpriv or
   * timeout(1) whose arguments name QEMU) and mention {@code path}. Once QEMU itself runs, the
   * wrappers in front of it have set their parent-death signals, which they do before exec.
   */
  public static List<Long> runningQemu(Path path) throws IOException {
    return new ArrayList<>(find(path, true).keySet());
  }

  private static Map<Long, String> find(Path path, boolean qemuItself) throws IOException {
    Map<Long, String> pids = new TreeMap<>();
    String needle = path.toAbsolutePath().toString();
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path p : procs) {
        String cmd;
        String stat;
        try {
          cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
          stat = Files.readString(p.resolve("stat"), StandardCharsets.ISO_8859_1);
          if (qemuItself
              && !Files.readString(p.resolve("comm"), StandardCharsets.ISO_8859_1)
                  .startsWith("qemu-system")) {
            continue;
          }
        } catch (IOException e) {
          continue; // Exited while we looked.
        }
        boolean zombie = stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        if (!zombie && cmd.contains("qemu-system") && cmd.contains(needle)) {
          pids.put(Long.parseLong(p.getFileName().toString()), cmd);
        }
      }
    }
    return pids;
  }
}
