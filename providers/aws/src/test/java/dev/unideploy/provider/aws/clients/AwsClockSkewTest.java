package dev.unideploy.provider.aws.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.provider.aws.call.AwsCall;
import dev.unideploy.provider.aws.call.AwsCallException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
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
 * A machine clock an hour behind AWS's, on the SDK's clients: EC2 refuses the first call as it does
 * (400 RequestExpired, with its own Date), the SDK moves the client's signing clock to that Date,
 * unideploy's retry sends the call again, and it is signed with AWS's time; later calls keep the
 * correction. The fake answers from a plain socket, because the JDK's HttpServer overwrites the
 * Date header with its own clock's, which would hide the skew.
 */
class AwsClockSkewTest {
  private static final DateTimeFormatter AMZ_DATE =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

  private final Duration awsAhead = Duration.ofHours(1);
  private final List<Instant> signedAt = new CopyOnWriteArrayList<>();
  private volatile boolean sendDate = true;
  private ServerSocket server;
  private Thread acceptor;

  @BeforeEach
  void start() throws IOException {
    server = new ServerSocket();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    acceptor = new Thread(this::serve, "fake-ec2");
    acceptor.setDaemon(true);
    acceptor.start();
    System.setProperty("aws.accessKeyId", "AKIAIOSFODNN7EXAMPLE");
    System.setProperty("aws.secretAccessKey", "wJalrXUtnFEMI/K7MDENG/EXAMPLEKEY");
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
  }

  /**
   * One request per connection: EC2's answer, refusing signatures more than 5 min off its clock.
   */
  private void serve() {
    while (!server.isClosed()) {
      try (Socket s = server.accept()) {
        InputStream in = s.getInputStream();
        String amzDate = null;
        int length = 0;
        for (String line = line(in); !line.isEmpty(); line = line(in)) {
          String lower = line.toLowerCase(Locale.ROOT);
          if (lower.startsWith("x-amz-date:")) {
            amzDate = line.substring(11).trim();
          } else if (lower.startsWith("content-length:")) {
            length = Integer.parseInt(line.substring(15).trim());
          }
        }
        in.readNBytes(length);
        Instant at = Instant.from(AMZ_DATE.parse(amzDate));
        signedAt.add(at);
        Instant awsNow = Instant.now().plus(awsAhead);
        boolean skewed = Duration.between(at, awsNow).abs().compareTo(Duration.ofMinutes(5)) > 0;
        String xml =
            skewed
                ? "<Response><Errors><Error><Code>RequestExpired</Code><Message>Request has"
                    + " expired.</Message></Error></Errors><RequestID>r</RequestID></Response>"
                : "<DescribeImagesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
                    + "<requestId>r</requestId><imagesSet/></DescribeImagesResponse>";
        byte[] body = xml.getBytes(StandardCharsets.UTF_8);
        String head =
            (skewed ? "HTTP/1.1 400 Bad Request\r\n" : "HTTP/1.1 200 OK\r\n")
                + (sendDate
                    ? "Date: "
                        + DateTimeFormatter.RFC_1123_DATE_TIME.format(awsNow.atZone(ZoneOffset.UTC))
                        + "\r\n"
                    : "")
                + "Content-Type: text/xml\r\nContent-Length: "
                + body.length
                + "\r\nConnection: close\r\n\r\n";
        OutputStream out = s.getOutputStream();
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
      } catch (IOException | RuntimeException e) {
        // closed by the test, or a client that went away
      }
    }
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int b; (b = in.read()) >= 0 && b != '\n'; ) {
      sb.append((char) b);
    }
    return sb.toString().replaceAll("\r$", "");
  }

  private AwsClients clients(int attempts) {
    URI endpoint = URI.create("http://127.0.0.1:" + server.getLocalPort());
    return new AwsClients(AwsClientsTest.settings(endpoint, attempts), List.of());
  }

  @Test
  void aSkewedClockIsCorrectedFromAwsDateAndTheCallRetried() {
    try (AwsClients clients = clients(3)) {
      AwsCall calls = new AwsCall(clients.policy());
      calls.call("eu-west-1", "DescribeImages", () -> clients.ec2("eu-west-1").describeImages());
      assertThat(signedAt).hasSize(2);
      assertThat(Duration.between(signedAt.get(0), Instant.now().plus(awsAhead)).abs())
          .isGreaterThan(Duration.ofMinutes(55));
      assertThat(Duration.between(signedAt.get(1), Instant.now().plus(awsAhead)).abs())
          .isLessThan(Duration.ofMinutes(1));

      // The correction stays with the client: the next call is signed right the first time.
      calls.call("eu-west-1", "DescribeImages", () -> clients.ec2("eu-west-1").describeImages());
      assertThat(signedAt).hasSize(3);
      assertThat(clients.policy().retriedCalls("eu-west-1:DescribeImages")).isEqualTo(1);
    }
  }

  @Test
  void withoutAwsDateThereIsNothingToCorrectAndNoRetry() {
    sendDate = false;
    try (AwsClients clients = clients(3)) {
      AwsCall calls = new AwsCall(clients.policy());
      assertThatThrownBy(
              () ->
                  calls.call(
                      "eu-west-1",
                      "DescribeImages",
                      () -> clients.ec2("eu-west-1").describeImages()))
          .isInstanceOf(AwsCallException.class)
          .hasMessageContaining("RequestExpired");
      assertThat(signedAt).hasSize(1);
    }
  }
}
