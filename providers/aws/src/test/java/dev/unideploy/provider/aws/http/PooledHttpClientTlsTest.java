package dev.unideploy.provider.aws.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
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
  private static final char[] PASSWORD = "changeit".toCharArray();

  @TempDir static Path dir;
  private static HttpsServer named;
  private static HttpsServer misnamed;
  private static SSLContext clientTls;

  @BeforeAll
  static void start() throws Exception {
    KeyStore good = keyPair("good", "ip:127.0.0.1");
    KeyStore other = keyPair("other", "dns:other.invalid");
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, PASSWORD);
    trusted.setCertificateEntry("good", good.getCertificate("server"));
    trusted.setCertificateEntry("other", other.getCertificate("server"));
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trusted);
    clientTls = SSLContext.getInstance("TLS");
    clientTls.init(null, tmf.getTrustManagers(), null);
    named = server(good);
    misnamed = server(other);
  }

  /** A key pair and self-signed certificate whose subject alternative name is {@code san}. */
  private static KeyStore keyPair(String name, String san) throws Exception {
    Path store = dir.resolve(name + ".p12");
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "server",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=unideploy-test",
                "-ext",
                "san=" + san,
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                store.toString(),
                "-storepass",
                new String(PASSWORD))
            .redirectErrorStream(true)
            .start();
    String out = new String(keytool.getInputStream().readAllBytes());
    assertThat(keytool.waitFor()).as(out).isZero();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, PASSWORD);
    }
    return ks;
  }

  private static HttpsServer server(KeyStore ks) throws Exception {
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, PASSWORD);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(kmf.getKeyManagers(), null, null);
    HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    server.createContext(
        "/",
        ex -> {
          try (ex) {
            byte[] body = ex.getRequestBody().readAllBytes();
            byte[] answer = ("got " + body.length).getBytes();
            ex.sendResponseHeaders(200, answer.length);
            ex.getResponseBody().write(answer);
          }
        });
    server.start();
    return server;
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
