package dev.unideploy.provider.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.unideploy.image.digest.SparseContentHash;
import dev.unideploy.image.testing.MemoryDiskImage;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.config.PublishSettings;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.publish.PublishPipeline;
import dev.unideploy.pipeline.publish.PublishResult;
import dev.unideploy.pipeline.spi.ProviderContext;
import dev.unideploy.pipeline.state.MemoryJournal;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageStoreTest {
  private static final int SIZE = 4 * 1024 * 1024;

  @TempDir Path tmp;
  private final StepClock clock = new StepClock();

  private PublishResult publish(String app, String version, MemoryDiskImage disk, int keep) {
    ObjectNode providers = JsonNodeFactory.instance.objectNode();
    providers.putObject("local").put("home", tmp.resolve("home").toString());
    DeployConfig config =
        new DeployConfig(
            app,
            version,
            null,
            new PublishSettings(null, null, null, keep),
            null,
            null,
            null,
            providers);
    ProviderContext ctx =
        new ProviderContext(
            config, EventSink.discard(), new MemoryJournal(), tmp.resolve("work"), clock);
    LocalProvider provider = new LocalProvider();
    assertThat(provider.publisher(ctx).uploadFormat(null))
        .as("the local store takes raw blocks, never a file")
        .isEqualTo(dev.unideploy.image.TargetFormat.RAW);
    PublishPipeline pipeline =
        new PublishPipeline("local", provider.publisher(ctx), ctx, tmp.toString());
    return pipeline.publish(disk, Path.of("disk.img"), new PublishPipeline.Options(null, false));
  }

  private ImageStore store() {
    return new ImageStore(tmp.resolve("home").resolve("images"));
  }

  @Test
  void storesTheDiskOnceUnderItsContentHashAsASparseRawFile() throws Exception {
    MemoryDiskImage disk = MemoryDiskImage.withMarker(SIZE, "hello");
    String sha = SparseContentHash.of(disk);

    PublishResult result = publish("web", "1", disk, 0);

    Path blob = store().blobPath(sha);
    assertThat(blob.getFileName().toString()).isEqualTo(sha + ".raw");
    assertThat(Files.size(blob)).isEqualTo(SIZE);
    byte[] stored = Files.readAllBytes(blob);
    assertThat(new String(stored, SIZE / 2, 5, java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("hello");
    assertThat(SparseContentHash.of(MemoryDiskImage.scanned(stored, 64 * 1024))).isEqualTo(sha);
    // Two 64 KiB data blocks with the marker; everything else stays a hole.
    assertThat(result.upload().bytesSent()).isLessThan(SIZE / 8);
    assertThat(store().list("web"))
        .singleElement()
        .satisfies(
            i -> {
              assertThat(i.id()).isEqualTo(sha.substring(0, 12));
              assertThat(i.name()).isEqualTo("web-1-" + sha.substring(0, 8));
              assertThat(i.tags()).containsExactlyInAnyOrder("1", "latest");
            });
  }

  @Test
  void publishingTheSameContentAgainReusesTheImage() throws Exception {
    MemoryDiskImage disk = MemoryDiskImage.withMarker(SIZE, "same");
    PublishResult first = publish("web", "1", disk, 0);
    Path blob = store().blobPath(SparseContentHash.of(disk));
    long mtime = Files.getLastModifiedTime(blob).toMillis();

    PublishResult second = publish("web", "2", disk, 0);

    assertThat(first.reused()).isFalse();
    assertThat(second.reused()).isTrue();
    assertThat(second.upload()).isNull();
    assertThat(Files.getLastModifiedTime(blob).toMillis()).isEqualTo(mtime);
    assertThat(store().list("web"))
        .singleElement()
        .satisfies(i -> assertThat(i.tags()).containsExactlyInAnyOrder("1", "2", "latest"));
  }

  @Test
  void retentionKeepsTheNewestNOfTheAppAndNeverTouchesOtherApps() throws Exception {
    publish("other", "1", MemoryDiskImage.withMarker(SIZE, "other-1"), 0);
    for (int v = 1; v <= 4; v++) {
      publish("web", Integer.toString(v), MemoryDiskImage.withMarker(SIZE, "web-" + v), 0);
    }
    assertThat(store().list("web")).hasSize(4);

    PublishResult r = publish("web", "5", MemoryDiskImage.withMarker(SIZE, "web-5"), 2);

    assertThat(store().list("web")).extracting(StoredImage::version).containsExactly("4", "5");
    assertThat(store().list("other")).hasSize(1);
    assertThat(r.retired()).hasSize(3);
    try (var blobs = Files.list(store().root().resolve("blobs"))) {
      assertThat(blobs.count()).as("blobs of retired images are deleted").isEqualTo(3);
    }
    assertThat(store().resolve("web:latest"))
        .singleElement()
        .extracting(StoredImage::version)
        .isEqualTo("5");
  }

  @Test
  void dryRunRetirementOnlyLists() {
    for (int v = 1; v <= 3; v++) {
      publish("web", Integer.toString(v), MemoryDiskImage.withMarker(SIZE, "v" + v), 0);
    }
    LocalImagePublisher publisher =
        new LocalImagePublisher(
            store(),
            new InstanceRegistry(LocalHome.at(tmp.resolve("home"))),
            EventSink.discard(),
            clock);
    StoredImage newest = store().list("web").get(2);
    ObjectNode providers = JsonNodeFactory.instance.objectNode();
    var request =
        new dev.unideploy.pipeline.spi.PublishRequest(
            "web",
            "3",
            newest.sha256(),
            SIZE,
            "disk.img",
            new PublishSettings(null, null, null, 1),
            new ProviderContext(
                new DeployConfig("web", "3", null, null, null, null, null, providers),
                EventSink.discard(),
                new MemoryJournal(),
                tmp,
                clock));
    assertThat(publisher.retire(request, true))
        .hasSize(2)
        .allSatisfy(r -> assertThat(r.dryRun()).isTrue());
    assertThat(store().list("web")).hasSize(3);
  }

  @Test
  void deleteKeepsTheDiskWhileAnotherAppNamesIt() throws Exception {
    MemoryDiskImage disk = MemoryDiskImage.withMarker(SIZE, "shared");
    String sha = SparseContentHash.of(disk);
    publish("a", "1", disk, 0);
    publish("b", "1", disk, 0);
    assertThat(store().resolve(sha.substring(0, 12))).hasSize(2);

    List<String> deleted = store().delete(store().list("a").get(0));
    assertThat(deleted).noneMatch(p -> p.endsWith(".raw"));
    assertThat(store().blobPath(sha)).exists();

    deleted = store().delete(store().list("b").get(0));
    assertThat(deleted).anyMatch(p -> p.endsWith(sha + ".raw"));
    assertThat(store().blobPath(sha)).doesNotExist();
    assertThat(store().list(null)).isEmpty();
  }

  @Test
  void resolvesByIdPrefixNameAndTag() throws Exception {
    MemoryDiskImage disk = MemoryDiskImage.withMarker(SIZE, "x");
    String sha = SparseContentHash.of(disk);
    publish("web", "7", disk, 0);
    StoredImage image = store().list("web").get(0);
    assertThat(store().resolve(sha.substring(0, 8))).containsExactly(image);
    assertThat(store().resolve(sha)).containsExactly(image);
    assertThat(store().resolve(image.name())).containsExactly(image);
    assertThat(store().resolve("web:7")).containsExactly(image);
    assertThat(store().resolve("web")).containsExactly(image);
    assertThat(store().resolve("nothing")).isEmpty();
  }

  @Test
  void refusesContentThatDoesNotHashAsPublished() {
    MemoryDiskImage disk = MemoryDiskImage.withMarker(SIZE, "real");
    String wrong = "0".repeat(64);
    assertThatThrownBy(() -> store().putBlob(disk, wrong, EventSink.discard()))
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining("changed during the publish");
    assertThat(store().blobPath(wrong)).doesNotExist();
    assertThat(store().root().resolve("blobs").toFile().list()).isEmpty();
  }

  @Test
  void readsStoredBlobBackAsTheSameDisk() throws Exception {
    byte[] bytes = new byte[SIZE];
    for (int i = 0; i < bytes.length; i += 4097) {
      bytes[i] = (byte) (i % 251 + 1);
    }
    MemoryDiskImage disk = MemoryDiskImage.scanned(bytes, 64 * 1024);
    String sha = SparseContentHash.of(disk);
    store().putBlob(disk, sha, EventSink.discard());
    ByteBuffer back = ByteBuffer.wrap(Files.readAllBytes(store().blobPath(sha)));
    assertThat(back.array()).isEqualTo(bytes);
  }
}
