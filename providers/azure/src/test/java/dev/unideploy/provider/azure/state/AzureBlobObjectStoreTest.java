package dev.unideploy.provider.azure.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.storage.common.StorageSharedKeyCredential;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.resilience.CallPolicy;
import dev.unideploy.pipeline.state.remote.ObjectStore;
import dev.unideploy.pipeline.state.remote.StoredObject;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AzureBlobObjectStoreTest {
  static final String KEY =
      Base64.getEncoder()
          .encodeToString("a test key, not a secret".getBytes(StandardCharsets.UTF_8));
  private static final StorageSharedKeyCredential CREDENTIAL =
      new StorageSharedKeyCredential(RecordingBlobServer.ACCOUNT, KEY);

  private RecordingBlobServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private AzureBlobObjectStore store(BlobAuthorization auth) throws Exception {
    server = new RecordingBlobServer(CREDENTIAL);
    return new AzureBlobObjectStore(
        new BlobHttp(server.endpoint(), "state", auth, Duration.ofSeconds(10)),
        AzureBlobObjectStore.policy(
            new CallPolicy.Settings(3, Duration.ofMillis(1), Duration.ofMillis(5), 1000)),
        "azblob://" + RecordingBlobServer.ACCOUNT + "/state");
  }

  private AzureBlobObjectStore store() throws Exception {
    return store(BlobAuthorization.sharedKey(CREDENTIAL));
  }

  @Test
  void createsOnlyAbsentBlobsWithSignedConditionalPut() throws Exception {
    AzureBlobObjectStore s = store();
    server.then(201, "", "ETag", "\"0x1\"").then(409, "", "x-ms-error-code", "BlobAlreadyExists");

    assertThat(s.createIfAbsent("team/app/journal 1", "{}".getBytes())).contains("\"0x1\"");
    assertThat(s.createIfAbsent("team/app/journal 1", "{}".getBytes())).isEmpty();

    RecordingBlobServer.Request put = server.requests().get(0);
    assertThat(put.method()).isEqualTo("PUT");
    assertThat(put.uri()).isEqualTo("/devstoreaccount1/state/team%2Fapp%2Fjournal%201");
    assertThat(put.header("If-None-Match")).isEqualTo("*");
    assertThat(put.header("x-ms-blob-type")).isEqualTo("BlockBlob");
    assertThat(put.header("Content-Type")).isEqualTo("application/json");
    assertThat(put.body()).isEqualTo("{}".getBytes());
    assertThat(server.requests()).allMatch(RecordingBlobServer.Request::signed);
  }

  @Test
  void replacesAndDeletesOnlyTheVersionRead() throws Exception {
    AzureBlobObjectStore s = store();
    server
        .then(201, "", "ETag", "\"0x2\"")
        .then(412, "", "x-ms-error-code", "ConditionNotMet")
        .then(404, "", "x-ms-error-code", "BlobNotFound")
        .then(202, "")
        .then(412, "")
        .then(404, "");

    assertThat(s.replaceIfMatch("k", new byte[0], "\"0x1\"")).contains("\"0x2\"");
    assertThat(s.replaceIfMatch("k", new byte[] {1}, "\"0x1\"")).isEmpty();
    assertThat(s.replaceIfMatch("k", new byte[] {1}, "\"0x1\"")).isEmpty();
    assertThat(s.deleteIfMatch("k", "\"0x2\"")).isTrue();
    assertThat(s.deleteIfMatch("k", "\"0x2\"")).isFalse();
    assertThat(s.deleteIfMatch("k", "\"0x2\"")).isFalse();

    assertThat(server.requests()).allMatch(RecordingBlobServer.Request::signed);
    assertThat(server.requests().get(0).header("If-Match")).isEqualTo("\"0x1\"");
    assertThat(server.requests().get(3).method()).isEqualTo("DELETE");
    assertThat(server.requests().get(3).header("If-Match")).isEqualTo("\"0x2\"");
  }

  @Test
  void getsBytesVersionAndTheStoresClockInOneCall() throws Exception {
    AzureBlobObjectStore s = store();
    server
        .then(200, "{\"a\":1}", "ETag", "\"0x3\"", "Last-Modified", "Mon, 07 Dec 2026 03:00:00 GMT")
        .then(404, "", "x-ms-error-code", "BlobNotFound");

    StoredObject o = s.get("k").orElseThrow();
    assertThat(o.data()).isEqualTo("{\"a\":1}".getBytes());
    assertThat(o.version()).isEqualTo("\"0x3\"");
    assertThat(o.modified()).isEqualTo(Instant.parse("2026-12-07T03:00:00Z"));
    // The server's Date header (whole seconds), not this machine's clock (nanoseconds).
    assertThat(o.serverNow().getNano()).isZero();
    assertThat(Duration.between(o.serverNow(), Instant.now()).abs())
        .isLessThan(Duration.ofSeconds(5));
    assertThat(s.get("k")).isEmpty();
    assertThat(server.requests()).hasSize(2).allMatch(RecordingBlobServer.Request::signed);
  }

  @Test
  void refusesObjectsLargerThanAnyStateObjectWithoutReadingThem() throws Exception {
    AzureBlobObjectStore s = store();
    long declared = ObjectStore.MAX_OBJECT_BYTES + 1;
    server
        .then(
            ex -> {
              ex.getResponseHeaders().add("ETag", "\"0x4\"");
              ex.sendResponseHeaders(200, declared);
              writeUntilRefused(ex.getResponseBody(), declared);
            })
        .then(
            ex -> {
              // No length: the bytes themselves are counted.
              ex.getResponseHeaders().add("ETag", "\"0x4\"");
              ex.sendResponseHeaders(200, 0);
              writeUntilRefused(ex.getResponseBody(), declared);
            });

    assertThatThrownBy(() -> s.get("big"))
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining("azblob://devstoreaccount1/state/big is " + declared + " bytes")
        .hasMessageContaining("move it out of the state prefix");
    assertThatThrownBy(() -> s.get("big"))
        .hasMessageContaining("is more than " + ObjectStore.MAX_OBJECT_BYTES + " bytes");
  }

  @Test
  void retriesTransientAnswersAndNamesTheRoleOnRefusal() throws Exception {
    AzureBlobObjectStore s = store();
    server
        .then(503, "", "x-ms-error-code", "ServerBusy")
        .then(201, "", "ETag", "\"0x5\"")
        .then(
            403,
            "<?xml version=\"1.0\"?><Error><Code>AuthorizationPermissionMismatch</Code></Error>");

    assertThat(s.createIfAbsent("k", new byte[] {1})).contains("\"0x5\"");
    assertThat(server.requests()).hasSize(2);
    assertThatThrownBy(() -> s.deleteIfMatch("k", "\"0x5\""))
        .isInstanceOf(UnideployException.class)
        .hasMessage(
            "Delete Blob on azblob://devstoreaccount1/state/k failed: HTTP 403"
                + " AuthorizationPermissionMismatch; the state needs read, write, delete and list"
                + " on the container (the role Storage Blob Data Contributor), see docs/state.md");
    assertThat(server.requests()).hasSize(3);
  }

  @Test
  void givesUpOnPersistentServerErrorsWithTheNetworkHint() throws Exception {
    AzureBlobObjectStore s = store();
    server.then(500, "").then(500, "").then(500, "");
    assertThatThrownBy(() -> s.get("k"))
        .hasMessage(
            "Get Blob on azblob://devstoreaccount1/state/k failed: HTTP 500; check the network"
                + " and re-run");
    assertThat(server.requests()).hasSize(3);
  }

  @Test
  void listsAllPagesSortedAndPointsAtAMissingContainer() throws Exception {
    AzureBlobObjectStore s = store();
    server
        .then(200, listing("<NextMarker>m/2</NextMarker>", "p/b", "p/c"))
        .then(200, listing("<NextMarker/>", "p/a"))
        .then(
            404,
            "<?xml version=\"1.0\"?><Error><Code>ContainerNotFound</Code><Message>x</Message>"
                + "</Error>");

    assertThat(s.list("p/")).containsExactly("p/a", "p/b", "p/c");
    assertThat(server.requests().get(0).uri())
        .isEqualTo("/devstoreaccount1/state?restype=container&comp=list&prefix=p%2F");
    assertThat(server.requests().get(1).uri()).endsWith("&prefix=p%2F&marker=m%2F2");
    assertThat(server.requests()).allMatch(RecordingBlobServer.Request::signed);
    assertThatThrownBy(() -> s.list("p/"))
        .hasMessage(
            "List Blobs on azblob://devstoreaccount1/state/p/ failed: HTTP 404 ContainerNotFound;"
                + " create the container first, or fix its name in state:");
  }

  @Test
  void refusesHostileListings() throws Exception {
    AzureBlobObjectStore s = store();
    server.then(
        200,
        "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
            + "<EnumerationResults><Blobs><Blob><Name>&x;</Name></Blob></Blobs>"
            + "</EnumerationResults>");
    server.then(200, "<Error><Code>Nope</Code></Error>");

    assertThatThrownBy(() -> s.list("p/"))
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining("answered no list of blobs")
        .hasMessageNotContaining("root:");
    assertThatThrownBy(() -> s.list("p/")).hasMessageContaining("its root is <Error>");
  }

  @Test
  void sasGoesInTheQueryAndNeverInAMessage() throws Exception {
    String sas = "sv=2021-08-06&sig=c2VjcmV0";
    AzureBlobObjectStore s = store(BlobAuthorization.sas(sas));
    server.then(200, listing("", "x")).then(403, "");

    assertThat(s.list("")).containsExactly("x");
    RecordingBlobServer.Request r = server.requests().get(0);
    assertThat(r.uri()).endsWith("?restype=container&comp=list&prefix=&" + sas);
    assertThat(r.header("Authorization")).isNull();
    assertThatThrownBy(() -> s.get("k")).hasMessageNotContaining("sig=");
  }

  @Test
  void anIoFailureIsRetriedThenReported() throws Exception {
    AzureBlobObjectStore s = store();
    String endpoint = server.endpoint().toString();
    server.close();
    AzureBlobObjectStore dead =
        new AzureBlobObjectStore(
            new BlobHttp(
                java.net.URI.create(endpoint),
                "state",
                BlobAuthorization.sharedKey(CREDENTIAL),
                Duration.ofSeconds(2)),
            AzureBlobObjectStore.policy(
                new CallPolicy.Settings(2, Duration.ofMillis(1), Duration.ofMillis(5), 1000)),
            "azblob://devstoreaccount1/state");
    assertThat(s).isNotNull();
    assertThatThrownBy(() -> dead.get("k"))
        .isInstanceOf(UnideployException.class)
        .hasMessageStartingWith("Get Blob on azblob://devstoreaccount1/state/k failed: GET ")
        .hasMessageEndingWith("; check the network and re-run");
    server = null;
  }

  /** Writes {@code n} zero bytes, or fewer when the client hangs up (as it should). */
  private static void writeUntilRefused(OutputStream out, long n) {
    byte[] chunk = new byte[1 << 20];
    try (out) {
      for (long left = n; left > 0; left -= chunk.length) {
        out.write(chunk, 0, (int) Math.min(chunk.length, left));
      }
    } catch (java.io.IOException e) {
      // The client stopped reading.
    }
  }

  static String listing(String marker, String... names) {
    StringBuilder b =
        new StringBuilder("<?xml version=\"1.0\" encoding=\"utf-8\"?><EnumerationResults><Blobs>");
    for (String n : names) {
      b.append("<Blob><Name>").append(n).append("</Name><Properties/></Blob>");
    }
    return b.append("</Blobs>").append(marker).append("</EnumerationResults>").toString();
  }
}
