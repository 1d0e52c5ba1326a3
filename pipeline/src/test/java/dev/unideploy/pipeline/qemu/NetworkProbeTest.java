package dev.unideploy.pipeline.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The HTTP probe against local servers that answer well, badly, or not at all. */
class NetworkProbeTest {

  /** Runs {@code probe} against a one-connection server whose behaviour is {@code serve}. */
  private static boolean probe(Consumer<Socket> serve, String path) throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      AtomicReference<Throwable> failed = new AtomicReference<>();
      Thread t =
          new Thread(
              () -> {
                try (Socket s = server.accept()) {
                  serve.accept(s);
                } catch (IOException | RuntimeException e) {
                  failed.set(e);
                }
              });
      t.setDaemon(true);
      t.start();
      boolean ok = NetworkProbe.http(server.getLocalPort(), path);
      t.join(5000);
      return ok;
    }
  }

  private static Consumer<Socket> answer(String statusLine) {
    return s -> {
      try {
        byte[] req = new byte[1024];
        int n = s.getInputStream().read(req);
        String text = new String(req, 0, Math.max(n, 0), StandardCharsets.US_ASCII);
        OutputStream out = s.getOutputStream();
        String status = text.startsWith("GET /health HTTP/1.0\r\n") ? statusLine : "HTTP/1.0 404 x";
        out.write((status + "\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    };
  }

  @Test
  void twoHundredAndRedirectsAreReady() throws Exception {
    assertThat(probe(answer("HTTP/1.1 200 OK"), "/health")).isTrue();
    assertThat(probe(answer("HTTP/1.0 302 Found"), "/health")).isTrue();
  }

  @Test
  void errorsWrongPathsAndSilenceAreNotReady() throws Exception {
    assertThat(probe(answer("HTTP/1.1 503 Service Unavailable"), "/health")).isFalse();
    assertThat(probe(answer("HTTP/1.1 200 OK"), "/other")).isFalse();
    // Accepted and closed at once: what QEMU's forward does when the guest refuses.
    assertThat(probe(s -> {}, "/health")).isFalse();
    // Accepted and never answered: what QEMU's forward does when the guest has no stack.
    assertThat(
            probe(
                s -> {
                  try {
                    Thread.sleep(3000);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                },
                "/health"))
        .isFalse();
  }

  @Test
  void nothingListeningIsNotReady() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    assertThat(NetworkProbe.http(port, "/")).isFalse();
  }
}
