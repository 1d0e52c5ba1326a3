package dev.unideploy.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A Java main class run in its own JVM on this test's class path, with its own home folder (a
 * state-less CI runner) and environment; its output goes to a log the test reads line by line.
 */
public final class ChildJvm implements AutoCloseable {
  private final Process process;
  private final Path log;

  private ChildJvm(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  public static ChildJvm start(
      Class<?> main, List<String> args, Map<String, String> env, Path home, Path log)
      throws IOException {
    List<String> launch = List.of("-cp", System.getProperty("java.class.path"), main.getName());
    return launch(launch, args, env, home, log);
  }

  /**
   * The CLI as a user runs it, {@code java -jar unideploy.jar ARGS}: the jar the build packaged
   * (system property {@code unideploy.cliJar}, set by the it module's pom).
   */
  public static ChildJvm cli(List<String> args, Map<String, String> env, Path home, Path log)
      throws IOException {
    String jar = System.getProperty("unideploy.cliJar");
    if (jar == null || !Files.isRegularFile(Path.of(jar))) {
      throw new IllegalStateException(
          "the CLI jar "
              + jar
              + " is missing: run the test through mvn -pl it -am verify, which packages it");
    }
    return launch(List.of("-jar", jar), args, env, home, log);
  }

  private static ChildJvm launch(
      List<String> launch, List<String> args, Map<String, String> env, Path home, Path log)
      throws IOException {
    Files.createDirectories(home);
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Duser.home=" + home);
    command.add("--enable-native-access=ALL-UNNAMED");
    command.addAll(launch);
    command.addAll(args);
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .directory(home.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().putAll(env);
    return new ChildJvm(pb.start(), log);
  }

  public boolean alive() {
    return process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  public String output() throws IOException {
    return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
  }

  /** Waits until the output has a line starting with {@code prefix}, or the child exits. */
  public boolean awaitLine(String prefix, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (output().lines().anyMatch(l -> l.startsWith(prefix))) {
        return true;
      }
      if (!process.isAlive()) {
        return output().lines().anyMatch(l -> l.startsWith(prefix));
      }
      Thread.sleep(20);
    }
    return false;
  }

  public int await(Duration timeout) throws Exception {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly().waitFor();
      throw new AssertionError("child did not finish within " + timeout + ":\n" + output());
    }
    return process.exitValue();
  }

  /**
   * Waits until {@code reached} holds, polled every 50 ms: true once it does while the child runs,
   * false when the child ended or {@code timeout} passed first. For acting (a kill, a second run)
   * at a chosen point of the child's run rather than after a guessed sleep.
   */
  public boolean reaches(BooleanSupplier reached, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (process.isAlive() && System.nanoTime() - deadline < 0) {
      if (reached.getAsBoolean()) {
        return true;
      }
      Thread.sleep(50);
    }
    return false;
  }

  /** SIGKILL: no finally block runs, nothing is released or flushed. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
  }

  /**
   * Kills the child (SIGKILL) as soon as {@code reached} holds, polled as {@link #reaches} does:
   * the point of the kill is chosen from what the child did (its journal, the calls a fake saw),
   * never by a sleep. Returns whether the condition held before the child ended or {@code timeout}
   * passed; the child is dead either way.
   */
  public boolean killWhen(BooleanSupplier reached, Duration timeout) throws InterruptedException {
    boolean hit = reaches(reached, timeout);
    kill();
    return hit;
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }
}
