package dev.unideploy.provider.aws.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ProtocolException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Runs the client against a raw socket server that answers with exactly the bytes each test
 * scripts, so that framing (lengths, chunks, interim responses), connection reuse and deadlines are
 * checked on the wire rather than through another HTTP library's leniency.
 */
class PooledHttpClientTest {
  /** Reads one request (head + Content-Length body) and writes an answer. */
  private interface Script {
    void answer(Request request, OutputStream out, Socket socket) throws IOException;
  }

  private record Request(String head, byte[] body) {}

  private ServerSocket server;
  private final ExecutorService pool = Executors.newCachedThreadPool();
  private final AtomicInteger connections = new AtomicInteger();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);
  private volatile Script script;

  @BeforeEach
  void start() throws IOException {
    server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
    pool.execute(
        () -> {
          while (!server.isClosed()) {
            try {
              Socket s = server.accept();
              connections.incrementAndGet();
              pool.execute(() -> serve(s));
            } catch (IOException closed) {
              return;
            }
          }
        });
  }

  @AfterEach
  void stop() throws IOException {
    release.countDown();
    server.close();
    pool.shutdownNow();
  }

  private void serve(Socket s) {
    try (s) {
      InputStream in = s.getInputStream();
      while (true) {
        Request r = readRequest(in);
        if (r == null) {
          return;
        }
        requests.add(r);
        script.answer(r, s.getOutputStream(), s);
      }
    } catch (IOException e) {
      // the client went away
    }
  }

  private static Request readRequest(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int c = in.read();
      if (c < 0) {
        return null;
      }
      head.write(c);
      matched = (c == "\r\n\r\n".charAt(matched)) ? matched + 1 : (c == '\r' ? 1 : 0);
    }
    String h = head.toString(StandardCharsets.ISO_8859_1);
    int length = 0;
    for (String line : h.split("\r\n")) {
      if (line.toLowerCase().startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    return new Request(h, in.readNBytes(length));
  }

  private static void write(OutputStream out, String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  private PooledHttpClient client() {
    return new PooledHttpClient(
        URI.create("http://127.0.0.1:" + server.getLocalPort()), null, Duration.ofSeconds(2), 4);
  }

  private static final byte[] BODY = "hello".getBytes(StandardCharsets.US_ASCII);

  @Test
  void sendsAWellFramedRequestAndReusesTheConnection() throws IOException {
    script =
        (r, out, s) -> write(out, "HTTP/1.1 201 Created\r\nContent-Length: 2\r\nX-A: 1\r\n\r\nok");
    try (PooledHttpClient c = client()) {
      for (int i = 0; i < 3; i++) {
        HttpResult res =
            c.send("PUT", "/a/b?x=1", Map.of("X-Test", "v"), BODY, Duration.ofSeconds(5));
        assertThat(res.status()).isEqualTo(201);
        assertThat(res.body()).asString().isEqualTo("ok");
        assertThat(res.header("x-a")).contains("1");
      }
    }
    assertThat(connections.get()).isEqualTo(1);
    Request first = requests.get(0);
    assertThat(first.head())
        .startsWith("PUT /a/b?x=1 HTTP/1.1\r\nHost: 127.0.0.1:" + server.getLocalPort() + "\r\n")
        .contains("X-Test: v\r\n")
        .contains("Content-Length: 5\r\n");
    assertThat(first.body()).isEqualTo(BODY);
  }

  @Test
  void readsChunkedBodiesAndSkipsInterimResponses() throws IOException {
    script =
        (r, out, s) ->
            write(
                out,
                "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nTrailer: x\r\n\r\n");
    try (PooledHttpClient c = client()) {
      HttpResult res = c.send("POST", "/", Map.of(), BODY, Duration.ofSeconds(5));
      assertThat(res.status()).isEqualTo(200);
      assertThat(res.body()).asString().isEqualTo("Wikipedia");
      c.send("POST", "/", Map.of(), BODY, Duration.ofSeconds(5));
    }
    assertThat(connections.get()).isEqualTo(1);
  }

  @Test
  void aConnectionTheServerClosesIsNotReused() throws IOException {
    script =
        (r, out, s) -> {
          write(out, "HTTP/1.1 500 Oops\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
          s.close();
        };
    try (PooledHttpClient c = client()) {
      assertThat(c.send("PUT", "/", Map.of(), BODY, Duration.ofSeconds(5)).status()).isEqualTo(500);
      assertThat(c.send("PUT", "/", Map.of(), BODY, Duration.ofSeconds(5)).status()).isEqualTo(500);
    }
    assertThat(connections.get()).isEqualTo(2);
  }

  @Test
  void anIdleConnectionClosedBehindOurBackIsReplacedOnce() throws IOException {
    AtomicInteger answered = new AtomicInteger();
    script =
        (r, out, s) -> {
          int n = answered.incrementAndGet(); // counted before the client can see the answer
          write(out, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
          if (n == 1) {
            s.close(); // closes without saying so: the next request on it fails
          }
        };
    try (PooledHttpClient c = client()) {
      c.send("PUT", "/", Map.of(), BODY, Duration.ofSeconds(5));
      assertThat(c.send("PUT", "/", Map.of(), BODY, Duration.ofSeconds(5)).status()).isEqualTo(200);
    }
    assertThat(connections.get()).isEqualTo(2);
    assertThat(answered.get()).isEqualTo(2);
  }

  @Test
  void aServerThatNeverAnswersHitsTheDeadline() {
    script =
        (r, out, s) -> {
          try {
            release.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        };
    long start = System.nanoTime();
    try (PooledHttpClient c = client()) {
      assertThatThrownBy(() -> c.send("PUT", "/", Map.of(), BODY, Duration.ofMillis(300)))
          .isInstanceOf(SocketTimeoutException.class)
          .hasMessageContaining("300 ms");
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void aServerThatStopsReadingCannotBlockAWriteForever() throws IOException {
    // The server never reads: once the socket buffers are full the client's write blocks, and
    // only the watchdog closing the socket ends it.
    script = (r, out, s) -> {};
    try (ServerSocket deaf = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      pool.execute(
          () -> {
            try (Socket s = deaf.accept()) {
              release.await(10, TimeUnit.SECONDS);
            } catch (IOException | InterruptedException e) {
              // test over
            }
          });
      PooledHttpClient c =
          new PooledHttpClient(
              URI.create("http://127.0.0.1:" + deaf.getLocalPort()),
              null,
              Duration.ofSeconds(2),
              1);
      long start = System.nanoTime();
      assertThatThrownBy(
              () -> c.send("PUT", "/", Map.of(), new byte[64 << 20], Duration.ofMillis(500)))
          .isInstanceOf(SocketTimeoutException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      c.close();
    }
  }

  @Test
  void refusesOversizedOrMalformedAnswers() {
    List<String> answers = new ArrayList<>();
    answers.add(
        "HTTP/1.1 200 OK\r\nContent-Length: " + (Http1Connection.MAX_BODY + 1) + "\r\n\r\n");
    answers.add("SSH-2.0-OpenSSH\r\n\r\n");
    answers.add("HTTP/1.1 200 OK\r\nX: " + "a".repeat(Http1Connection.MAX_LINE + 10) + "\r\n\r\n");
    answers.add("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
    answers.add("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n");
    for (String a : answers) {
      script = (r, out, s) -> write(out, a);
      try (PooledHttpClient c = client()) {
        assertThatThrownBy(() -> c.send("GET", "/", Map.of(), new byte[0], Duration.ofSeconds(5)))
            .as(a.substring(0, Math.min(40, a.length())))
            .isInstanceOf(ProtocolException.class);
      }
    }
  }

  @Test
  void theResponseLimitIsPerRequestAndAnAnswerOverItIsNeverReadNorReused() throws IOException {
    String chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n";
    script =
        (r, out, s) -> {
          if (r.head().startsWith("GET /big ")) {
            write(out, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789");
          } else if (r.head().startsWith("GET /declared ")) {
            write(out, "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n");
          } else {
            write(out, chunked + "4\r\nefgh\r\n0\r\n\r\n");
          }
        };
    try (PooledHttpClient c = client()) {
      assertThat(c.send("GET", "/big", Map.of(), new byte[0], Duration.ofSeconds(5), 10).body())
          .asString()
          .isEqualTo("0123456789");
      assertThatThrownBy(
              () -> c.send("GET", "/declared", Map.of(), new byte[0], Duration.ofSeconds(5), 10))
          .isInstanceOfSatisfying(
              ResponseTooLargeException.class, e -> assertThat(e.declaredBytes()).isEqualTo(11));
      assertThatThrownBy(
              () -> c.send("GET", "/chunked", Map.of(), new byte[0], Duration.ofSeconds(5), 6))
          .isInstanceOfSatisfying(
              ResponseTooLargeException.class, e -> assertThat(e.declaredBytes()).isEqualTo(-1));
      c.send("GET", "/big", Map.of(), new byte[0], Duration.ofSeconds(5), 10);
    }
    // The refused answers were not sent again (the first came on a reused connection), and each
    // refusal closed its connection: /big, /declared | /chunked | /big.
    assertThat(requests).hasSize(4);
    assertThat(connections.get()).isEqualTo(3);
  }

  @Test
  void aBodyWithoutLengthRunsToTheEndAndSpendsTheConnection() throws IOException {
    script =
        (r, out, s) -> {
          write(out, "HTTP/1.1 200 OK\r\n\r\nall of it");
          s.close();
        };
    try (PooledHttpClient c = client()) {
      assertThat(c.send("GET", "/", Map.of(), new byte[0], Duration.ofSeconds(5)).body())
          .asString()
          .isEqualTo("all of it");
      c.send("GET", "/", Map.of(), new byte[0], Duration.ofSeconds(5));
    }
    assertThat(connections.get()).isEqualTo(2);
  }

  @Test
  void refusesEndpointsThatAreNotHttp() {
    assertThatThrownBy(
            () -> new PooledHttpClient(URI.create("ftp://h/"), null, Duration.ofSeconds(1), 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("http(s)");
  }
}
