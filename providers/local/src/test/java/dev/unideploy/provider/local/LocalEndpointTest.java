package dev.unideploy.provider.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.unideploy.provider.local.balancer.BalancerConfig;
import dev.unideploy.provider.local.balancer.BalancerStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stable endpoint's balancer process against plain HTTP servers as backends: traffic goes only
 * to the backends in the list that pass the health check, a new list takes effect once {@link
 * LocalEndpoint#serve} returns, and {@link LocalEndpoint#stop} ends the process.
 */
class LocalEndpointTest {
  @TempDir Path tmp;
  private final List<HttpServer> servers = new ArrayList<>();
  private LocalEndpoint endpoint;

  @AfterEach
  void tearDown() {
    if (endpoint != null) {
      endpoint.stop();
    }
    servers.forEach(s -> s.stop(0));
  }

  /** A backend that answers {@code GET /} with {@code status} and its name. */
  private BalancerConfig.Backend backend(String name, int status) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    s.createContext(
        "/",
        ex -> {
          byte[] body = name.getBytes(StandardCharsets.US_ASCII);
          ex.sendResponseHeaders(status, body.length);
          try (OutputStream o = ex.getResponseBody()) {
            o.write(body);
          }
        });
    s.start();
    servers.add(s);
    return new BalancerConfig.Backend(name, "web-v001", "127.0.0.1", s.getAddress().getPort());
  }

  private LocalEndpoint endpoint() {
    endpoint =
        new LocalEndpoint(
            new LocalHome(tmp, tmp.resolve("images")),
            "web",
            new LocalSettings.Endpoint(null, null, Duration.ofSeconds(2)),
            "/");
    return endpoint;
  }

  @Test
  void forwardsOnlyToHealthyBackendsInTheList() throws Exception {
    BalancerConfig.Backend a = backend("a", 200);
    BalancerConfig.Backend b = backend("b", 200);
    BalancerConfig.Backend broken = backend("broken", 500);
    LocalEndpoint e = endpoint();
    URI url = URI.create(e.url());

    e.serve(List.of(a));
    assertThat(get(url)).isEqualTo("a");

    // Blue-green: b joins, a leaves; from then on every request reaches b, at the same address.
    e.serve(List.of(b));
    e.drain(java.util.Set.of("a"));
    for (int i = 0; i < 10; i++) {
      assertThat(get(url)).isEqualTo("b");
    }
    assertThat(URI.create(e.url())).isEqualTo(url);

    // A backend that fails its health check gets no traffic, and the status says why.
    e.serve(List.of(b, broken));
    for (int i = 0; i < 20; i++) {
      assertThat(get(url)).isEqualTo("b");
    }
    BalancerStatus status = e.status().orElseThrow();
    assertThat(status.backends())
        .filteredOn(s -> s.id().equals("broken"))
        .singleElement()
        .satisfies(s -> assertThat(s.state()).isEqualTo(BalancerStatus.State.UNHEALTHY));
    assertThat(status.backends())
        .filteredOn(s -> s.id().equals("b"))
        .singleElement()
        .satisfies(s -> assertThat(s.state()).isEqualTo(BalancerStatus.State.HEALTHY));
  }

  @Test
  void stopEndsTheBalancer() throws Exception {
    LocalEndpoint e = endpoint();
    e.serve(List.of(backend("a", 200)));
    URI url = URI.create(e.url());
    assertThat(get(url)).isEqualTo("a");
    long pid = e.status().orElseThrow().pid();

    e.stop();
    endpoint = null;
    // The balancer was started by this JVM, whose process reaper collects it asynchronously:
    // until then it is a zombie that ProcessHandle still calls alive.
    long end = System.nanoTime() + java.time.Duration.ofSeconds(5).toNanos();
    while (ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isPresent()
        && System.nanoTime() < end) {
      Thread.sleep(50);
    }
    assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
    assertThat(e.exists()).isFalse();
    assertThatThrownBy(() -> get(url)).isInstanceOf(IOException.class);
  }

  /** One HTTP/1.0 GET on a fresh connection; the body of a 200 answer. */
  private static String get(URI url) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(url.getHost(), url.getPort()), 2_000);
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write("GET / HTTP/1.0\r\nHost: web\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      if (!response.startsWith("HTTP/1.1 200") && !response.startsWith("HTTP/1.0 200")) {
        throw new IOException("not a 200 answer: " + response);
      }
      return response.substring(response.indexOf("\r\n\r\n") + 4);
    }
  }
}
