package dev.unideploy.provider.aws.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsServer;
import dev.unideploy.provider.aws.testing.ConnectProxy;
import dev.unideploy.provider.aws.testing.TestCertificates;
import dev.unideploy.provider.aws.upload.EbsDirectApi;
import java.net.URI;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS_PROXY reaches both kinds of AWS calls: the SDK's clients (whose own default would read
 * HTTP_PROXY for an https endpoint) and the signed EBS calls ask the same proxy, with the same
 * credentials, to tunnel to the endpoint; NO_PROXY sends both directly. The endpoint's name
 * resolves nowhere but in the test's proxy, and its certificate is not trusted by the JVM, so the
 * calls themselves fail after the tunnel: what counts here is where they went.
 */
class AwsClientsProxyTest {
  private static final String HOST = "aws.proxy-test.invalid";

  @TempDir Path dir;
  private HttpsServer server;
  private ConnectProxy proxy;

  @BeforeEach
  void start() throws Exception {
    server =
        TestCertificates.server(
            TestCertificates.keyPair(dir, "aws", "dns:" + HOST),
            ex -> {
              try (ex) {
                ex.sendResponseHeaders(500, -1);
              }
            });
    proxy = new ConnectProxy("ci:t0ps3cret");
    System.setProperty("aws.accessKeyId", "AKIAIOSFODNN7EXAMPLE");
    System.setProperty("aws.secretAccessKey", "not-a-real-secret-value");
  }

  @AfterEach
  void stop() throws Exception {
    server.stop(0);
    proxy.close();
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
  }

  private AwsClients clients(Map<String, String> env) {
    URI endpoint = URI.create("https://" + HOST + ":" + server.getAddress().getPort());
    return new AwsClients(AwsClientsTest.settings(endpoint, 1), List.of(), env::get, k -> null);
  }

  @Test
  void theSdkAndTheSignedCallsTunnelThroughTheSameProxy() {
    String target = HOST + ":" + server.getAddress().getPort();
    String expected = "Basic " + Base64.getEncoder().encodeToString("ci:t0ps3cret".getBytes());
    try (AwsClients clients =
        clients(Map.of("HTTPS_PROXY", "http://ci:t0ps3cret@127.0.0.1:" + proxy.port()))) {
      assertThat(clients.proxy())
          .hasValueSatisfying(p -> assertThat(p.source()).isEqualTo("HTTPS_PROXY"));
      assertThatThrownBy(() -> clients.ec2("eu-west-1").describeImages(d -> d.owners("self")));
      assertThat(proxy.requests())
          .as("the SDK's EC2 call")
          .contains(new ConnectProxy.Request("CONNECT", target, expected));

      EbsDirectApi ebs = clients.ebsDirect("eu-west-1");
      int before = proxy.requests().size();
      assertThatThrownBy(
          () ->
              ebs.startSnapshot(
                  new EbsDirectApi.StartRequest(1, "ud-token", 60, null, Map.of(), false, null)));
      assertThat(proxy.requests().subList(before, proxy.requests().size()))
          .as("the signed EBS call")
          .contains(new ConnectProxy.Request("CONNECT", target, expected));
    }
  }

  @Test
  void noProxySendsBothDirectly() {
    try (AwsClients clients =
        clients(
            Map.of(
                "HTTPS_PROXY",
                "http://ci:t0ps3cret@127.0.0.1:" + proxy.port(),
                "NO_PROXY",
                ".proxy-test.invalid"))) {
      assertThatThrownBy(() -> clients.ec2("eu-west-1").describeImages(d -> d.owners("self")));
      assertThatThrownBy(
          () ->
              clients
                  .ebsDirect("eu-west-1")
                  .startSnapshot(
                      new EbsDirectApi.StartRequest(
                          1, "ud-token", 60, null, Map.of(), false, null)));
      assertThat(proxy.requests()).isEmpty();
    }
  }
}
