package dev.unideploy.provider.azure.state;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import com.azure.storage.blob.models.BlobHttpHeaders;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.options.BlockBlobSimpleUploadOptions;
import com.azure.storage.common.StorageSharedKeyCredential;
import dev.unideploy.pipeline.resilience.CallPolicy;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Cross-checks our Shared Key signatures with the storage SDK's own pipeline: the same server-side
 * check, which recomputes the signature from the headers that arrived, accepts both, and the
 * conditional Put Blob both send carries the same condition and blob headers.
 */
class SharedKeySigningTest {
  private static final StorageSharedKeyCredential KEY =
      new StorageSharedKeyCredential(RecordingBlobServer.ACCOUNT, AzureBlobObjectStoreTest.KEY);

  private RecordingBlobServer server;

  @AfterEach
  void stop() {
    server.close();
  }

  private AzureBlobObjectStore store(StorageSharedKeyCredential signer) {
    return new AzureBlobObjectStore(
        new BlobHttp(
            server.endpoint(), "state", BlobAuthorization.sharedKey(signer), Duration.ofSeconds(5)),
        AzureBlobObjectStore.policy(
            new CallPolicy.Settings(1, Duration.ofMillis(1), Duration.ofMillis(1), 1000)),
        "azblob://devstoreaccount1/state");
  }

  @Test
  void ourConditionalPutIsSignedLikeTheSdksOwn() throws Exception {
    server = new RecordingBlobServer(KEY);
    server.then(201, "", "ETag", "\"0x1\"").then(201, "", "ETag", "\"0x2\"");
    BlobContainerClient sdk =
        new BlobContainerClientBuilder()
            .endpoint(server.endpoint() + "/state")
            .credential(KEY)
            .buildClient();
    sdk.getBlobClient("team/k")
        .getBlockBlobClient()
        .uploadWithResponse(
            new BlockBlobSimpleUploadOptions(BinaryData.fromBytes(new byte[] {1, 2}))
                .setHeaders(new BlobHttpHeaders().setContentType("application/json"))
                .setRequestConditions(new BlobRequestConditions().setIfNoneMatch("*")),
            Duration.ofSeconds(5),
            Context.NONE);
    store(KEY).createIfAbsent("team/k", new byte[] {1, 2});

    RecordingBlobServer.Request theirs = server.requests().get(0);
    RecordingBlobServer.Request ours = server.requests().get(1);
    assertThat(theirs.signed()).as("the check accepts the SDK's request").isTrue();
    assertThat(ours.signed()).as("the check accepts ours").isTrue();
    assertThat(ours.uri()).isEqualTo(theirs.uri());
    for (String h :
        new String[] {
          "If-None-Match", "x-ms-blob-type", "x-ms-blob-content-type", "Content-Length"
        }) {
      assertThat(ours.header(h)).as(h).isEqualTo(theirs.header(h));
    }
  }

  @Test
  void ourBodilessConditionalDeleteIsSignedLikeTheSdksOwn() throws Exception {
    server = new RecordingBlobServer(KEY);
    server.then(202, "").then(202, "");
    new BlobContainerClientBuilder()
        .endpoint(server.endpoint() + "/state")
        .credential(KEY)
        .buildClient()
        .getBlobClient("team/k")
        .deleteWithResponse(
            null,
            new BlobRequestConditions().setIfMatch("\"0x1\""),
            Duration.ofSeconds(5),
            Context.NONE);
    assertThat(store(KEY).deleteIfMatch("team/k", "\"0x1\"")).isTrue();

    RecordingBlobServer.Request theirs = server.requests().get(0);
    RecordingBlobServer.Request ours = server.requests().get(1);
    assertThat(theirs.signed()).as("the check accepts the SDK's request").isTrue();
    assertThat(ours.signed()).as("the check accepts ours").isTrue();
    assertThat(ours.uri()).isEqualTo(theirs.uri());
    assertThat(ours.header("If-Match")).isEqualTo(theirs.header("If-Match"));
  }

  @Test
  void theCheckFailsASignatureMadeWithAnotherKey() throws Exception {
    server = new RecordingBlobServer(KEY);
    server.then(202, "");
    StorageSharedKeyCredential other =
        new StorageSharedKeyCredential(
            RecordingBlobServer.ACCOUNT,
            java.util.Base64.getEncoder().encodeToString(new byte[] {1, 2, 3, 4}));
    store(other).deleteIfMatch("k", "\"0x1\"");
    assertThat(server.requests().get(0).signed()).isFalse();
  }
}
