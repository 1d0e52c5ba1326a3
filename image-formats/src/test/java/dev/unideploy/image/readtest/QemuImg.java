package dev.unideploy.image.readtest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the reference tool, {@code qemu-img} (and {@code qemu-io}), for fixtures. */
public final class QemuImg {
  private QemuImg() {}

  public static boolean available() {
    return Files.isExecutable(Path.of("/usr/bin/qemu-img")) || onPath("qemu-img");
  }

  public static boolean ioAvailable() {
    return Files.isExecutable(Path.of("/usr/bin/qemu-io")) || onPath("qemu-io");
  }

  /** Runs {@code qemu-img ARGS}, failing with its output when it fails. */
  public static String run(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add("qemu-img");
    cmd.addAll(List.of(args));
    return exec(cmd);
  }

  public static String io(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add("qemu-io");
    cmd.addAll(List.of(args));
    return exec(cmd);
  }

  private static String exec(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("timed out: " + cmd);
    }
    String text = new String(out, StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new IOException(cmd + " failed (" + p.exitValue() + "): " + text);
    }
    return text;
  }

  private static boolean onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, name))) {
        return true;
      }
    }
    return false;
  }
}
