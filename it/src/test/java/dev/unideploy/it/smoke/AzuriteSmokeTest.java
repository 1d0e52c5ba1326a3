package dev.unideploy.it.smoke;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.it.EmulatorEnv;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Proves Azurite answers the page-blob calls the Azure provider relies on: create a container and a
 * page blob, Put Page on 512-byte aligned ranges, Get Page Ranges, and read the blob back.
 *
 * <p>Every request is signed with Shared Key (the well-known development key from the env file),
 * not a SAS: one signer covers every call, and a request with a wrong key is checked to be refused,
 * so the test proves Azurite really verifies the signature. Plain HTTP on purpose: the Azure SDK is
 * not a dependency of it/. See https://learn.microsoft.com/rest/api/storageservices/put-page.
 */
class AzuriteSmokeTest {

  private static final String API_VERSION = "2021-08-06";
  private static final int PAGE = 512;
  private static final int BLOB_SIZE = 1024 * 1024;
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final DateTimeFormatter HTTP_DATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US);
  private static final Pattern PAGE_RANGE =
      Pattern.compile("<PageRange><Start>(\\d+)</Start><End>(\\d+)</End></PageRange>");

  private static HttpClient http;
  private static EmulatorEnv env;
  private static SharedKeySigner signer;

  @BeforeAll
  static void client() {
    env = EmulatorEnv.get();
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    signer = new SharedKeySigner(env.azuriteAccount(), env.azuriteKey());
  }

  @Test
  void pageBlobRangesRoundTrip() throws Exception {
    String container = "smoke-" + UUID.randomUUID();
    URI containerUri = URI.create(env.azuriteBlobEndpoint() + "/" + container);
    URI blob = URI.create(containerUri + "/disk.vhd");

    assertThat(send(signer, "PUT", uri(containerUri, "restype=container"), Map.of(), new byte[0]))
        .isEqualTo(201);
    assertThat(
            send(
                signer,
                "PUT",
                blob,
                Map.of(
                    "x-ms-blob-type",
                    "PageBlob",
                    "x-ms-blob-content-length",
                    Integer.toString(BLOB_SIZE)),
                new byte[0]))
        .isEqualTo(201);

    // Three separate ranges, so a merged or dropped range shows in the page list.
    byte[] expected = new byte[BLOB_SIZE];
    long[][] ranges = {{0, 2 * PAGE}, {8 * PAGE, PAGE}, {BLOB_SIZE - 4 * PAGE, 4 * PAGE}};
    for (int i = 0; i < ranges.length; i++) {
      int offset = (int) ranges[i][0];
      int length = (int) ranges[i][1];
      byte[] data = MotoSmokeTest.randomBytes(length, 20 + i);
      System.arraycopy(data, 0, expected, offset, length);
      int status =
          send(
              signer,
              "PUT",
              uri(blob, "comp=page"),
              Map.of(
                  "x-ms-page-write",
                  "update",
                  "x-ms-range",
                  "bytes=" + offset + "-" + (offset + length - 1)),
              data);
      assertThat(status).as("Put Page at %d", offset).isEqualTo(201);
    }

    HttpResponse<String> pageList =
        exchange(
            signer, "GET", uri(blob, "comp=pagelist"), Map.of(), null, BodyHandlers.ofString());
    assertThat(pageList.statusCode()).as(pageList.body()).isEqualTo(200);
    List<String> listed = new ArrayList<>();
    Matcher m = PAGE_RANGE.matcher(pageList.body());
    while (m.find()) {
      listed.add(m.group(1) + "-" + m.group(2));
    }
    assertThat(listed)
        .containsExactly(
            "0-1023",
            (8 * PAGE) + "-" + (9 * PAGE - 1),
            (BLOB_SIZE - 4 * PAGE) + "-" + (BLOB_SIZE - 1));

    HttpResponse<byte[]> read =
        exchange(signer, "GET", blob, Map.of(), null, BodyHandlers.ofByteArray());
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(read.body()).hasSize(BLOB_SIZE).isEqualTo(expected);
  }

  @Test
  void wrongKeyIsRefused() throws Exception {
    SharedKeySigner wrong = new SharedKeySigner(env.azuriteAccount(), "d3Jvbmcga2V5");
    URI list = uri(env.azuriteBlobEndpoint(), "comp=list");
    assertThat(send(wrong, "GET", list, Map.of(), null)).isEqualTo(403);
    assertThat(send(signer, "GET", list, Map.of(), null)).isEqualTo(200);
  }

  private static URI uri(URI base, String query) {
    return URI.create(base + "?" + query);
  }

  private static int send(
      SharedKeySigner key, String method, URI uri, Map<String, String> extra, byte[] body)
      throws IOException, InterruptedException {
    return exchange(key, method, uri, extra, body, BodyHandlers.discarding()).statusCode();
  }

  /** Sends a signed request; a null body means a request without one (GET). */
  private static <T> HttpResponse<T> exchange(
      SharedKeySigner key,
      String method,
      URI uri,
      Map<String, String> extra,
      byte[] body,
      BodyHandler<T> handler)
      throws IOException, InterruptedException {
    Map<String, String> headers = new LinkedHashMap<>(extra);
    headers.put("x-ms-date", HTTP_DATE.format(ZonedDateTime.now(ZoneOffset.UTC)));
    headers.put("x-ms-version", API_VERSION);
    Map<String, String> signed = new LinkedHashMap<>(headers);
    if (body != null && body.length > 0) {
      // java.net.http sets Content-Length itself; it must still be part of the signature.
      signed.put("Content-Length", Integer.toString(body.length));
    }
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(TIMEOUT)
            .method(
                method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(body));
    headers.forEach(request::header);
    request.header("Authorization", key.authorization(method, uri, signed));
    return http.send(request.build(), handler);
  }
}
