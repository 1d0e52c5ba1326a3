package dev.unideploy.provider.aws.upload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.unideploy.provider.aws.call.AwsRetryable;
import dev.unideploy.provider.aws.http.PooledHttpClient;
import dev.unideploy.provider.aws.http.SignedHttp;
import dev.unideploy.provider.aws.testing.SdkSignatureCheck;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.ebs.model.EbsException;

class HttpEbsDirectApiTest {
  private static final String KEY = "AKIAIOSFODNN7EXAMPLE";
  private static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

  /** What the server received and how it answers. */
  private record Received(
      String method, String path, Map<String, List<String>> headers, byte[] body) {}

  private interface Answer {
    void answer(HttpExchange ex, byte[] body) throws IOException;
  }

  private HttpServer server;
  private final ExecutorService handlers = Executors.newCachedThreadPool();
  private final CountDownLatch release = new CountDownLatch(1);
  private final AtomicReference<Received> received = new AtomicReference<>();
  private volatile Answer answer;
  private final byte[] block = new byte[BlockPlan.BLOCK_SIZE];
  private byte[] sha;

  @BeforeEach
  void start() throws IOException {
    new Random(7).nextBytes(block);
    sha = BlockDigests.sha256().digest(block);
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
    server.createContext(
        "/",
        ex -> {
          try (ex) {
            byte[] body = ex.getRequestBody().readAllBytes();
            received.set(
                new Received(
                    ex.getRequestMethod(),
                    ex.getRequestURI().getRawPath(),
                    Map.copyOf(ex.getRequestHeaders()),
                    body));
            answer.answer(ex, body);
          }
        });
    server.setExecutor(handlers);
    server.start();
    answer =
        (ex, body) -> {
          ex.getResponseHeaders()
              .add(
                  "x-amz-Checksum",
                  Base64.getEncoder().encodeToString(BlockDigests.sha256().digest(body)));
          ex.getResponseHeaders().add("x-amz-Checksum-Algorithm", "SHA256");
          ex.sendResponseHeaders(201, -1);
        };
  }

  @AfterEach
  void stop() {
    release.countDown();
    server.stop(0);
    handlers.shutdownNow();
  }

  private URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private HttpEbsDirectApi api(URI endpoint, Duration timeout) {
    return new HttpEbsDirectApi(
        new SignedHttp(
            endpoint,
            "ebs",
            "eu-west-1",
            new PooledHttpClient(endpoint, null, Duration.ofSeconds(2), 4),
            StaticCredentialsProvider.create(AwsBasicCredentials.create(KEY, SECRET)),
            timeout,
            "unideploy-test",
            Clock.systemUTC()));
  }

  @Test
  void sendsTheBlockAsTheEbsApiDefinesItSignedAsAwsChecksIt() {
    api(endpoint(), Duration.ofSeconds(10))
        .putSnapshotBlock("snap-0123456789abcdef0", 42, block, sha);

    Received r = received.get();
    assertThat(r.method()).isEqualTo("PUT");
    assertThat(r.path()).isEqualTo("/snapshots/snap-0123456789abcdef0/blocks/42");
    assertThat(r.body()).isEqualTo(block);
    assertThat(header(r, "x-amz-checksum")).isEqualTo(Base64.getEncoder().encodeToString(sha));
    assertThat(header(r, "x-amz-checksum-algorithm")).isEqualTo("SHA256");
    assertThat(header(r, "x-amz-data-length")).isEqualTo("524288");
    assertThat(header(r, "authorization"))
        .contains("/eu-west-1/ebs/aws4_request")
        .contains("x-amz-checksum;x-amz-checksum-algorithm;x-amz-content-sha256");
    assertThat(
            SdkSignatureCheck.verify(
                r.method(), URI.create(endpoint() + r.path()), r.headers(), r.body(), KEY, SECRET))
        .isNull();
  }

  @Test
  void aTamperedBodyFailsTheSignatureCheck() {
    api(endpoint(), Duration.ofSeconds(10)).putSnapshotBlock("snap-1", 0, block, sha);
    Received r = received.get();
    byte[] tampered = r.body().clone();
    tampered[100] ^= 1;
    assertThat(
            SdkSignatureCheck.verify(
                r.method(), URI.create(endpoint() + r.path()), r.headers(), tampered, KEY, SECRET))
        .startsWith("signature mismatch");
  }

  @Test
  void temporaryCredentialsSendTheirSessionToken() {
    new HttpEbsDirectApi(
            new SignedHttp(
                endpoint(),
                "ebs",
                "eu-west-1",
                new PooledHttpClient(endpoint(), null, Duration.ofSeconds(2), 4),
                StaticCredentialsProvider.create(
                    AwsSessionCredentials.create(KEY, SECRET, "tok/en+1")),
                Duration.ofSeconds(10),
                "unideploy-test",
                Clock.systemUTC()))
        .putSnapshotBlock("snap-1", 3, block, sha);
    Received r = received.get();
    assertThat(header(r, "x-amz-security-token")).isEqualTo("tok/en+1");
    assertThat(header(r, "authorization")).contains("x-amz-security-token");
  }

  @Test
  void throttlingBecomesTheSdksRetryableException() {
    answer =
        (ex, body) -> {
          ex.getResponseHeaders()
              .add("x-amzn-ErrorType", "ThrottlingException:http://internal.amazon.com/coral/");
          byte[] json = "{\"message\":\"Rate exceeded\"}".getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(429, json.length);
          ex.getResponseBody().write(json);
        };
    assertThatThrownBy(
            () -> api(endpoint(), Duration.ofSeconds(10)).putSnapshotBlock("snap-1", 0, block, sha))
        .isInstanceOfSatisfying(
            EbsException.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(429);
              assertThat(AwsRetryable.errorCode(e)).isEqualTo("ThrottlingException");
              assertThat(AwsRetryable.isRetryable(e)).isTrue();
              assertThat(AwsRetryable.describe(e)).isEqualTo("ThrottlingException: Rate exceeded");
            });
  }

  @Test
  void aValidationErrorIsNotRetriedAndKeepsAwsMessage() {
    answer =
        (ex, body) -> {
          byte[] json =
              "{\"__type\":\"ValidationException\",\"Message\":\"The block index is out of range\",\"Reason\":\"INVALID_BLOCK\"}"
                  .getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(400, json.length);
          ex.getResponseBody().write(json);
        };
    assertThatThrownBy(
            () -> api(endpoint(), Duration.ofSeconds(10)).putSnapshotBlock("snap-1", 9, block, sha))
        .isInstanceOfSatisfying(
            EbsException.class,
            e -> {
              assertThat(AwsRetryable.isRetryable(e)).isFalse();
              assertThat(AwsRetryable.describe(e))
                  .isEqualTo("ValidationException: The block index is out of range");
              assertThat(e.getMessage()).doesNotContain(SECRET);
            });
  }

  @Test
  void aServerErrorWithoutJsonIsRetryable() {
    answer =
        (ex, body) -> {
          byte[] html = "<html>bad gateway</html>".getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(502, html.length);
          ex.getResponseBody().write(html);
        };
    assertThatThrownBy(
            () -> api(endpoint(), Duration.ofSeconds(10)).putSnapshotBlock("snap-1", 0, block, sha))
        .isInstanceOfSatisfying(
            EbsException.class,
            e -> {
              assertThat(AwsRetryable.isRetryable(e)).isTrue();
              assertThat(AwsRetryable.describe(e)).isEqualTo("HTTP 502");
            });
  }

  @Test
  void aDifferentChecksumBackIsARetryableFailure() {
    answer =
        (ex, body) -> {
          ex.getResponseHeaders().add("x-amz-Checksum", "AAAA");
          ex.sendResponseHeaders(201, -1);
        };
    assertThatThrownBy(
            () -> api(endpoint(), Duration.ofSeconds(10)).putSnapshotBlock("snap-1", 0, block, sha))
        .isInstanceOfSatisfying(
            SdkClientException.class, e -> assertThat(AwsRetryable.isRetryable(e)).isTrue())
        .hasMessageContaining("checksum");
  }

  @Test
  void aStuckServerIsAbandonedAtTheAttemptTimeout() {
    answer =
        (ex, body) -> {
          try {
            release.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        };
    long start = System.nanoTime();
    assertThatThrownBy(
            () -> api(endpoint(), Duration.ofMillis(300)).putSnapshotBlock("snap-1", 0, block, sha))
        .isInstanceOfSatisfying(
            SdkClientException.class, e -> assertThat(AwsRetryable.isRetryable(e)).isTrue())
        .hasCauseInstanceOf(SocketTimeoutException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
  }

  @Test
  void aRefusedConnectionIsRetryable() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    assertThatThrownBy(
            () ->
                api(URI.create("http://127.0.0.1:" + port), Duration.ofSeconds(5))
                    .putSnapshotBlock("snap-1", 0, block, sha))
        .isInstanceOfSatisfying(
            SdkClientException.class, e -> assertThat(AwsRetryable.isRetryable(e)).isTrue());
  }

  @Test
  void refusesWhatIsNotASnapshotBlock() {
    assertThatThrownBy(
            () ->
                api(endpoint(), Duration.ofSeconds(5))
                    .putSnapshotBlock("snap-1/../x", 0, block, sha))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(received.get()).isNull();
  }

  @Test
  void startSnapshotSendsTheDocumentedJsonAndReadsTheAnswer() throws Exception {
    answer =
        (ex, body) -> {
          byte[] json =
              "{\"SnapshotId\":\"snap-0abc\",\"Status\":\"pending\",\"BlockSize\":524288}"
                  .getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(201, json.length);
          ex.getResponseBody().write(json);
        };
    EbsDirectApi.Started started =
        api(endpoint(), Duration.ofSeconds(5))
            .startSnapshot(
                new EbsDirectApi.StartRequest(
                    3,
                    "tok-1",
                    60,
                    "say \"hi\"",
                    Map.of("app", "demo"),
                    true,
                    "arn:aws:kms:us-east-1:123456789012:key/k"));
    assertThat(started).isEqualTo(new EbsDirectApi.Started("snap-0abc", "pending"));
    Received r = received.get();
    assertThat(r.method()).isEqualTo("POST");
    assertThat(r.path()).isEqualTo("/snapshots");
    assertThat(header(r, "content-type")).isEqualTo("application/json");
    com.fasterxml.jackson.databind.JsonNode json =
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
    assertThat(json.get("VolumeSize").asLong()).isEqualTo(3);
    assertThat(json.get("ClientToken").asText()).isEqualTo("tok-1");
    assertThat(json.get("Timeout").asInt()).isEqualTo(60);
    assertThat(json.get("Description").asText()).isEqualTo("say \"hi\"");
    assertThat(json.get("Tags").get(0).get("Key").asText()).isEqualTo("app");
    assertThat(json.get("Tags").get(0).get("Value").asText()).isEqualTo("demo");
    assertThat(json.get("Encrypted").asBoolean()).isTrue();
    assertThat(json.get("KmsKeyArn").asText()).startsWith("arn:aws:kms:");
    assertThat(
            SdkSignatureCheck.verify(
                r.method(), URI.create(endpoint() + r.path()), r.headers(), r.body(), KEY, SECRET))
        .isNull();
  }

  @Test
  void completeSnapshotSendsTheLinearChecksumHeaders() {
    answer =
        (ex, body) -> {
          byte[] json = "{\"Status\":\"completed\"}".getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(202, json.length);
          ex.getResponseBody().write(json);
        };
    String status =
        api(endpoint(), Duration.ofSeconds(5)).completeSnapshot("snap-9", 17, "bGluZWFy");
    assertThat(status).isEqualTo("completed");
    Received r = received.get();
    assertThat(r.method()).isEqualTo("POST");
    assertThat(r.path()).isEqualTo("/snapshots/completion/snap-9");
    assertThat(header(r, "x-amz-changedblockscount")).isEqualTo("17");
    assertThat(header(r, "x-amz-checksum")).isEqualTo("bGluZWFy");
    assertThat(header(r, "x-amz-checksum-algorithm")).isEqualTo("SHA256");
    assertThat(header(r, "x-amz-checksum-aggregation-method")).isEqualTo("LINEAR");
    assertThat(r.body()).isEmpty();
    assertThat(
            SdkSignatureCheck.verify(
                r.method(), URI.create(endpoint() + r.path()), r.headers(), r.body(), KEY, SECRET))
        .isNull();
  }

  @Test
  void anAnswerWithoutSnapshotIdIsAnError() {
    answer =
        (ex, body) -> {
          byte[] json = "{}".getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(201, json.length);
          ex.getResponseBody().write(json);
        };
    assertThatThrownBy(
            () ->
                api(endpoint(), Duration.ofSeconds(5))
                    .startSnapshot(
                        new EbsDirectApi.StartRequest(1, "t", 60, null, Map.of(), false, null)))
        .isInstanceOf(SdkClientException.class)
        .hasMessageContaining("SnapshotId");
  }

  private static String header(Received r, String name) {
    return r.headers().entrySet().stream()
        .filter(e -> e.getKey().equalsIgnoreCase(name))
        .map(e -> e.getValue().get(0))
        .findFirst()
        .orElse(null);
  }
}
