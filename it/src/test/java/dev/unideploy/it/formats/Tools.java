package dev.unideploy.it.formats;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a reference tool (qemu-img, GNU tar) and returns its exit code and output. */
final class Tools {
  record Result(int code, String out) {}

  private Tools() {}

  static Result run(Path dir, String... command) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(List.of(command)).directory(dir.toFile());
    pb.redirectErrorStream(true);
    Process p = pb.start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream in = p.getInputStream()) {
      in.transferTo(out);
    }
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", command) + " did not finish in 120 s");
    }
    return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8));
  }

  /** Runs and fails with the tool's output unless it exits 0. */
  static String ok(Path dir, String... command) throws IOException, InterruptedException {
    Result r = run(dir, command);
    if (r.code() != 0) {
      throw new AssertionError(String.join(" ", command) + " exited " + r.code() + ":\n" + r.out());
    }
    return r.out();
  }
}
