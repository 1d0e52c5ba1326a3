package dev.unideploy.pipeline.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A minimal QEMU Machine Protocol client over QEMU's stdin/stdout: negotiates capabilities, records
 * asynchronous events (SHUTDOWN, GUEST_PANICKED, RESET) and sends {@code quit}.
 *
 * <p>QMP sends one JSON object per line; see https://www.qemu.org/docs/master/interop/qmp-spec.html
 */
final class QmpChannel {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One asynchronous QMP event: its name and its {@code data} object (may be empty). */
  record Event(String name, JsonNode data) {}

  private final OutputStream toQemu;
  private final List<Event> events = new ArrayList<>();
  private final CountDownLatch ready = new CountDownLatch(1);
  private final Thread reader;
  private final java.util.Map<Integer, java.util.concurrent.CompletableFuture<JsonNode>> pending =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicInteger nextId =
      new java.util.concurrent.atomic.AtomicInteger(1);

  QmpChannel(InputStream fromQemu, OutputStream toQemu, String threadName) {
    this.toQemu = toQemu;
    this.reader = new Thread(() -> readLoop(fromQemu), threadName);
    reader.setDaemon(true);
  }

  void start() {
    reader.start();
  }

  /** Waits for the greeting and the capabilities reply; false if QEMU went away first. */
  boolean awaitReady(Duration timeout) throws InterruptedException {
    return ready.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Closes our end; QEMU keeps running (a socket client may reconnect later). */
  void close() {
    try {
      toQemu.close();
    } catch (IOException e) {
      // Already closed.
    }
  }

  /** Asks QEMU to exit; ignored when the pipe is already closed (QEMU gone). */
  void quit() {
    send("{\"execute\":\"quit\"}");
  }

  /**
   * Runs a human-monitor command (e.g. {@code info usernet}) and returns its text output, or empty
   * if QEMU did not answer in time or is gone.
   */
  Optional<String> hmp(String commandLine, Duration timeout) throws InterruptedException {
    var args = JSON.createObjectNode().put("command-line", commandLine);
    return call("human-monitor-command", args, timeout).map(r -> r.asText(null));
  }

  /** Runs a QMP command without arguments and returns its {@code return} value, or empty. */
  Optional<JsonNode> execute(String command, Duration timeout) throws InterruptedException {
    return call(command, null, timeout);
  }

  /** Sends one command and waits for its reply's {@code return}; empty on error or timeout. */
  private Optional<JsonNode> call(String command, JsonNode arguments, Duration timeout)
      throws InterruptedException {
    int id = nextId.getAndIncrement();
    java.util.concurrent.CompletableFuture<JsonNode> reply =
        new java.util.concurrent.CompletableFuture<>();
    pending.put(id, reply);
    try {
      var req = JSON.createObjectNode();
      req.put("execute", command);
      if (arguments != null) {
        req.set("arguments", arguments);
      }
      req.put("id", id);
      send(req.toString());
      JsonNode r = reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return r.has("return") ? Optional.of(r.get("return")) : Optional.empty();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      return Optional.empty();
    } finally {
      pending.remove(id);
    }
  }

  synchronized List<Event> events() {
    return List.copyOf(events);
  }

  /** True when QEMU announced a STOP (the vCPUs were paused) and no RESUME since. */
  boolean stopped() {
    boolean stopped = false;
    for (Event e : events()) {
      if (e.name().equals("STOP")) {
        stopped = true;
      } else if (e.name().equals("RESUME")) {
        stopped = false;
      }
    }
    return stopped;
  }

  /** The reason of the first SHUTDOWN event, if QEMU reported one. */
  Optional<ShutdownReason> shutdownReason() {
    return shutdownReason(events());
  }

  /** The first SHUTDOWN (or GUEST_PANICKED) among recorded events, as a reason. */
  static Optional<ShutdownReason> shutdownReason(List<Event> events) {
    for (Event e : events) {
      if (e.name().equals("SHUTDOWN")) {
        return Optional.of(ShutdownReason.fromQmp(e.data().path("reason").asText(null)));
      }
      if (e.name().equals("GUEST_PANICKED")) {
        return Optional.of(ShutdownReason.GUEST_PANIC);
      }
    }
    return Optional.empty();
  }

  /** Parses one line QEMU sent; public to the package so recorded traffic can be replayed. */
  static Optional<Event> parseEvent(String line) {
    JsonNode node = parse(line);
    if (node != null && node.has("event")) {
      return Optional.of(new Event(node.get("event").asText(), node.path("data")));
    }
    return Optional.empty();
  }

  private void readLoop(InputStream in) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        JsonNode node = parse(line);
        if (node == null) {
          continue;
        }
        if (node.has("QMP")) {
          send("{\"execute\":\"qmp_capabilities\"}");
        } else if (node.has("event")) {
          synchronized (this) {
            events.add(new Event(node.get("event").asText(), node.path("data")));
          }
        } else if (node.has("id")) {
          var f = pending.get(node.path("id").asInt(-1));
          if (f != null) {
            f.complete(node);
          }
        } else if (node.has("return")) {
          ready.countDown();
        }
      }
    } catch (IOException e) {
      // The pipe closes when QEMU exits; the process status tells the rest.
    } finally {
      pending.values().forEach(f -> f.completeExceptionally(new IOException("QEMU exited")));
    }
  }

  private static JsonNode parse(String line) {
    try {
      return JSON.readTree(line);
    } catch (IOException e) {
      return null; // Not JSON (a stray warning on stdout): the protocol has no other framing.
    }
  }

  private synchronized void send(String json) {
    try {
      toQemu.write((json + "\n").getBytes(StandardCharsets.UTF_8));
      toQemu.flush();
    } catch (IOException e) {
      // QEMU already exited; nothing to tell it.
    }
  }
}
