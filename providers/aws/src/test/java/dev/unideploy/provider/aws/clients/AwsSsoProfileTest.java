package dev.unideploy.provider.aws.clients;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An IAM Identity Center (SSO) profile resolves to credentials: the SDK reads the token that `aws
 * sso login` cached under ~/.aws/sso/cache and trades it at the SSO portal (here a fake on this
 * machine, as AWS_ENDPOINT_URL_SSO points the SDK at it) for role credentials. Runs in a child JVM
 * whose HOME is a temporary folder, so the user's own ~/.aws is never read.
 */
class AwsSsoProfileTest {
  private static final String START_URL = "https://example-sso.awsapps.com/start";

  @TempDir Path home;
  private HttpServer portal;
  private final List<String> bearerTokens = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws IOException {
    // GetRoleCredentials as the SSO portal API defines it: GET /federation/credentials.
    portal = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4);
    portal.createContext(
        "/federation/credentials",
        ex -> {
          try (ex) {
            bearerTokens.add(ex.getRequestHeaders().getFirst("x-amz-sso_bearer_token"));
            String query = ex.getRequestURI().getQuery();
            boolean ok =
                query.contains("role_name=Deployer") && query.contains("account_id=111122223333");
            byte[] out =
                (ok
                        ? "{\"roleCredentials\":{\"accessKeyId\":\"ASIASSOPROFILETEST\","
                            + "\"secretAccessKey\":\"sso-secret\",\"sessionToken\":\"sso-session\","
                            + "\"expiration\":"
                            + Instant.now().plus(1, ChronoUnit.HOURS).toEpochMilli()
                            + "}}"
                        : "{\"message\":\"no such role\"}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(ok ? 200 : 403, out.length);
            ex.getResponseBody().write(out);
          }
        });
    portal.start();
  }

  @AfterEach
  void stop() {
    portal.stop(0);
  }

  @Test
  void anSsoProfileResolvesFromTheCachedToken() throws Exception {
    Path aws = Files.createDirectories(home.resolve(".aws"));
    Files.writeString(
        aws.resolve("config"),
        """
        [profile sso-test]
        sso_start_url = %s
        sso_region = us-east-1
        sso_account_id = 111122223333
        sso_role_name = Deployer
        region = us-east-1
        """
            .formatted(START_URL));
    // The file name the AWS CLI and SDKs use for a legacy SSO profile: SHA-1 of the start URL.
    String name =
        HexFormat.of()
                .formatHex(
                    MessageDigest.getInstance("SHA-1")
                        .digest(START_URL.getBytes(StandardCharsets.UTF_8)))
            + ".json";
    Path cache = Files.createDirectories(aws.resolve("sso").resolve("cache"));
    Files.writeString(
        cache.resolve(name),
        """
        {"startUrl": "%s", "region": "us-east-1", "accessToken": "cached-sso-token",
         "expiresAt": "%s"}
        """
            .formatted(
                START_URL,
                Instant.now().plus(8, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS)));

    ProcessBuilder pb =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                SsoProbe.class.getName(),
                "sso-test")
            .redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("AWS_"));
    pb.environment().put("HOME", home.toString());
    pb.environment().put("AWS_CONFIG_FILE", aws.resolve("config").toString());
    pb.environment().put("AWS_SHARED_CREDENTIALS_FILE", aws.resolve("credentials").toString());
    pb.environment()
        .put("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:" + portal.getAddress().getPort());
    pb.environment().put("AWS_EC2_METADATA_DISABLED", "true");
    Process child = pb.start();
    String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();

    assertThat(out).as(out).contains("accessKeyId=ASIASSOPROFILETEST");
    assertThat(out).doesNotContain("sso-secret").doesNotContain("cached-sso-token");
    assertThat(bearerTokens).containsOnly("cached-sso-token");
  }
}
