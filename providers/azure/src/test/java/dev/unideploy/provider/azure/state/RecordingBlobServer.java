package dev.unideploy.provider.azure.state;

import com.azure.storage.common.StorageSharedKeyCredential;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A Blob service endpoint for unit tests: it records each request, checks its Shared Key signature
 * the way the service does (from the headers that actually arrived, so a header sent but not
 * signed, or signed but not sent, fails), and answers what the test scripted.
 */
final class RecordingBlobServer implements AutoCloseable {
  static final String ACCOUNT = "devstoreaccount1";

  /** A request as it arrived; {@code signed} tells whether its Shared Key signature holds. */
  record Request(
      String method, String uri, Map<String, String> headers, byte[] body, boolean signed) {
    String header(String name) {
      return headers.get(name);
    }
  }

  /** Answers one request. */
  @FunctionalInterface
  interface Answer {
    void send(HttpExchange ex) throws IOException;
  }

  private final HttpServer server;
  private final StorageSharedKeyCredential key;
  private final Deque<Answer> answers = new ArrayDeque<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();

  RecordingBlobServer(StorageSharedKeyCredential key) throws IOException {
    this.key = key;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/" + ACCOUNT);
  }

  synchronized RecordingBlobServer then(Answer a) {
    answers.add(a);
    return this;
  }

  /** Answers {@code status} with {@code headers} (name, value, ...) and {@code body}. */
  RecordingBlobServer then(int status, String body, String... headers) {
    return then(
        ex -> {
          for (int i = 0; i < headers.length; i += 2) {
            ex.getResponseHeaders().add(headers[i], headers[i + 1]);
          }
          byte[] b = body.getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
          try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
          }
        });
  }

  List<Request> requests() {
    return requests;
  }

  private void handle(HttpExchange ex) throws IOException {
    byte[] body;
    try (InputStream in = ex.getRequestBody()) {
      body = in.readAllBytes();
    }
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    ex.getRequestHeaders().forEach((name, values) -> headers.put(name, String.join(",", values)));
    String uri = ex.getRequestURI().toString();
    requests.add(new Request(ex.getRequestMethod(), uri, headers, body, signed(ex, headers)));
    Answer a;
    synchronized (this) {
      a = answers.poll();
    }
    if (a == null) {
      ex.sendResponseHeaders(500, -1);
      ex.close();
      return;
    }
    a.send(ex);
    ex.close();
  }

  private boolean signed(HttpExchange ex, Map<String, String> received) {
    String auth = received.get("Authorization");
    if (key == null || auth == null) {
      return false;
    }
    try {
      Map<String, String> signedHeaders = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      signedHeaders.putAll(received);
      signedHeaders.remove("Authorization");
      // As the service does: no Content-Length is signed like a zero one (as empty).
      signedHeaders.putIfAbsent("Content-Length", "0");
      URL url =
          URI.create("http://127.0.0.1:" + server.getAddress().getPort() + ex.getRequestURI())
              .toURL();
      return auth.equals(
          key.generateAuthorizationHeader(url, ex.getRequestMethod(), signedHeaders));
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
