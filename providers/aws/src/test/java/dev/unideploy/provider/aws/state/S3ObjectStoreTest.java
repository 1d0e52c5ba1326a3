package dev.unideploy.provider.aws.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.resilience.CallPolicy;
import dev.unideploy.pipeline.state.remote.ObjectStore;
import dev.unideploy.pipeline.state.remote.StoredObject;
import dev.unideploy.provider.aws.http.PooledHttpClient;
import dev.unideploy.provider.aws.http.SignedHttp;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** The S3 state store's requests, signatures and error mapping, against {@link FakeS3Bucket}. */
class S3ObjectStoreTest {
  private static final String KEY = "team/journal/web-aws/e-000000000001.json";

  private FakeS3Bucket s3;
  private PooledHttpClient http;
  private S3ObjectStore store;

  @BeforeEach
  void start() throws Exception {
    s3 = new FakeS3Bucket("team-state", 2);
    http = new PooledHttpClient(s3.endpoint(), null, Duration.ofSeconds(2), 2);
    SignedHttp signed =
        new SignedHttp(
            s3.endpoint(),
            "s3",
            "us-east-1",
            http,
            StaticCredentialsProvider.create(
                AwsBasicCredentials.create(FakeS3Bucket.ACCESS_KEY, FakeS3Bucket.SECRET_KEY)),
            Duration.ofSeconds(10),
            "unideploy-test",
            Clock.systemUTC());
    CallPolicy.Settings retry =
        new CallPolicy.Settings(3, Duration.ofMillis(1), Duration.ofMillis(5), 1000);
    store = new S3ObjectStore(signed, "team-state", () -> FakeS3Bucket.ACCOUNT, retry, http);
  }

  @AfterEach
  void stop() {
    store.close();
    s3.close();
    assertThat(s3.problems).as("requests S3 would refuse").isEmpty();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void conditionalWritesHoldAndEveryRequestIsSignedAsS3Wants() {
    // A key whose segments need escapes: encoded once in the path, and signed so.
    String odd = "team/locks/we b+app€:1.json";
    Optional<String> v1 = store.createIfAbsent(odd, bytes("{\"a\":1}"));
    assertThat(v1).isPresent();
    assertThat(store.createIfAbsent(odd, bytes("{\"a\":2}"))).as("exists: 412").isEmpty();

    StoredObject read = store.get(odd).orElseThrow();
    assertThat(read.data()).isEqualTo(bytes("{\"a\":1}"));
    assertThat(read.version()).isEqualTo(v1.get());
    assertThat(read.serverNow()).isCloseTo(Instant.now(), within(Duration.ofSeconds(5)));
    assertThat(read.modified()).isBeforeOrEqualTo(read.serverNow().plusSeconds(1));

    Optional<String> v2 = store.replaceIfMatch(odd, bytes("{\"a\":3}"), v1.get());
    assertThat(v2).isPresent().isNotEqualTo(v1);
    assertThat(store.replaceIfMatch(odd, bytes("{\"a\":4}"), v1.get())).as("stale: 412").isEmpty();
    assertThat(store.replaceIfMatch("team/gone.json", bytes("{}"), v1.get()))
        .as("missing: 404")
        .isEmpty();
    assertThat(s3.data(odd)).isEqualTo(bytes("{\"a\":3}"));

    assertThat(store.deleteIfMatch(odd, v1.get())).as("stale: 412").isFalse();
    assertThat(store.deleteIfMatch(odd, v2.get())).isTrue();
    assertThat(store.deleteIfMatch(odd, v2.get())).as("gone: 404").isFalse();
    assertThat(store.get(odd)).as("NoSuchKey").isEmpty();
    assertThat(s3.requests).anyMatch(r -> r.contains("/we%20b%2Bapp%E2%82%AC%3A1.json"));
  }

  @Test
  void listsEveryPageInBinaryOrderOnlyUnderThePrefix() {
    List<String> keys = new ArrayList<>();
    for (String name : new String[] {"e-3.json", "e-1.json", "E-0.json", "b & c.json", "é.json"}) {
      keys.add("team/journal/web-aws/" + name);
      s3.put("team/journal/web-aws/" + name, bytes("{}"));
    }
    s3.put("team/journal/web-aws-2/e-1.json", bytes("{}"));
    s3.put("other/e-1.json", bytes("{}"));
    keys.sort(null);
    assertThat(store.list("team/journal/web-aws/")).containsExactlyElementsOf(keys);
    // 5 keys, 2 a page: 3 pages, the later ones asked with the token S3 gave.
    assertThat(s3.requests.stream().filter(r -> r.contains("list-type=2")).toList())
        .hasSize(3)
        .allMatch(r -> r.contains("prefix=team%2Fjournal%2Fweb-aws%2F"))
        .filteredOn(r -> r.contains("continuation-token="))
        .hasSize(2);
    assertThat(store.list("nothing/")).isEmpty();
  }

  @Test
  void aListingThatRepeatsItsTokenOrIsNotXmlFailsInsteadOfLooping() {
    String page =
        "<ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>team/a</Key></Contents>"
            + "<NextContinuationToken>same</NextContinuationToken></ListBucketResult>";
    s3.answerNext(new FakeS3Bucket.Canned(200, page));
    s3.answerNext(new FakeS3Bucket.Canned(200, page));
    assertThatThrownBy(() -> store.list("team/"))
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining("ListObjectsV2 on s3://team-state/team/ failed")
        .hasMessageContaining("continuation token it had already given");
    s3.answerNext(
        new FakeS3Bucket.Canned(
            200, "<!DOCTYPE r [<!ENTITY x \"y\">]><ListBucketResult></ListBucketResult>"));
    assertThatThrownBy(() -> store.list("team/"))
        .hasMessageContaining("not well-formed XML")
        .hasMessageContaining("DOCTYPE");
    assertThat(s3.requests).as("neither is retried").hasSize(3);
  }

  @Test
  void conflictsAndTransientErrorsAreRetriedOthersAreNot() {
    s3.answerNext(new FakeS3Bucket.Canned(409, error("ConditionalRequestConflict")));
    s3.answerNext(new FakeS3Bucket.Canned(503, error("SlowDown")));
    assertThat(store.createIfAbsent(KEY, bytes("{}"))).isPresent();
    assertThat(s3.requests).hasSize(3);

    s3.answerNext(new FakeS3Bucket.Canned(409, error("OperationAborted")));
    assertThatThrownBy(() -> store.createIfAbsent("team/x.json", bytes("{}")))
        .hasMessageContaining("PutObject on s3://team-state/team/x.json failed: OperationAborted");
    assertThat(s3.requests).hasSize(4);
  }

  @Test
  void refusalsKeepTheirHints() {
    s3.answerNext(new FakeS3Bucket.Canned(403, error("AccessDenied")));
    assertThatThrownBy(() -> store.get(KEY))
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining("GetObject on s3://team-state/" + KEY + " failed: AccessDenied")
        .hasMessageContaining("s3:GetObject, s3:PutObject, s3:DeleteObject and s3:ListBucket");
    s3.answerNext(new FakeS3Bucket.Canned(301, error("PermanentRedirect")));
    assertThatThrownBy(() -> store.list("team/"))
        .hasMessageContaining("failed: PermanentRedirect")
        .hasMessageContaining("add ?region=<its region> to the state URL");
    s3.answerNext(new FakeS3Bucket.Canned(301, ""));
    assertThatThrownBy(() -> store.deleteIfMatch(KEY, "\"v1\""))
        .hasMessageContaining("failed: HTTP 301")
        .hasMessageContaining("add ?region=");
    s3.answerNext(new FakeS3Bucket.Canned(404, error("NoSuchBucket")));
    assertThatThrownBy(() -> store.get(KEY))
        .as("a missing bucket is not a missing object")
        .hasMessageContaining("failed: NoSuchBucket")
        .hasMessageContaining("create the bucket first");
    s3.answerNext(new FakeS3Bucket.Canned(400, "<html>bad gateway</html>"));
    assertThatThrownBy(() -> store.createIfAbsent(KEY, bytes("{}")))
        .hasMessageContaining("failed: HTTP 400; check the network and re-run");
    assertThat(s3.requests).as("none is retried").hasSize(5);
  }

  @Test
  void readsObjectsLargerThanAnApiAnswerButRefusesMoreThanAnyStateObject() {
    byte[] big = new byte[5 << 20]; // over the HTTP client's default limit of 4 MiB
    big[big.length - 1] = 7;
    s3.put(KEY, big);
    assertThat(store.get(KEY).orElseThrow().data()).isEqualTo(big);

    s3.answerNext(new FakeS3Bucket.Canned(200, "", ObjectStore.MAX_OBJECT_BYTES + 1));
    assertThatThrownBy(() -> store.get(KEY))
        .isInstanceOf(UnideployException.class)
        .hasMessage(
            "s3://team-state/"
                + KEY
                + " is "
                + (ObjectStore.MAX_OBJECT_BYTES + 1)
                + " bytes, far more than any state object: it is not one unideploy wrote;"
                + " move it out of the state prefix");
    assertThat(s3.requests).as("not retried").hasSize(2);
  }

  private static String error(String code) {
    return "<Error><Code>" + code + "</Code><Message>" + code + " here</Message></Error>";
  }

  private static org.assertj.core.data.TemporalUnitOffset within(Duration d) {
    return new org.assertj.core.data.TemporalUnitWithinOffset(
        d.toMillis(), java.time.temporal.ChronoUnit.MILLIS);
  }
}
