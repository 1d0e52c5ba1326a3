package dev.unideploy.it.aws.publish;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.it.aws.publish.MotoPublish.Run;
import dev.unideploy.provider.aws.testing.ConnectProxy;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole publish (EBS direct upload, register, copy) from a machine that reaches AWS only through
 * an authenticating HTTP proxy: moto is addressed by a name that resolves nowhere but in the test's
 * proxy, and the proxy is given the way a JVM-wide setting gives it ({@code http.proxyHost} and
 * friends, read before HTTP_PROXY). The signed EBS calls tunnel with CONNECT, the SDK's calls go as
 * proxy requests, all with the proxy's credentials.
 */
class AwsProxyPublishTest {
  private static final String USER = "ci-runner";
  private static final String PASSWORD = "pr0xy-s3cret";
  private static final List<String> PROPERTIES =
      List.of("http.proxyHost", "http.proxyPort", "http.proxyUser", "http.proxyPassword");

  @TempDir Path dir;

  @Test
  void publishesThroughAnAuthenticatingProxy() throws Exception {
    int motoPort = MotoPublish.endpoint().getPort();
    String host = "moto.proxy-test.invalid";
    String app = MotoPublish.uniqueApp("proxy");
    var config =
        MotoPublish.twoRegions(
            dir, app, "http://" + host + ":" + motoPort, "allowInsecureEndpoint: true\n");
    Run run;
    try (ConnectProxy proxy = new ConnectProxy(USER + ":" + PASSWORD)) {
      Map<String, String> values =
          Map.of(
              "http.proxyHost",
              "127.0.0.1",
              "http.proxyPort",
              Integer.toString(proxy.port()),
              "http.proxyUser",
              USER,
              "http.proxyPassword",
              PASSWORD);
      PROPERTIES.forEach(p -> System.setProperty(p, values.get(p)));
      try {
        run =
            MotoPublish.publish(
                config, MotoPublish.disk(dir, 61), dir.resolve("w"), false, List.of());
      } finally {
        PROPERTIES.forEach(System::clearProperty);
      }

      assertThat(run.result().get("failedRegions")).as(run.log()).isEqualTo(List.of());
      assertThat(run.imageId("eu-west-1")).startsWith("ami-");
      String authorization =
          "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes());
      List<ConnectProxy.Request> asked = proxy.requests();
      assertThat(asked).allSatisfy(r -> assertThat(r.authorization()).isEqualTo(authorization));
      assertThat(asked)
          .as("the EBS upload's tunnels")
          .anySatisfy(
              r -> {
                assertThat(r.method()).isEqualTo("CONNECT");
                assertThat(r.target()).isEqualTo(host + ":" + motoPort);
              });
      assertThat(asked)
          .as("the SDK's EC2 calls")
          .anySatisfy(
              r -> {
                assertThat(r.method()).isEqualTo("POST");
                assertThat(r.target()).startsWith("http://" + host + ":" + motoPort + "/");
              });
      assertThat(run.log())
          .contains("AWS calls go through the proxy at 127.0.0.1:" + proxy.port())
          .doesNotContain(PASSWORD);
    }
  }
}
