package dev.unideploy.it.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.options.BlobParallelUploadOptions;
import dev.unideploy.it.EmulatorEnv;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * What each pinned emulator version does with the conditional writes remote state relies on, so
 * that the tests know which of them to trust and which to hold through {@link PreconditionProxy}.
 * When an emulator upgrade changes an answer here, revisit the proxy's notes.
 */
class EmulatorPreconditionsTest {
  private static final Pattern GENERATION = Pattern.compile("\"generation\"\\s*:\\s*\"?(\\d+)");

  @Test
  void motoChecksConditionalPutsAndDeletesOneRequestAtATime() {
    String bucket = StateBackend.uniquePrefix("preconditions");
    try (S3Client s3 =
        S3Client.builder()
            .endpointOverride(EmulatorEnv.get().motoEndpoint())
            .forcePathStyle(true)
            .region(Region.US_EAST_1)
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(S3Backend.ACCESS_KEY, S3Backend.SECRET_KEY)))
            .build()) {
      s3.createBucket(b -> b.bucket(bucket));
      String etag =
          s3.putObject(b -> b.bucket(bucket).key("k").ifNoneMatch("*"), RequestBody.fromString("1"))
              .eTag();
      assertThatThrownBy(
              () ->
                  s3.putObject(
                      b -> b.bucket(bucket).key("k").ifNoneMatch("*"), RequestBody.fromString("2")))
          .isInstanceOfSatisfying(
              S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(412));
      assertThatThrownBy(
              () ->
                  s3.putObject(
                      b -> b.bucket(bucket).key("k").ifMatch("\"0000\""),
                      RequestBody.fromString("3")))
          .isInstanceOfSatisfying(
              S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(412));
      String next =
          s3.putObject(b -> b.bucket(bucket).key("k").ifMatch(etag), RequestBody.fromString("4"))
              .eTag();
      assertThatThrownBy(() -> s3.deleteObject(b -> b.bucket(bucket).key("k").ifMatch(etag)))
          .isInstanceOfSatisfying(
              S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(412));
      s3.deleteObject(b -> b.bucket(bucket).key("k").ifMatch(next));
      assertThat(s3.listObjectsV2(b -> b.bucket(bucket)).contents()).isEmpty();
    }
  }

  @Test
  void fakeGcsChecksGenerationsOnUploadsButDeletesWhateverTheGeneration() throws Exception {
    try (GcsBackend gcs = new GcsBackend()) {
      URI base = EmulatorEnv.get().gcsEndpoint();
      HttpClient http = HttpClient.newHttpClient();
      String upload =
          "/upload/storage/v1/b/" + gcs.root() + "/o?uploadType=media&name=k&ifGenerationMatch=";
      HttpResponse<String> created = send(http, post(base.resolve(upload + "0"), "1"));
      assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
      assertThat(send(http, post(base.resolve(upload + "0"), "2")).statusCode()).isEqualTo(412);
      assertThat(send(http, post(base.resolve(upload + "1"), "3")).statusCode()).isEqualTo(412);
      Matcher g = GENERATION.matcher(created.body());
      assertThat(g.find()).as(created.body()).isTrue();
      long generation = Long.parseLong(g.group(1));

      // Cloud Storage answers 412 here; fake-gcs-server deletes the object.
      URI object =
          base.resolve(
              "/storage/v1/b/" + gcs.root() + "/o/k?ifGenerationMatch=" + (generation + 17));
      HttpResponse<String> deleted = send(http, HttpRequest.newBuilder(object).DELETE().build());
      assertThat(deleted.statusCode() / 100).as(deleted.body()).isEqualTo(2);
      assertThat(gcs.listRaw("k")).isEmpty();
    }
  }

  @Test
  void azuriteHoldsEtagConditionsAlsoWhenTwentyWritersRace() throws Exception {
    BlobContainerClient container =
        new BlobServiceClientBuilder()
            .connectionString(EmulatorEnv.get().azuriteConnectionString())
            .buildClient()
            .getBlobContainerClient(StateBackend.uniquePrefix("preconditions"));
    container.create();
    BlobClient blob = container.getBlobClient("k");
    String etag = upload(blob, "1", new BlobRequestConditions().setIfNoneMatch("*"));
    assertThatThrownBy(() -> upload(blob, "2", new BlobRequestConditions().setIfNoneMatch("*")))
        .isInstanceOfSatisfying(
            BlobStorageException.class,
            e -> assertThat(e.getErrorCode()).isEqualTo(BlobErrorCode.BLOB_ALREADY_EXISTS));
    assertThatThrownBy(() -> upload(blob, "3", new BlobRequestConditions().setIfMatch("\"0x0\"")))
        .isInstanceOfSatisfying(
            BlobStorageException.class, e -> assertThat(e.getStatusCode()).isEqualTo(412));
    assertThatThrownBy(
            () ->
                blob.deleteWithResponse(
                    null, new BlobRequestConditions().setIfMatch("\"0x0\""), null, Context.NONE))
        .isInstanceOfSatisfying(
            BlobStorageException.class, e -> assertThat(e.getStatusCode()).isEqualTo(412));

    // Twenty writers replace the same version at once, ten rounds: one wins each round.
    int writers = 20;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      for (int round = 0; round < 10; round++) {
        String expected = etag;
        CyclicBarrier start = new CyclicBarrier(writers);
        List<Future<String>> results = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
          String body = round + "-" + w;
          results.add(
              pool.submit(
                  () -> {
                    start.await();
                    try {
                      return upload(blob, body, new BlobRequestConditions().setIfMatch(expected));
                    } catch (BlobStorageException e) {
                      assertThat(e.getStatusCode()).isEqualTo(412);
                      return null;
                    }
                  }));
        }
        List<String> won = new ArrayList<>();
        for (Future<String> f : results) {
          String r = f.get();
          if (r != null) {
            won.add(r);
          }
        }
        assertThat(won).as("round %d", round).hasSize(1);
        etag = won.get(0);
      }
    } finally {
      pool.shutdownNow();
      container.delete();
    }
  }

  private static String upload(BlobClient blob, String body, BlobRequestConditions conditions) {
    return blob.uploadWithResponse(
            new BlobParallelUploadOptions(BinaryData.fromString(body))
                .setRequestConditions(conditions),
            Duration.ofSeconds(30),
            Context.NONE)
        .getValue()
        .getETag();
  }

  private static HttpRequest post(URI uri, String body) {
    return HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(body)).build();
  }

  private static HttpResponse<String> send(HttpClient http, HttpRequest r) throws Exception {
    return http.send(r, HttpResponse.BodyHandlers.ofString());
  }
}
