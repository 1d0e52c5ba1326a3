package dev.unideploy.provider.local;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.qemu.ProcessIdentity;
import dev.unideploy.pipeline.qemu.ProcessStopper;
import dev.unideploy.pipeline.state.StateFiles;
import dev.unideploy.provider.local.balancer.Balancer;
import dev.unideploy.provider.local.balancer.BalancerConfig;
import dev.unideploy.provider.local.balancer.BalancerStatus;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * An app's stable local endpoint: the {@link Balancer} process in {@code <home>/balancers/<app>},
 * started when the app's first group goes in service, told which instances serve by rewriting its
 * config, and stopped when the app's last group is destroyed. Its port stays the same for the app's
 * whole life (the configured one, or a free one chosen once and kept), so clients keep one address
 * while groups change behind it.
 */
final class LocalEndpoint {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration STALE = Duration.ofSeconds(5);

  private final Path dir;
  private final LocalSettings.Endpoint settings;
  private final String httpPath;

  /** The balancer process, as recorded in {@code balancer.json}. */
  record Running(
      @JsonProperty("pid") long pid,
      @JsonProperty("pidStartTime") long pidStartTime,
      @JsonProperty("port") int port) {}

  /**
   * @param httpPath the balancer's health check (health.http), or null for a TCP check
   */
  LocalEndpoint(LocalHome home, String app, LocalSettings.Endpoint settings, String httpPath) {
    this.dir = home.home().resolve("balancers").resolve(app);
    this.settings = settings;
    this.httpPath = httpPath;
  }

  Path dir() {
    return dir;
  }

  /** The endpoint's port: configured, else chosen at the first deploy and kept. */
  int port() {
    if (settings.port() != null) {
      return settings.port();
    }
    Path file = dir.resolve("port");
    try {
      if (Files.isRegularFile(file)) {
        return Integer.parseInt(Files.readString(file, StandardCharsets.US_ASCII).strip());
      }
      StateFiles.createPrivateDirectories(dir);
      int port;
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(settings.address()))) {
        port = s.getLocalPort();
      }
      Files.writeString(file, Integer.toString(port), StandardCharsets.US_ASCII);
      return port;
    } catch (IOException | NumberFormatException e) {
      throw new UnideployException(
          "could not choose the local endpoint's port in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The URL clients use. */
  String url() {
    String host = settings.address().equals("0.0.0.0") ? "127.0.0.1" : settings.address();
    return "http://" + host + ":" + port();
  }

  /**
   * Makes the balancer forward to exactly {@code backends}, starting it if it is not running, and
   * returns once it applied the change (backends that left are draining from then on).
   */
  void serve(List<BalancerConfig.Backend> backends) {
    long generation = System.currentTimeMillis() * 1000 + (System.nanoTime() / 1000) % 1000;
    BalancerConfig config =
        new BalancerConfig(generation, settings.address(), port(), httpPath, 500, backends);
    JsonFiles.write(Balancer.configFile(dir), config);
    if (running().isEmpty()) {
      start();
    }
    awaitStatus(
        s -> s.generation() >= generation,
        "the local load balancer to take the new list of instances");
  }

  /**
   * Waits until none of {@code ids} has an open connection through the balancer, at most the
   * configured drain time (then they are cut when their instances stop, as a cloud load balancer's
   * deregistration delay ends).
   */
  void drain(Set<String> ids) {
    if (ids.isEmpty() || running().isEmpty()) {
      return;
    }
    long end = System.nanoTime() + settings.drain().toNanos();
    while (System.nanoTime() - end < 0) {
      Optional<BalancerStatus> s = status();
      if (s.isEmpty()
          || s.get().backends().stream().noneMatch(b -> ids.contains(b.id()) && b.active() > 0)) {
        return;
      }
      sleep(100);
    }
  }

  /** The balancer's last report, if it runs and wrote one recently. */
  Optional<BalancerStatus> status() {
    Optional<Running> r = running();
    if (r.isEmpty()) {
      return Optional.empty();
    }
    Path file = Balancer.statusFile(dir);
    try {
      BalancerStatus s = JsonFiles.read(file, BalancerStatus.class);
      if (s.pid() != r.get().pid() || s.updatedAt().isBefore(Instant.now().minus(STALE))) {
        return Optional.empty();
      }
      return Optional.of(s);
    } catch (UnideployException e) {
      return Optional.empty(); // Not written yet.
    }
  }

  /** Whether the app has an endpoint at all (its balancer folder exists). */
  boolean exists() {
    return Files.isRegularFile(Balancer.configFile(dir));
  }

  /** Stops the balancer (deleting its config makes it exit) and forgets the port. */
  void stop() {
    try {
      Files.deleteIfExists(Balancer.configFile(dir));
    } catch (IOException e) {
      throw new UnideployException("could not remove " + Balancer.configFile(dir) + ": " + e, e);
    }
    Optional<Running> r = running();
    if (r.isPresent()) {
      ProcessIdentity id = new ProcessIdentity(r.get().pid(), r.get().pidStartTime());
      long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
      while (id.status() == ProcessIdentity.Status.ALIVE && System.nanoTime() - end < 0) {
        sleep(50);
      }
      ProcessStopper.stop(id, Duration.ofSeconds(2));
    }
    try {
      Files.deleteIfExists(dir.resolve("balancer.json"));
      Files.deleteIfExists(Balancer.statusFile(dir));
      if (settings.port() == null) {
        Files.deleteIfExists(dir.resolve("port"));
      }
    } catch (IOException e) {
      // Leftover files are re-written by the next start.
    }
  }

  private Optional<Running> running() {
    Path file = dir.resolve("balancer.json");
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    Running r;
    try {
      r = JsonFiles.read(file, Running.class);
    } catch (UnideployException e) {
      return Optional.empty();
    }
    return new ProcessIdentity(r.pid(), r.pidStartTime()).status() == ProcessIdentity.Status.ALIVE
        ? Optional.of(r)
        : Optional.empty();
  }

  /**
   * Starts the balancer as its own process in its own session (so that it outlives this command and
   * a Ctrl-C in the terminal), with a small heap: it only copies bytes.
   */
  private void start() {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> cmd = new ArrayList<>();
    if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
      cmd.add("/usr/bin/setsid");
    }
    cmd.addAll(
        List.of(
            java.toString(),
            "-Xmx64m",
            "-Xss256k",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-cp",
            System.getProperty("java.class.path"),
            Balancer.class.getName(),
            dir.toString()));
    Path log = dir.resolve("balancer.log");
    Process p;
    try {
      Files.deleteIfExists(Balancer.statusFile(dir));
      p =
          new ProcessBuilder(cmd)
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
    } catch (IOException e) {
      throw new UnideployException(
          "could not start the local load balancer (" + cmd.get(0) + "): " + e.getMessage(), e);
    }
    long startTime = ProcessIdentity.of(p.pid()).map(ProcessIdentity::startTime).orElse(0L);
    JsonFiles.write(dir.resolve("balancer.json"), new Running(p.pid(), startTime, port()));
    long end = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() - end < 0) {
      try {
        BalancerStatus s = JsonFiles.read(Balancer.statusFile(dir), BalancerStatus.class);
        if (s.pid() == p.pid() && s.error() != null) {
          throw new UnideployException(
              "the local load balancer "
                  + s.error()
                  + ": free that port or set providers.local.endpoint.port");
        }
        if (s.pid() == p.pid() && s.listening()) {
          return;
        }
      } catch (UnideployException e) {
        if (e.getMessage().startsWith("the local load balancer")) {
          throw e;
        }
      }
      if (!p.isAlive()) {
        throw new UnideployException(
            "the local load balancer exited at start (code " + p.exitValue() + "): see " + log);
      }
      sleep(50);
    }
    throw new UnideployException(
        "the local load balancer did not start listening within "
            + START_TIMEOUT.toSeconds()
            + " s: see "
            + log);
  }

  private void awaitStatus(java.util.function.Predicate<BalancerStatus> done, String what) {
    long end = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() - end < 0) {
      Optional<BalancerStatus> s = status();
      if (s.isPresent() && done.test(s.get())) {
        return;
      }
      sleep(50);
    }
    throw new UnideployException(
        "timed out waiting for "
            + what
            + ": see "
            + dir.resolve("balancer.log")
            + " (unideploy status shows the endpoint)");
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnideployException("interrupted while waiting for the local load balancer", e);
    }
  }
}
