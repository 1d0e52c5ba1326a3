package dev.unideploy.provider.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A machine clock an hour off AWS's, on the SDK's clients: the first call is refused as EC2 refuses
 * it (RequestExpired, with EC2's Date), the SDK moves its signing clock, and the retry succeeds.
 */
class AwsClockSkewTest {
  private static final DateTimeFormatter AMZ_DATE =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

  private HttpServer server;
  private final List<Instant> signedAt = new CopyOnWriteArrayList<>();
  private final Instant awsNow = Instant.now().plus(Duration.ofHours(1));

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
    server.createContext(
        "/",
        ex -> {
          try (ex) {
            ex.getRequestBody().readAllBytes();
            Instant at =
                Instant.from(AMZ_DATE.parse(ex.getRequestHeaders().getFirst("X-Amz-Date")));
            signedAt.add(at);
            ex.getResponseHeaders()
                .add(
                    "Date",
                    DateTimeFormatter.RFC_1123_DATE_TIME.format(awsNow.atZone(ZoneOffset.UTC)));
            ex.getResponseHeaders().add("Content-Type", "text/xml");
            boolean skewed =
                Duration.between(at, awsNow).abs().compareTo(Duration.ofMinutes(5)) > 0;
            String xml =
                skewed
                    ? "<Response><Errors><Error><Code>RequestExpired</Code><Message>Request has"
                        + " expired.</Message></Error></Errors><RequestID>r</RequestID></Response>"
                    : "<DescribeImagesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
                        + "<requestId>r</requestId><imagesSet/></DescribeImagesResponse>";
            byte[] out = xml.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(skewed ? 400 : 200, out.length);
            ex.getResponseBody().write(out);
          }
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void aSkewedClockIsCorrectedAndTheCallRetried() {
    System.setProperty("aws.accessKeyId", "AKIAIOSFODNN7EXAMPLE");
    System.setProperty("aws.secretAccessKey", "wJalrXUtnFEMI/K7MDENG/EXAMPLEKEY");
    URI endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    try (AwsClients clients = new AwsClients(AwsClientsTest.settings(endpoint, 3), List.of())) {
      new AwsCall(clients.policy())
          .call("eu-west-1", "DescribeImages", () -> clients.ec2("eu-west-1").describeImages());
    }
    assertThat(signedAt).hasSize(2);
    assertThat(Duration.between(signedAt.get(1), awsNow).abs()).isLessThan(Duration.ofMinutes(1));
  }
}
