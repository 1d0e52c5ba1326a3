package dev.unideploy.provider.aws.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.pipeline.config.RetrySettings;
import dev.unideploy.provider.aws.call.AwsCall;
import dev.unideploy.provider.aws.call.AwsCallException;
import dev.unideploy.provider.aws.settings.AwsSettings;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;

class AwsClientsTest {

  static AwsSettings settings(URI endpoint, int attempts) {
    return new AwsSettings(
        "eu-central-1",
        List.of("eu-west-1"),
        endpoint,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        new AwsSettings.Timeouts(Duration.ofSeconds(40), Duration.ofSeconds(7)),
        null,
        new RetrySettings(attempts, 50.0),
        null);
  }

  @Test
  void everyClientCarriesTheTimeoutsAndNoSdkRetries() {
    try (AwsClients clients =
        new AwsClients(settings(URI.create("http://127.0.0.1:9"), 1), List.of())) {
      assertThat(clients.homeRegion()).isEqualTo("eu-central-1");
      List<ClientOverrideConfiguration> configs =
          List.of(
              clients.ec2("eu-west-1").serviceClientConfiguration().overrideConfiguration(),
              clients.ssm("eu-west-1").serviceClientConfiguration().overrideConfiguration(),
              clients.s3("eu-central-1").serviceClientConfiguration().overrideConfiguration());
      for (ClientOverrideConfiguration c : configs) {
        assertThat(c.apiCallTimeout()).contains(Duration.ofSeconds(40));
        assertThat(c.apiCallAttemptTimeout()).contains(Duration.ofSeconds(7));
        assertThat(c.retryStrategy())
            .hasValueSatisfying(r -> assertThat(r.maxAttempts()).isEqualTo(1));
      }
      assertThat(clients.ec2("eu-west-1").serviceClientConfiguration().region().id())
          .isEqualTo("eu-west-1");
      // One client per service and region, reused.
      assertThat(clients.ec2("eu-west-1")).isSameAs(clients.ec2("eu-west-1"));
      assertThat(clients.policy().settings().maxAttempts()).isEqualTo(1);
    }
  }

  @Test
  void anUnreachableEndpointFailsWithAnActionableMessage() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    String savedKey = System.getProperty("aws.accessKeyId");
    String savedSecret = System.getProperty("aws.secretAccessKey");
    System.setProperty("aws.accessKeyId", "AKIAIOSFODNN7EXAMPLE");
    System.setProperty("aws.secretAccessKey", "not-a-real-secret-value");
    try (AwsClients clients =
        new AwsClients(settings(URI.create("http://127.0.0.1:" + closedPort), 2), List.of())) {
      AwsCall calls = new AwsCall(clients.policy());
      assertThatThrownBy(
              () ->
                  calls.call(
                      "eu-west-1",
                      "DescribeImages",
                      () -> clients.ec2("eu-west-1").describeImages(d -> d.owners("self"))))
          .isInstanceOf(AwsCallException.class)
          .hasMessageStartingWith("DescribeImages in eu-west-1 failed: ")
          .hasMessageContaining("could not be reached")
          .hasMessageNotContaining("not-a-real-secret-value");
      // The connection failure was retried (maxAttempts 2) before giving up.
      assertThat(clients.policy().retriedCalls("eu-west-1:DescribeImages")).isEqualTo(1);
    } finally {
      restore("aws.accessKeyId", savedKey);
      restore("aws.secretAccessKey", savedSecret);
    }
  }

  private static void restore(String key, String value) {
    if (value == null) {
      System.clearProperty(key);
    } else {
      System.setProperty(key, value);
    }
  }

  @Test
  void signedCallsGoWhereTheSdksClientsWouldIncludingFips() {
    AwsSettings noOverride = settings(null, 1);
    try (AwsClients clients = new AwsClients(noOverride, List.of())) {
      assertThat(clients.directEndpoint("ebs", "eu-west-1"))
          .isEqualTo(URI.create("https://ebs.eu-west-1.amazonaws.com"));
      assertThat(clients.directEndpoint("ec2", "cn-north-1"))
          .isEqualTo(URI.create("https://ec2.cn-north-1.amazonaws.com.cn"));
      assertThat(clients.directEndpoint("sts", "eu-west-1"))
          .isEqualTo(URI.create("https://sts.eu-west-1.amazonaws.com"));
    }
    System.setProperty("aws.useFipsEndpoint", "true");
    try (AwsClients clients = new AwsClients(noOverride, List.of())) {
      assertThat(clients.directEndpoint("ebs", "us-east-1"))
          .isEqualTo(URI.create("https://ebs-fips.us-east-1.amazonaws.com"));
    } finally {
      System.clearProperty("aws.useFipsEndpoint");
    }
    try (AwsClients clients =
        new AwsClients(settings(URI.create("http://127.0.0.1:9"), 1), List.of())) {
      assertThat(clients.directEndpoint("ec2", "eu-west-1"))
          .isEqualTo(URI.create("http://127.0.0.1:9"));
    }
  }

  @Test
  void signedS3CallsGoWhereTheSdksS3ClientWould() {
    try (AwsClients clients = new AwsClients(settings(null, 1), List.of())) {
      assertThat(clients.s3BucketEndpoint("eu-west-1", "team-state"))
          .isEqualTo(URI.create("https://team-state.s3.eu-west-1.amazonaws.com"));
      // A name with dots cannot be a TLS host name: path-style, as the SDK does.
      assertThat(clients.s3BucketEndpoint("eu-west-1", "team.state"))
          .isEqualTo(URI.create("https://s3.eu-west-1.amazonaws.com/team.state"));
      assertThat(clients.s3BucketEndpoint("cn-north-1", "team-state"))
          .isEqualTo(URI.create("https://team-state.s3.cn-north-1.amazonaws.com.cn"));
      assertThatThrownBy(() -> clients.s3BucketEndpoint("us-east-1", "state--use1-az4--x-s3"))
          .hasMessageContaining("state--use1-az4--x-s3")
          .hasMessageContaining("use a general purpose bucket");
    }
    System.setProperty("aws.useFipsEndpoint", "true");
    try (AwsClients clients = new AwsClients(settings(null, 1), List.of())) {
      assertThat(clients.s3BucketEndpoint("us-east-1", "team-state"))
          .isEqualTo(URI.create("https://team-state.s3-fips.us-east-1.amazonaws.com"));
    } finally {
      System.clearProperty("aws.useFipsEndpoint");
    }
    try (AwsClients clients =
        new AwsClients(settings(URI.create("http://127.0.0.1:9/"), 1), List.of())) {
      assertThat(clients.s3BucketEndpoint("eu-west-1", "team.state"))
          .isEqualTo(URI.create("http://127.0.0.1:9/team.state"));
    }
  }
}
