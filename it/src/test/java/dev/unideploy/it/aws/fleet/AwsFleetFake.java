package dev.unideploy.it.aws.fleet;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs it/fakes/awsfleet: moto, in a process of its own, whose EC2 instances boot their AMI's
 * published disk under QEMU and whose target health and console output come from those QEMUs. Its
 * QEMUs die with it.
 */
final class AwsFleetFake implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("awsfleet listening on (http://\\S+)");

  private final Process process;
  private final URI endpoint;
  private final Path state;

  private AwsFleetFake(Process process, URI endpoint, Path state) {
    this.process = process;
    this.endpoint = endpoint;
    this.state = state;
  }

  static AwsFleetFake start(Path state) throws Exception {
    Path root = Path.of(System.getProperty("unideploy.repoRoot", ".")).toAbsolutePath();
    Files.createDirectories(state);
    ProcessBuilder pb =
        new ProcessBuilder(
                python(root).toString(),
                "-m",
                "awsfleet",
                "--port",
                "0",
                "--state-dir",
                state.toString())
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().put("PYTHONPATH", root.resolve("it/fakes").toString());
    Process p = pb.start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<URI> ready =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                for (String line; (line = out.readLine()) != null; ) {
                  Matcher m = LISTENING.matcher(line);
                  if (m.find()) {
                    drain(out);
                    return URI.create(m.group(1));
                  }
                }
                throw new IllegalStateException("the awsfleet fake exited before listening");
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            });
    try {
      return new AwsFleetFake(p, ready.get(60, TimeUnit.SECONDS), state);
    } catch (Exception e) {
      p.destroyForcibly();
      throw new IllegalStateException(
          "the awsfleet fake did not start (see " + state.resolve("awsfleet.log") + ")", e);
    }
  }

  /** moto's Python (the one with moto installed by scripts/emulators.sh). */
  private static Path python(Path root) throws IOException {
    String tools = System.getenv("UNIDEPLOY_TOOLS");
    Path dir =
        tools == null
            ? Path.of(System.getProperty("user.home"), ".cache", "unideploy-tools")
            : Path.of(tools);
    Matcher m =
        Pattern.compile("(?m)^MOTO_VERSION=(\\S+)")
            .matcher(Files.readString(root.resolve("scripts/emulators.sh")));
    if (!m.find()) {
      throw new IllegalStateException("scripts/emulators.sh names no MOTO_VERSION");
    }
    Path python = dir.resolve("moto-" + m.group(1)).resolve("bin/python3");
    if (!Files.isExecutable(python)) {
      throw new IllegalStateException(
          python + " does not exist: run scripts/emulators.sh up, which installs moto");
    }
    return python;
  }

  private static void drain(BufferedReader out) {
    Thread t =
        new Thread(
            () -> {
              try {
                while (out.readLine() != null) {
                  // moto's request log: read so that the pipe never fills
                }
              } catch (IOException e) {
                // the process ended
              }
            },
            "awsfleet-output");
    t.setDaemon(true);
    t.start();
  }

  URI endpoint() {
    return endpoint;
  }

  /** The fake's own log: what it booted, stopped and could not boot. */
  String log() throws IOException {
    Path log = state.resolve("awsfleet.log");
    return Files.exists(log) ? Files.readString(log) : "";
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
