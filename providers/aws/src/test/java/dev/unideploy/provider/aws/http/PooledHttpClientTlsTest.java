package dev.unideploy.provider.aws.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsServer;
import dev.unideploy.provider.aws.testing.TestCertificates;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client over TLS against servers with trusted self-signed certificates (made with the JDK's
 * keytool): the exchange works when the certificate names the host it was reached by, and fails the
 * handshake when it names another, so host name verification is on.
 */
class PooledHttpClientTlsTest {
  @TempDir static Path dir;
  private static HttpsServer named;
  private static HttpsServer misnamed;
  private static SSLContext clientTls;

  @BeforeAll
  static void start() throws Exception {
    KeyStore good = TestCertificates.keyPair(dir, "good", "ip:127.0.0.1");
    KeyStore other = TestCertificates.keyPair(dir, "other", "dns:other.invalid");
    clientTls = TestCertificates.trusting(good, other);
    named = TestCertificates.server(good, PooledHttpClientTlsTest::countBody);
    misnamed = TestCertificates.server(other, PooledHttpClientTlsTest::countBody);
  }

  /** Answers "got N", N the length of the request body. */
  static void countBody(HttpExchange ex) throws IOException {
    try (ex) {
      byte[] body = ex.getRequestBody().readAllBytes();
      byte[] answer = ("got " + body.length).getBytes();
      ex.sendResponseHeaders(200, answer.length);
      ex.getResponseBody().write(answer);
    }
  }

  @AfterAll
  static void stop() {
    named.stop(0);
    misnamed.stop(0);
  }

  @Test
  void exchangesOverTlsWhenTheCertificateNamesTheHost() throws IOException {
    URI endpoint = URI.create("https://127.0.0.1:" + named.getAddress().getPort());
    try (PooledHttpClient c =
        new PooledHttpClient(endpoint, clientTls.getSocketFactory(), Duration.ofSeconds(5), 2)) {
      for (int n : List.of(0, 1, 600_000)) {
        HttpResult r = c.send("PUT", "/x", Map.of(), new byte[n], Duration.ofSeconds(10));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).asString().isEqualTo("got " + n);
      }
    }
  }

  @Test
  void refusesACertificateForAnotherName() {
    URI endpoint = URI.create("https://127.0.0.1:" + misnamed.getAddress().getPort());
    try (PooledHttpClient c =
        new PooledHttpClient(endpoint, clientTls.getSocketFactory(), Duration.ofSeconds(5), 2)) {
      assertThatThrownBy(() -> c.send("GET", "/", Map.of(), new byte[0], Duration.ofSeconds(10)))
          .isInstanceOf(SSLHandshakeException.class);
    }
  }
}
