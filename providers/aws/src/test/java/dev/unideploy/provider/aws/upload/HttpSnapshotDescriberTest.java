package dev.unideploy.provider.aws.upload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.unideploy.provider.aws.call.AwsRetryable;
import dev.unideploy.provider.aws.http.PooledHttpClient;
import dev.unideploy.provider.aws.http.SignedHttp;
import dev.unideploy.provider.aws.testing.SdkSignatureCheck;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;

/** DescribeSnapshots as EC2 answers it (shapes from the EC2 API reference's examples). */
class HttpSnapshotDescriberTest {
  private static final String KEY = "AKIAIOSFODNN7EXAMPLE";
  private static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

  private static final String FOUND =
      """
      <?xml version="1.0" encoding="UTF-8"?>
      <DescribeSnapshotsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
        <requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>
        <snapshotSet>
          <item>
            <snapshotId>snap-1234567890abcdef0</snapshotId>
            <volumeId>vol-ffffffff</volumeId>
            <status>error</status>
            <statusMessage>Checksum mismatch &amp; more</statusMessage>
            <startTime>2026-11-29T12:00:00.000Z</startTime>
            <progress>80%</progress>
            <tagSet><item><key>status</key><value>ignored</value></item></tagSet>
            <ownerId>111122223333</ownerId>
          </item>
        </snapshotSet>
      </DescribeSnapshotsResponse>
      """;

  private HttpServer server;
  private volatile int status = 200;
  private volatile String answer = FOUND;
  private final AtomicReference<String> form = new AtomicReference<>();
  private final AtomicReference<Map<String, List<String>>> headers = new AtomicReference<>();
  private final AtomicReference<byte[]> body = new AtomicReference<>();

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
    server.createContext(
        "/",
        ex -> {
          try (ex) {
            byte[] b = ex.getRequestBody().readAllBytes();
            body.set(b);
            form.set(new String(b, StandardCharsets.UTF_8));
            headers.set(Map.copyOf(ex.getRequestHeaders()));
            byte[] out = answer.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, out.length);
            ex.getResponseBody().write(out);
          }
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private HttpSnapshotDescriber describer() {
    return new HttpSnapshotDescriber(
        new SignedHttp(
            endpoint(),
            "ec2",
            "us-east-1",
            new PooledHttpClient(endpoint(), null, Duration.ofSeconds(2), 2),
            StaticCredentialsProvider.create(AwsBasicCredentials.create(KEY, SECRET)),
            Duration.ofSeconds(5),
            "unideploy-test",
            Clock.systemUTC()));
  }

  @Test
  void readsTheSnapshotsOwnFieldsNotItsTags() {
    SnapshotDescriber.SnapshotInfo s = describer().describe("snap-1234567890abcdef0").orElseThrow();
    assertThat(s)
        .isEqualTo(
            new SnapshotDescriber.SnapshotInfo(
                "snap-1234567890abcdef0", "error", "80%", "Checksum mismatch & more"));
    assertThat(form.get())
        .isEqualTo(
            "Action=DescribeSnapshots&Version=2016-11-15&SnapshotId.1=snap-1234567890abcdef0");
    assertThat(
            SdkSignatureCheck.verify(
                "POST", URI.create(endpoint() + "/"), headers.get(), body.get(), KEY, SECRET))
        .isNull();
  }

  @Test
  void anEmptySetOrNotFoundIsEmpty() {
    answer =
        "<DescribeSnapshotsResponse><requestId>x</requestId><snapshotSet/></DescribeSnapshotsResponse>";
    assertThat(describer().describe("snap-1")).isEmpty();
    status = 400;
    answer =
        "<Response><Errors><Error><Code>InvalidSnapshot.NotFound</Code><Message>The snapshot"
            + " 'snap-1' does not exist.</Message></Error></Errors><RequestID>r</RequestID></Response>";
    assertThat(describer().describe("snap-1")).isEmpty();
  }

  @Test
  void otherErrorsAreEc2ExceptionsWithTheirCode() {
    status = 503;
    answer =
        "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit"
            + " exceeded.</Message></Error></Errors><RequestID>r</RequestID></Response>";
    assertThatThrownBy(() -> describer().describe("snap-1"))
        .isInstanceOfSatisfying(
            Ec2Exception.class,
            e -> {
              assertThat(AwsRetryable.errorCode(e)).isEqualTo("RequestLimitExceeded");
              assertThat(AwsRetryable.isRetryable(e)).isTrue();
              assertThat(AwsRetryable.describe(e))
                  .isEqualTo("RequestLimitExceeded: Request limit exceeded.");
            });
    status = 403;
    answer =
        "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not"
            + " authorized.</Message></Error></Errors></Response>";
    assertThatThrownBy(() -> describer().describe("snap-1"))
        .isInstanceOfSatisfying(
            Ec2Exception.class, e -> assertThat(AwsRetryable.isRetryable(e)).isFalse());
  }

  @Test
  void refusesDoctypesAndEntities() {
    answer =
        "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
            + "<DescribeSnapshotsResponse><snapshotSet><item><snapshotId>&x;</snapshotId>"
            + "</item></snapshotSet></DescribeSnapshotsResponse>";
    assertThatThrownBy(() -> describer().describe("snap-1"))
        .isInstanceOf(SdkClientException.class)
        .hasMessageContaining("not XML");
  }

  @Test
  void refusesWhatIsNotASnapshotId() {
    assertThatThrownBy(() -> describer().describe("snap-1&Action=DeleteSnapshot"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(form.get()).isNull();
  }
}
