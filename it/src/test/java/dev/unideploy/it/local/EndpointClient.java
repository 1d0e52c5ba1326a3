package dev.unideploy.it.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A steady client of the stable endpoint, on a thread of its own until {@link #close}: one request
 * every 20 ms, counting each answer's body and keeping every failure. Not a load test: TCG guests
 * share two cores with the test.
 */
final class EndpointClient implements AutoCloseable {
  private final URI endpoint;
  private final Map<String, AtomicInteger> answers = new ConcurrentHashMap<>();
  private final List<String> failures = new CopyOnWriteArrayList<>();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final Thread thread;

  private EndpointClient(URI endpoint) {
    this.endpoint = endpoint;
    this.thread = new Thread(this::loop, "endpoint-client");
  }

  static EndpointClient start(URI endpoint) {
    EndpointClient c = new EndpointClient(endpoint);
    c.thread.start();
    return c;
  }

  private void loop() {
    while (!stop.get()) {
      try {
        answers.computeIfAbsent(get(endpoint), k -> new AtomicInteger()).incrementAndGet();
      } catch (IOException e) {
        failures.add(e.toString());
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** The bodies answered so far, with their counts. */
  Map<String, AtomicInteger> answers() {
    return answers;
  }

  /** The requests that failed so far. */
  List<String> failures() {
    return failures;
  }

  @Override
  public void close() throws InterruptedException {
    stop.set(true);
    thread.join();
  }

  /**
   * One HTTP/1.0 request on a fresh connection (as many clients open one per request): each goes
   * through the balancer's choice of backend anew. Returns the body without its trailing newline.
   */
  static String get(URI endpoint) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(endpoint.getHost(), endpoint.getPort()), 5_000);
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write("GET / HTTP/1.0\r\nHost: web\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      if (!response.startsWith("HTTP/1.") || !response.split(" ", 3)[1].equals("200")) {
        throw new IOException("not a 200 answer: " + response.lines().findFirst().orElse(""));
      }
      int body = response.indexOf("\r\n\r\n");
      if (body < 0) {
        throw new IOException("answer without a body: " + response);
      }
      return response.substring(body + 4).strip();
    }
  }
}
