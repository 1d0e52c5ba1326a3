package dev.unideploy.it.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.unideploy.it.EmulatorEnv;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/** Buckets and objects on fake-gcs-server, over the JSON API, for test set-up and checks. */
public final class FakeGcs {
  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  private final URI root;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  public FakeGcs(URI root) {
    this.root = root;
  }

  public static FakeGcs fromEnv() {
    return new FakeGcs(EmulatorEnv.get().gcsEndpoint());
  }

  public URI root() {
    return root;
  }

  /** Creates a bucket with a fresh name. */
  public String newBucket(String prefix) {
    String bucket = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    HttpResponse<String> r =
        send(
            HttpRequest.newBuilder(root.resolve("/storage/v1/b?project=unideploy-it"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + bucket + "\"}")),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return bucket;
  }

  /** Uploads a file in one request. */
  public void put(String bucket, String object, Path file) {
    try {
      HttpResponse<String> r =
          send(
              HttpRequest.newBuilder(
                      root.resolve(
                          "/upload/storage/v1/b/"
                              + bucket
                              + "/o?uploadType=media&name="
                              + URLEncoder.encode(object, StandardCharsets.UTF_8)))
                  .header("Content-Type", "application/gzip")
                  .POST(HttpRequest.BodyPublishers.ofFile(file)),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The object's metadata resource, if it exists. */
  public Optional<JsonNode> metadata(String bucket, String object) {
    HttpResponse<String> r =
        send(
            HttpRequest.newBuilder(
                    root.resolve(
                        "/storage/v1/b/"
                            + bucket
                            + "/o/"
                            + URLEncoder.encode(object, StandardCharsets.UTF_8)))
                .GET(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() == 404) {
      return Optional.empty();
    }
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    try {
      return Optional.of(GceFake.JSON.readTree(r.body()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Downloads an object to a file. */
  public Path download(String bucket, String object, Path to) {
    HttpResponse<Path> r =
        send(
            HttpRequest.newBuilder(
                    root.resolve(
                        "/storage/v1/b/"
                            + bucket
                            + "/o/"
                            + URLEncoder.encode(object, StandardCharsets.UTF_8)
                            + "?alt=media"))
                .GET(),
            HttpResponse.BodyHandlers.ofFile(to));
    assertThat(r.statusCode()).isEqualTo(200);
    return to;
  }

  /** The https://storage.googleapis.com URL images.insert takes for an object. */
  public static String sourceUrl(String bucket, String object) {
    return "https://storage.googleapis.com/" + bucket + "/" + object;
  }

  private <T> HttpResponse<T> send(HttpRequest.Builder b, HttpResponse.BodyHandler<T> handler) {
    try {
      return http.send(b.timeout(TIMEOUT).build(), handler);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
