package dev.unideploy.provider.aws.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** Signing with a clock AWS disagrees with: refused once, then signed with AWS's time. */
class SignedHttpTest {
  private static final DateTimeFormatter AMZ_DATE =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

  private HttpServer server;
  private final List<Instant> signedAt = new CopyOnWriteArrayList<>();
  private volatile boolean refuseAlways;

  @BeforeEach
  void start() throws IOException {
    // Like AWS: a signature more than 5 minutes off is refused with 403 and the server's Date.
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
    server.createContext(
        "/",
        ex -> {
          try (ex) {
            ex.getRequestBody().readAllBytes();
            Instant at =
                Instant.from(AMZ_DATE.parse(ex.getRequestHeaders().getFirst("X-Amz-Date")));
            signedAt.add(at);
            Instant now = Instant.now();
            ex.getResponseHeaders()
                .add(
                    "Date",
                    DateTimeFormatter.RFC_1123_DATE_TIME.format(now.atZone(ZoneOffset.UTC)));
            boolean skewed = Duration.between(at, now).abs().compareTo(Duration.ofMinutes(5)) > 0;
            if (skewed || refuseAlways) {
              byte[] json = "{\"message\":\"Signature expired\"}".getBytes(StandardCharsets.UTF_8);
              ex.getResponseHeaders().add("x-amzn-ErrorType", "InvalidSignatureException");
              ex.sendResponseHeaders(403, json.length);
              ex.getResponseBody().write(json);
            } else {
              ex.sendResponseHeaders(200, -1);
            }
          }
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private SignedHttp client(Clock clock) {
    URI endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    return new SignedHttp(
        endpoint,
        "ebs",
        "us-east-1",
        new PooledHttpClient(endpoint, null, Duration.ofSeconds(2), 2),
        StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIA1", "secret")),
        Duration.ofSeconds(5),
        "unideploy-test",
        clock);
  }

  private static HttpResult post(SignedHttp http) {
    Map<String, String> headers = new HashMap<>();
    headers.put("Content-Type", "application/json");
    return http.send("Test", "POST", "/x", headers, new byte[0], "e3b0c442".repeat(8));
  }

  @Test
  void aClockAnHourBehindIsCorrectedFromAwsDateAndKeptForLaterCalls() {
    SignedHttp http = client(Clock.offset(Clock.systemUTC(), Duration.ofHours(-1)));
    assertThat(post(http).status()).isEqualTo(200);
    assertThat(signedAt).hasSize(2);
    assertThat(Duration.between(signedAt.get(1), Instant.now()).abs())
        .isLessThan(Duration.ofMinutes(1));

    assertThat(post(http).status()).isEqualTo(200);
    assertThat(signedAt).hasSize(3); // no refusal this time: the correction was kept
  }

  @Test
  void aRefusalWhenTheClocksAgreeIsNotRetried() {
    refuseAlways = true;
    assertThat(post(client(Clock.systemUTC())).status()).isEqualTo(403);
    assertThat(signedAt).hasSize(1);
  }
}
