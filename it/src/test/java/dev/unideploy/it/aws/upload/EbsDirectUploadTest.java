package dev.unideploy.it.aws.upload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.image.ContentHash;
import dev.unideploy.image.DiskImage;
import dev.unideploy.image.formats.ImageReaders;
import dev.unideploy.it.EmulatorEnv;
import dev.unideploy.pipeline.events.ProgressEvent;
import dev.unideploy.pipeline.events.RecordingEventSink;
import dev.unideploy.pipeline.state.FileJournal;
import dev.unideploy.provider.aws.upload.SnapshotUploadResult;
import dev.unideploy.sample.SampleUnikernel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ebs.EbsClient;

/**
 * EBS direct upload end to end on moto, through {@link EbsCheckingProxy}: the snapshot read back
 * block by block equals the image, zero blocks were not sent, and every request had the sizes and
 * checksums real EBS demands.
 */
class EbsDirectUploadTest {
  @TempDir Path dir;

  private EbsCheckingProxy proxy;
  private EbsClient direct;

  @BeforeEach
  void start() throws Exception {
    proxy = new EbsCheckingProxy(EmulatorEnv.get().motoEndpoint());
    direct = AwsTestClients.ebs(EmulatorEnv.get().motoEndpoint());
  }

  @AfterEach
  void stop() {
    direct.close();
    proxy.close();
  }

  @Test
  void aRawImageWithDataZeroesAndHolesArrivesByteForByte() throws Exception {
    Path image = TestImages.write(dir.resolve("disk.raw"), 48L << 20, 0.4, 11);
    List<Integer> nonZero = TestImages.nonZeroBlocks(image);
    RecordingEventSink events = new RecordingEventSink();

    SnapshotUploadResult r;
    try (DiskImage disk = ImageReaders.open(image)) {
      r =
          AwsTestClients.directUploader(proxy.endpoint(), UploadMain.options(8))
              .upload(disk, ContentHash.sha256(disk), FileJournal.open(dir.resolve("j")), events);
    }

    assertThat(proxy.violations()).isEmpty();
    assertThat(nonZero).isNotEmpty().hasSizeLessThan(96);
    assertThat(r.blocksSent()).isEqualTo(nonZero.size());
    assertThat(proxy.blockPuts()).isEqualTo(nonZero.size());
    assertThat(proxy.seen(r.snapshotId()).completed).isTrue();
    SnapshotReadBack.assertHolds(direct, r.snapshotId(), image);
    ProgressEvent last =
        events.eventsOf(ProgressEvent.class).get(events.eventsOf(ProgressEvent.class).size() - 1);
    assertThat(last.unit()).isEqualTo(ProgressEvent.Unit.BYTES);
    assertThat(last.finished()).isTrue();
  }

  @Test
  void theSampleUnikernelArrivesByteForByte() throws Exception {
    Path image =
        SampleUnikernel.write(dir.resolve("sample.raw"), SampleUnikernel.Options.defaults());
    SnapshotUploadResult r;
    try (DiskImage disk = ImageReaders.open(image)) {
      r =
          AwsTestClients.directUploader(proxy.endpoint(), UploadMain.options(4))
              .upload(
                  disk,
                  ContentHash.sha256(disk),
                  FileJournal.open(dir.resolve("j")),
                  new RecordingEventSink());
    }

    assertThat(proxy.violations()).isEmpty();
    assertThat(r.blocksSent()).isEqualTo(TestImages.nonZeroBlocks(image).size()).isPositive();
    SnapshotReadBack.assertHolds(direct, r.snapshotId(), image);
  }
}
