package dev.unideploy.it.gcp.publish;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A reverse proxy in front of fake-gcs-server that counts the bytes of every resumable-upload chunk
 * it receives (including chunks cut short by a dying client), and can hold a chunk once a given
 * number of upload bytes has arrived, so a test can kill the uploading process with that chunk in
 * flight. Session URLs in answers are rewritten to point at the proxy.
 */
final class CountingGcsProxy implements AutoCloseable {
  private static final Set<String> FORWARDED =
      Set.of("content-type", "content-range", "x-upload-content-type", "x-goog-hash");

  private final URI upstream;
  private final HttpServer server;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();
  private final AtomicLong uploadBytes = new AtomicLong();
  private final AtomicLong chunks = new AtomicLong();
  private final Map<String, Long> persisted = new java.util.concurrent.ConcurrentHashMap<>();
  private volatile long holdAt = Long.MAX_VALUE;
  private final CountDownLatch held = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);

  CountingGcsProxy(URI upstream) throws IOException {
    this.upstream = upstream;
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/", this::handle);
    server.start();
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Upload body bytes received so far, complete or not. */
  long uploadBytes() {
    return uploadBytes.get();
  }

  /** Upload requests that carried a body. */
  long chunks() {
    return chunks.get();
  }

  /** Holds the chunk that brings the upload bytes to {@code bytes}, until {@link #release}. */
  void holdAt(long bytes) {
    holdAt = bytes;
  }

  boolean awaitHeld(Duration timeout) throws InterruptedException {
    return held.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  void release() {
    release.countDown();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      boolean upload =
          ex.getRequestURI().getPath().startsWith("/upload/")
              && ex.getRequestMethod().equals("PUT");
      byte[] body;
      try {
        body = read(ex.getRequestBody(), upload);
      } catch (IOException e) {
        return; // the client died mid-chunk: nothing reaches the service, as on a cut connection
      }
      String range = ex.getRequestHeaders().getFirst("Content-Range");
      String session = ex.getRequestURI().getQuery();
      if (upload && body.length == 0 && "bytes */*".equals(range)) {
        long held = persisted.getOrDefault(session, 0L);
        if (held > 0) {
          ex.getResponseHeaders().add("Range", "bytes=0-" + (held - 1));
        }
        ex.sendResponseHeaders(308, -1);
        return;
      }
      HttpRequest.Builder b =
          HttpRequest.newBuilder(upstream.resolve(ex.getRequestURI().toString()))
              .timeout(Duration.ofSeconds(60));
      for (Map.Entry<String, List<String>> h : ex.getRequestHeaders().entrySet()) {
        if (FORWARDED.contains(h.getKey().toLowerCase(java.util.Locale.ROOT))) {
          h.getValue().forEach(v -> b.header(h.getKey(), v));
        }
      }
      b.method(
          ex.getRequestMethod(),
          body.length == 0
              ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofByteArray(body));
      HttpResponse<byte[]> r;
      try {
        r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      for (Map.Entry<String, List<String>> h : r.headers().map().entrySet()) {
        String name = h.getKey().toLowerCase(java.util.Locale.ROOT);
        if (name.equals("location")) {
          ex.getResponseHeaders()
              .add(
                  "Location",
                  h.getValue().get(0).replace(upstream.toString(), endpoint().toString()));
        } else if (name.equals("range") || name.equals("content-type")) {
          if (name.equals("range") && upload && r.statusCode() == 308) {
            String v = h.getValue().get(0);
            persisted.put(session, Long.parseLong(v.substring(v.indexOf('-') + 1)) + 1);
          }
          h.getValue().forEach(v -> ex.getResponseHeaders().add(h.getKey(), v));
        }
      }
      byte[] out = r.body();
      ex.sendResponseHeaders(r.statusCode(), out.length == 0 ? -1 : out.length);
      if (out.length > 0) {
        try (OutputStream o = ex.getResponseBody()) {
          o.write(out);
        }
      }
    }
  }

  private byte[] read(InputStream in, boolean upload) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    byte[] b = new byte[16 * 1024];
    boolean counted = false;
    int n;
    while ((n = in.read(b)) > 0) {
      buf.write(b, 0, n);
      if (upload) {
        if (!counted) {
          chunks.incrementAndGet();
          counted = true;
        }
        long total = uploadBytes.addAndGet(n);
        if (total >= holdAt) {
          holdAt = Long.MAX_VALUE;
          held.countDown();
          try {
            release.await(60, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
          }
          // The test killed the client meanwhile: the rest of this chunk never comes.
          in.readAllBytes();
          throw new IOException("held chunk abandoned");
        }
      }
    }
    return buf.toByteArray();
  }

  @Override
  public void close() {
    release();
    server.stop(0);
  }
}
