package dev.unideploy.provider.local.balancer;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

/**
 * The local provider's load balancer: a small TCP forwarder that runs as its own process (it must
 * outlive the unideploy command that starts it) and gives an app one stable address while server
 * groups come and go behind it. It re-reads {@code config.json} when it changes, health-checks the
 * backends, forwards each client connection to a healthy one and writes {@code status.json}, which
 * is where the local fleet's load-balancer view of an instance comes from. It exits when its
 * folder's {@code config.json} is deleted (the app's last group was destroyed).
 *
 * <p>Run: {@code java -cp unideploy.jar dev.unideploy.provider.local.balancer.Balancer DIR}.
 */
public final class Balancer {
  static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** More open client connections than this are refused: the machine's threads are finite. */
  static final int MAX_CONNECTIONS = 1024;

  private static final long POLL_MILLIS = 100;
  private static final long STATUS_MILLIS = 250;

  private final Path dir;
  private final Pool pool = new Pool();
  private final Connection.Counters counters = new Connection.Counters();
  private final ExecutorService threads =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "balancer-connection");
            t.setDaemon(true);
            return t;
          });
  private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
  private volatile BalancerConfig config;
  private volatile String error;
  private volatile boolean listening;

  private Balancer(Path dir) {
    this.dir = dir;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: Balancer DIR (with DIR/config.json)");
      System.exit(2);
    }
    new Balancer(Path.of(args[0])).run();
  }

  public static Path configFile(Path dir) {
    return dir.resolve("config.json");
  }

  public static Path statusFile(Path dir) {
    return dir.resolve("status.json");
  }

  private void run() throws IOException, InterruptedException {
    config = read();
    if (config == null) {
      return;
    }
    pool.apply(config);
    ServerSocket server = new ServerSocket();
    server.setReuseAddress(true);
    try {
      server.bind(
          new InetSocketAddress(InetAddress.getByName(config.address()), config.port()), 512);
      listening = true;
    } catch (IOException e) {
      error =
          "cannot listen on "
              + config.address()
              + ":"
              + config.port()
              + " ("
              + e.getMessage()
              + ")";
      writeStatus();
      System.exit(1);
    }
    HealthChecker checker = new HealthChecker(config.httpPath());
    startDaemon("balancer-accept", () -> accept(server));
    startDaemon("balancer-health", () -> checkLoop(checker));
    long lastStatus = 0;
    while (true) {
      if (!Files.exists(configFile(dir))) {
        // The fleet removed the app's last group: nothing is left to serve.
        server.close();
        Files.deleteIfExists(statusFile(dir));
        System.exit(0);
        return;
      }
      BalancerConfig c = read(); // A few hundred bytes, ten times a second: cheaper than a watch.
      if (c != null && c.generation() != config.generation()) {
        config = c;
        pool.apply(c);
        checkNow(checker); // New backends are judged at once, not an interval later.
        writeStatus();
      }
      if (System.currentTimeMillis() - lastStatus >= STATUS_MILLIS) {
        writeStatus();
        lastStatus = System.currentTimeMillis();
      }
      Thread.sleep(POLL_MILLIS);
    }
  }

  private void accept(ServerSocket server) {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        counters.accepted();
        if (!slots.tryAcquire()) {
          counters.failed();
          client.close();
          continue;
        }
        threads.execute(
            () -> {
              try {
                new Connection(client, pool, counters, threads).run();
              } finally {
                slots.release();
              }
            });
      } catch (IOException e) {
        if (server.isClosed()) {
          return;
        }
      }
    }
  }

  private void checkLoop(HealthChecker checker) {
    while (true) {
      checkNow(checker);
      try {
        Thread.sleep(config.intervalMillis());
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private synchronized void checkNow(HealthChecker checker) {
    List<Pool.Member> members = pool.inConfig();
    // Checked in parallel: one backend that hangs must not delay the verdict on the others.
    List<java.util.concurrent.Future<?>> pending = new java.util.ArrayList<>();
    for (Pool.Member m : members) {
      pending.add(
          threads.submit(
              () -> {
                String why = checker.check(m);
                pool.checked(m, why == null, why == null ? "check passed" : why);
              }));
    }
    for (java.util.concurrent.Future<?> f : pending) {
      try {
        f.get();
      } catch (Exception e) {
        // A check that threw counts as nothing; the next round tries again.
      }
    }
  }

  private BalancerConfig read() {
    try {
      return JSON.readValue(configFile(dir).toFile(), BalancerConfig.class);
    } catch (IOException e) {
      return null; // Missing, or being replaced: the next poll reads it.
    }
  }

  private void writeStatus() {
    long[] c = counters.snapshot();
    BalancerStatus s =
        new BalancerStatus(
            ProcessHandle.current().pid(),
            config == null ? 0 : config.port(),
            listening,
            error,
            pool.generation(),
            Instant.now(),
            c[0],
            c[1],
            c[2],
            pool.status());
    Path tmp = dir.resolve("status.json.tmp");
    try {
      Files.write(tmp, JSON.writeValueAsBytes(s));
      try {
        Files.move(
            tmp,
            statusFile(dir),
            StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, statusFile(dir), StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      // The next round writes it again.
    }
  }

  private static void startDaemon(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    t.start();
  }
}
