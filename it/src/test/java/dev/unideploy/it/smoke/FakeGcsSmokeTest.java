package dev.unideploy.it.smoke;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.it.EmulatorEnv;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Proves fake-gcs-server answers the GCS JSON API calls the GCP provider relies on: bucket insert,
 * simple media upload, a resumable upload session in chunks, and download.
 *
 * <p>Plain HTTP on purpose: the Google client libraries are not dependencies of it/. See
 * https://cloud.google.com/storage/docs/performing-resumable-uploads for the protocol.
 */
class FakeGcsSmokeTest {

  /** Resumable chunks must be multiples of 256 KiB, except the last one. */
  private static final int CHUNK = 256 * 1024;

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private static HttpClient http;
  private static URI root;
  private static String bucket;

  @BeforeAll
  static void bucket() throws Exception {
    root = EmulatorEnv.get().gcsEndpoint();
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    bucket = "smoke-" + UUID.randomUUID();
    HttpResponse<String> created =
        send(
            HttpRequest.newBuilder(root.resolve("/storage/v1/b?project=unideploy-smoke"))
                .header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString("{\"name\":\"" + bucket + "\"}")));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    assertThat(created.body()).contains("\"name\":\"" + bucket + "\"");
  }

  @Test
  void simpleMediaUploadRoundTrips() throws Exception {
    byte[] body = MotoSmokeTest.randomBytes(70_000, 10);
    HttpResponse<String> uploaded =
        send(
            HttpRequest.newBuilder(
                    root.resolve(
                        "/upload/storage/v1/b/" + bucket + "/o?uploadType=media&name=simple.bin"))
                .header("Content-Type", "application/octet-stream")
                .POST(BodyPublishers.ofByteArray(body)));
    assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(200);
    assertThat(uploaded.body()).contains("\"size\":\"" + body.length + "\"");

    assertThat(download("simple.bin")).isEqualTo(body);
  }

  @Test
  void resumableUploadInChunksRoundTrips() throws Exception {
    byte[] body = MotoSmokeTest.randomBytes(CHUNK + 5_000, 11);
    HttpResponse<String> session =
        send(
            HttpRequest.newBuilder(
                    root.resolve(
                        "/upload/storage/v1/b/"
                            + bucket
                            + "/o?uploadType=resumable&name=resumable.tar.gz"))
                .header("Content-Type", "application/json")
                .header("X-Upload-Content-Type", "application/gzip")
                .POST(BodyPublishers.ofString("{\"name\":\"resumable.tar.gz\"}")));
    assertThat(session.statusCode()).as(session.body()).isEqualTo(200);
    String location = session.headers().firstValue("Location").orElseThrow();
    // The session URL must point back at this emulator, which is what -external-url is for.
    assertThat(location).startsWith(root.toString());

    HttpResponse<String> first =
        send(
            HttpRequest.newBuilder(URI.create(location))
                .header("Content-Range", "bytes 0-" + (CHUNK - 1) + "/*")
                .PUT(BodyPublishers.ofByteArray(Arrays.copyOfRange(body, 0, CHUNK))));
    assertThat(first.statusCode()).as("first chunk: %s", first.body()).isEqualTo(308);
    assertThat(first.headers().firstValue("Range")).hasValue("bytes=0-" + (CHUNK - 1));

    HttpResponse<String> last =
        send(
            HttpRequest.newBuilder(URI.create(location))
                .header(
                    "Content-Range", "bytes " + CHUNK + "-" + (body.length - 1) + "/" + body.length)
                .PUT(BodyPublishers.ofByteArray(Arrays.copyOfRange(body, CHUNK, body.length))));
    assertThat(last.statusCode()).as("last chunk: %s", last.body()).isIn(200, 201);
    assertThat(last.body()).contains("\"size\":\"" + body.length + "\"");

    assertThat(download("resumable.tar.gz")).isEqualTo(body);
  }

  private static byte[] download(String object) throws IOException, InterruptedException {
    HttpResponse<byte[]> read =
        http.send(
            HttpRequest.newBuilder(
                    root.resolve("/storage/v1/b/" + bucket + "/o/" + object + "?alt=media"))
                .timeout(TIMEOUT)
                .GET()
                .build(),
            BodyHandlers.ofByteArray());
    assertThat(read.statusCode()).as("download of %s", object).isEqualTo(200);
    return read.body();
  }

  private static HttpResponse<String> send(HttpRequest.Builder request)
      throws IOException, InterruptedException {
    return http.send(request.timeout(TIMEOUT).build(), BodyHandlers.ofString());
  }
}
