package dev.unideploy.provider.aws.clients;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/** Every S3 call names the caller's own account (from STS) as the bucket owner it expects. */
class ExpectedBucketOwnerTest {
  private HttpServer server;
  private final Map<String, String> ownerByCall = new ConcurrentHashMap<>();
  private final AtomicInteger stsCalls = new AtomicInteger();

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
    server.createContext(
        "/",
        ex -> {
          try (ex) {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            byte[] out;
            if (body.contains("Action=GetCallerIdentity")) {
              stsCalls.incrementAndGet();
              out =
                  ("<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                          + "<GetCallerIdentityResult><Arn>arn:aws:iam::210987654321:user/ci</Arn>"
                          + "<UserId>AIDA</UserId><Account>210987654321</Account>"
                          + "</GetCallerIdentityResult></GetCallerIdentityResponse>")
                      .getBytes(StandardCharsets.UTF_8);
              ex.getResponseHeaders().add("Content-Type", "text/xml");
            } else {
              ownerByCall.put(
                  ex.getRequestMethod() + " " + ex.getRequestURI().getPath(),
                  String.valueOf(ex.getRequestHeaders().getFirst("x-amz-expected-bucket-owner")));
              out = new byte[0];
              ex.getResponseHeaders().add("ETag", "\"e\"");
            }
            ex.sendResponseHeaders(200, out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
              ex.getResponseBody().write(out);
            }
          }
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void everyS3CallCarriesTheCallersAccount() {
    System.setProperty("aws.accessKeyId", "AKIAIOSFODNN7EXAMPLE");
    System.setProperty("aws.secretAccessKey", "wJalrXUtnFEMI/K7MDENG/EXAMPLEKEY");
    URI endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    try (AwsClients clients = new AwsClients(AwsClientsTest.settings(endpoint, 2), List.of())) {
      var s3 = clients.s3("eu-central-1");
      s3.putObject(r -> r.bucket("stage").key("a.vmdk"), RequestBody.fromString("x"));
      s3.headObject(r -> r.bucket("stage").key("a.vmdk"));
      s3.deleteObject(r -> r.bucket("stage").key("a.vmdk"));
    }
    assertThat(ownerByCall)
        .hasSize(3)
        .allSatisfy((call, owner) -> assertThat(owner).as(call).isEqualTo("210987654321"));
    assertThat(stsCalls.get()).isEqualTo(1);
  }
}
