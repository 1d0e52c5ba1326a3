package dev.unideploy.provider.aws.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsServer;
import dev.unideploy.provider.aws.testing.ConnectProxy;
import dev.unideploy.provider.aws.testing.TestCertificates;
import java.net.URI;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client through an authenticating HTTP proxy ({@link ConnectProxy}) to a TLS server whose name
 * resolves nowhere but in the proxy: the only way there is the CONNECT tunnel, TLS and host name
 * checks stay end to end, one tunnel carries every exchange of a pooled connection, and a refusal
 * says what to do without repeating the password.
 */
class PooledHttpClientProxyTest {
  private static final String HOST = "ebs.us-east-1.proxy-test.invalid";

  @TempDir static Path dir;
  private static HttpsServer server;
  private static SSLContext tls;

  @BeforeAll
  static void start() throws Exception {
    KeyStore ks = TestCertificates.keyPair(dir, "ebs", "dns:" + HOST);
    tls = TestCertificates.trusting(ks);
    server = TestCertificates.server(ks, PooledHttpClientTlsTest::countBody);
  }

  @AfterAll
  static void stop() {
    server.stop(0);
  }

  private static URI endpoint() {
    return URI.create("https://" + HOST + ":" + server.getAddress().getPort());
  }

  private static PooledHttpClient client(ProxyRoute proxy) {
    return new PooledHttpClient(
        endpoint(), tls.getSocketFactory(), Duration.ofSeconds(5), 2, proxy);
  }

  @Test
  void tunnelsThroughAnAuthenticatingProxyAndReusesTheTunnel() throws Exception {
    try (ConnectProxy proxy = new ConnectProxy("corp\\user:p@ss word");
        PooledHttpClient c =
            client(
                new ProxyRoute(
                    "127.0.0.1", proxy.port(), "corp\\user", "p@ss word", "HTTPS_PROXY"))) {
      for (int n : new int[] {0, 1, 524_288}) {
        HttpResult r =
            c.send("PUT", "/snapshots/x/blocks/0", Map.of(), new byte[n], Duration.ofSeconds(10));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).asString().isEqualTo("got " + n);
      }
      assertThat(proxy.requests())
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.method()).isEqualTo("CONNECT");
                assertThat(r.target()).isEqualTo(HOST + ":" + server.getAddress().getPort());
              });
    }
  }

  @Test
  void withoutTheProxyTheHostCannotBeReached() {
    try (PooledHttpClient c = client(null)) {
      assertThatThrownBy(() -> c.send("GET", "/", Map.of(), new byte[0], Duration.ofSeconds(5)))
          .isInstanceOf(java.net.UnknownHostException.class);
    }
  }

  @Test
  void aProxyThatWantsCredentialsSaysHowToGiveThem() throws Exception {
    try (ConnectProxy proxy = new ConnectProxy("user:right");
        PooledHttpClient none =
            client(new ProxyRoute("127.0.0.1", proxy.port(), null, null, "HTTPS_PROXY"));
        PooledHttpClient wrong =
            client(
                new ProxyRoute("127.0.0.1", proxy.port(), "user", "wr0ng-s3cret", "https_proxy"))) {
      assertThatThrownBy(() -> none.send("GET", "/", Map.of(), new byte[0], Duration.ofSeconds(5)))
          .isInstanceOfSatisfying(
              ProxyTunnelException.class,
              e -> {
                assertThat(e.status()).isEqualTo(407);
                assertThat(e.transientFailure()).isFalse();
              })
          .hasMessageContaining("127.0.0.1:" + proxy.port())
          .hasMessageContaining("HTTPS_PROXY")
          .hasMessageContaining("http://user:password@host:port");
      assertThatThrownBy(() -> wrong.send("GET", "/", Map.of(), new byte[0], Duration.ofSeconds(5)))
          .isInstanceOf(ProxyTunnelException.class)
          .hasMessageContaining("refused the user name and password given with https_proxy")
          .hasMessageNotContaining("wr0ng-s3cret");
      assertThat(proxy.requests()).extracting(ConnectProxy.Request::method).containsOnly("CONNECT");
    }
  }

  @Test
  void theRouteNeverPrintsThePassword() {
    ProxyRoute r = new ProxyRoute("proxy.corp", 3128, "me", "hunter2", "HTTPS_PROXY");
    assertThat(r.toString()).contains("proxy.corp:3128", "me", "***").doesNotContain("hunter2");
    assertThat(r.basicAuthorization()).isEqualTo("Basic bWU6aHVudGVyMg==");
  }
}
