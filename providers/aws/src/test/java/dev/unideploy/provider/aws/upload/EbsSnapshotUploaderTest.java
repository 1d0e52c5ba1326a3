package dev.unideploy.provider.aws.upload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.image.Extent;
import dev.unideploy.image.testing.MemoryDiskImage;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.events.ProgressEvent;
import dev.unideploy.pipeline.events.RecordingEventSink;
import dev.unideploy.pipeline.resilience.CallPolicy;
import dev.unideploy.pipeline.state.MemoryJournal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.model.SnapshotState;

class EbsSnapshotUploaderTest {
  private static final int B = BlockPlan.BLOCK_SIZE;
  private static final String SHA = "ab".repeat(32);

  private final FakeEbs ebs = new FakeEbs();
  private final MemoryJournal journal = new MemoryJournal();
  private final RecordingEventSink events = new RecordingEventSink();

  private static EbsUploadOptions fast() {
    return EbsUploadOptions.builder()
        .concurrency(4)
        .completionWait(Duration.ofSeconds(10), Duration.ofMillis(5))
        .journalBatch(4, Duration.ofSeconds(2))
        .calls(new CallPolicy.Settings(6, Duration.ofMillis(1), Duration.ofMillis(5), 1000))
        .blockCallsPerSecond(10_000)
        .build();
  }

  /** Blocks 0, 1 (a run crossing a block edge), 3, 5 with data; block 7 a data extent of zeroes. */
  private static MemoryDiskImage sample() {
    long size = 8L * B + 1000; // not a multiple of the block size: the tail block is padded
    MemoryDiskImage disk =
        MemoryDiskImage.withData(
            size,
            7,
            new long[] {100, B + 10},
            new long[] {3L * B + 5, 300},
            new long[] {5L * B, B});
    // Mark [7B, 8B) as data although it holds zeroes: content-aware skipping must catch it.
    List<Extent> extents = new ArrayList<>();
    for (Extent e : disk.extents()) {
      if (!e.data() && e.offset() <= 7L * B && e.end() >= 8L * B) {
        if (e.offset() < 7L * B) {
          extents.add(Extent.zero(e.offset(), 7L * B - e.offset()));
        }
        extents.add(Extent.data(7L * B, B));
        if (e.end() > 8L * B) {
          extents.add(Extent.zero(8L * B, e.end() - 8L * B));
        }
      } else {
        extents.add(e);
      }
    }
    return MemoryDiskImage.of(disk.bytes(), extents);
  }

  private static List<Integer> nonZeroBlocks(byte[] bytes) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; (long) i * B < bytes.length; i++) {
      byte[] block = Arrays.copyOfRange(bytes, i * B, i * B + B); // zero-padded at the end
      if (!BlockReader.isZero(block)) {
        out.add(i);
      }
    }
    return out;
  }

  private void assertSnapshotHolds(String id, MemoryDiskImage disk) {
    FakeEbs.Snap snap = ebs.snapshots.get(id);
    assertThat(snap.state).isEqualTo(SnapshotState.COMPLETED);
    List<Integer> expected = nonZeroBlocks(disk.bytes());
    assertThat(snap.blocks.keySet()).containsExactlyInAnyOrderElementsOf(expected);
    for (int i : expected) {
      assertThat(snap.blocks.get(i)).isEqualTo(Arrays.copyOfRange(disk.bytes(), i * B, i * B + B));
    }
  }

  @Test
  void sendsOnlyNonZeroBlocksAndTheSnapshotHoldsTheImage() {
    MemoryDiskImage disk = sample();
    SnapshotUploadResult r =
        new EbsSnapshotUploader(
                ebs, ebs.ec2(), fast().toBuilder().tags(Map.of("app", "demo")).build())
            .upload(disk, SHA, journal, events);

    assertThat(nonZeroBlocks(disk.bytes())).containsExactly(0, 1, 3, 5);
    assertThat(r.blocksSent()).isEqualTo(4);
    assertThat(r.blocksSkipped()).isEqualTo(1); // block 7: a data extent full of zeroes
    assertThat(r.bytesSent()).isEqualTo(4L * B);
    assertThat(r.resumed()).isFalse();
    assertSnapshotHolds(r.snapshotId(), disk);
    assertThat(ebs.puts.get()).isEqualTo(4);
    assertThat(ebs.starts.get(0).volumeGib()).isEqualTo(1L);
    assertThat(ebs.starts.get(0).timeoutMinutes()).isEqualTo(60);
    assertThat(ebs.starts.get(0).tags()).hasSize(1);
    assertThat(ebs.starts.get(0).clientToken()).startsWith("ud-").hasSizeLessThanOrEqualTo(64);
  }

  @Test
  void reportsProgressInBytesOfTheDataToSend() {
    new EbsSnapshotUploader(ebs, ebs.ec2(), fast()).upload(sample(), SHA, journal, events);

    List<ProgressEvent> progress = events.eventsOf(ProgressEvent.class);
    ProgressEvent last = progress.get(progress.size() - 1);
    assertThat(progress).allMatch(p -> p.unit() == ProgressEvent.Unit.BYTES);
    assertThat(last.finished()).isTrue();
    // Candidates: blocks 0, 1, 3, 5, 7 (7 turns out to be zero and counts as done).
    assertThat(last.total()).isEqualTo(5L * B);
    assertThat(last.done()).isEqualTo(last.total());
  }

  @Test
  void encryptedSnapshotsGetEveryBlockOfTheVolume() {
    MemoryDiskImage disk = sample();
    SnapshotUploadResult r =
        new EbsSnapshotUploader(
                ebs,
                ebs.ec2(),
                fast().toBuilder()
                    .encryption(true, "arn:aws:kms:us-east-1:123456789012:key/k")
                    .build())
            .upload(disk, SHA, journal, events);

    int volumeBlocks = BlockPlan.blocksInVolume(1);
    assertThat(r.blocksSent()).isEqualTo(volumeBlocks);
    assertThat(r.blocksSkipped()).isZero();
    assertThat(ebs.snapshots.get(r.snapshotId()).blocks).hasSize(volumeBlocks);
    assertThat(ebs.starts.get(0).encrypted()).isTrue();
    assertThat(ebs.starts.get(0).kmsKeyArn()).endsWith("key/k");
  }

  @Test
  void aCrashedUploadResumesTheSameSnapshotAndSendsOnlyMissingBlocks() {
    MemoryDiskImage disk = MemoryDiskImage.withData(40L * B, 3, new long[] {0, 40L * B});
    ebs.crashAfterPuts = 13;
    EbsUploadOptions options = fast().toBuilder().concurrency(1).build();
    assertThatThrownBy(
            () ->
                new EbsSnapshotUploader(ebs, ebs.ec2(), options).upload(disk, SHA, journal, events))
        .hasMessageContaining("simulated crash");
    String key = ClientTokens.uploadKey(SHA, 1, false, null);
    int acked =
        new EbsUploadJournal(journal, java.time.Clock.systemUTC(), key)
            .read()
            .acknowledged()
            .cardinality();
    assertThat(acked).isEqualTo(13);

    ebs.crashAfterPuts = -1;
    int putsBefore = ebs.puts.get();
    SnapshotUploadResult r =
        new EbsSnapshotUploader(ebs, ebs.ec2(), fast()).upload(disk, SHA, journal, events);

    assertThat(ebs.puts.get() - putsBefore).isEqualTo(40 - acked);
    assertThat(r.blocksSent()).isEqualTo(40 - acked);
    assertThat(r.resumed()).isTrue();
    assertThat(ebs.snapshots).hasSize(1);
    assertSnapshotHolds(r.snapshotId(), disk);
  }

  @Test
  void aDeletedSnapshotIsReplacedUnderANewClientToken() {
    MemoryDiskImage disk = MemoryDiskImage.withData(6L * B, 4, new long[] {0, 6L * B});
    ebs.crashAfterPuts = 2;
    assertThatThrownBy(
            () ->
                new EbsSnapshotUploader(ebs, ebs.ec2(), fast()).upload(disk, SHA, journal, events))
        .isInstanceOf(UnideployException.class);
    String first = ebs.starts.get(0).clientToken();
    ebs.snapshots.clear();
    ebs.crashAfterPuts = -1;

    SnapshotUploadResult r =
        new EbsSnapshotUploader(ebs, ebs.ec2(), fast()).upload(disk, SHA, journal, events);

    assertThat(ebs.starts).hasSize(2);
    assertThat(ebs.starts.get(1).clientToken()).isNotEqualTo(first);
    assertThat(r.resumed()).isFalse();
    assertThat(r.blocksSent()).isEqualTo(6);
    assertSnapshotHolds(r.snapshotId(), disk);
    assertThat(events.eventsOf(LogEvent.class))
        .anyMatch(
            e ->
                e.level() == LogEvent.Level.WARN
                    && e.message().contains("no longer exists")
                    && e.message().contains("new client token"));
  }

  @Test
  void aSnapshotInErrorIsReplacedAndTheReasonIsTold() {
    MemoryDiskImage disk = MemoryDiskImage.withData(6L * B, 5, new long[] {0, 6L * B});
    ebs.crashAfterPuts = 2;
    assertThatThrownBy(
            () ->
                new EbsSnapshotUploader(ebs, ebs.ec2(), fast()).upload(disk, SHA, journal, events))
        .isInstanceOf(UnideployException.class);
    FakeEbs.Snap dead = ebs.snapshots.values().iterator().next();
    dead.state = SnapshotState.ERROR;
    dead.stateMessage = "timed out waiting for blocks";
    ebs.crashAfterPuts = -1;

    SnapshotUploadResult r =
        new EbsSnapshotUploader(ebs, ebs.ec2(), fast()).upload(disk, SHA, journal, events);

    assertThat(r.snapshotId()).isNotEqualTo(dead.id);
    assertThat(ebs.starts.get(1).clientToken()).isNotEqualTo(ebs.starts.get(0).clientToken());
    assertThat(events.eventsOf(LogEvent.class))
        .anyMatch(e -> e.message().contains("timed out waiting for blocks"));
    assertSnapshotHolds(r.snapshotId(), disk);
  }

  @Test
  void aSnapshotThatFailsWhileCompletingFailsAtOnceWithAwsReason() {
    MemoryDiskImage disk = MemoryDiskImage.withData(2L * B, 6, new long[] {0, 2L * B});
    ebs.pendingPollsAfterComplete = 1_000_000;
    ebs.failCompletionWith = "internal error while processing blocks";
    EbsSnapshotUploader uploader = new EbsSnapshotUploader(ebs, ebs.ec2(), fast());
    long start = System.nanoTime();
    assertThatThrownBy(() -> uploader.upload(disk, SHA, journal, events))
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining("internal error while processing blocks");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void theCompletionWaitHasADeadline() {
    MemoryDiskImage disk = MemoryDiskImage.withData(B, 6, new long[] {0, B});
    ebs.pendingPollsAfterComplete = 1_000_000;
    EbsUploadOptions options =
        fast().toBuilder().completionWait(Duration.ofMillis(200), Duration.ofMillis(10)).build();
    assertThatThrownBy(
            () ->
                new EbsSnapshotUploader(ebs, ebs.ec2(), options).upload(disk, SHA, journal, events))
        .hasMessageContaining("timed out")
        .hasMessageContaining("to complete");
  }

  @Test
  void waitsWhileTheSnapshotIsStillPendingAfterCompletion() {
    MemoryDiskImage disk = MemoryDiskImage.withData(2L * B, 8, new long[] {0, 2L * B});
    ebs.pendingPollsAfterComplete = 3;
    SnapshotUploadResult r =
        new EbsSnapshotUploader(ebs, ebs.ec2(), fast()).upload(disk, SHA, journal, events);
    assertSnapshotHolds(r.snapshotId(), disk);
  }

  @Test
  void throttledCallsAreRetriedAndTheUploadCompletes() {
    MemoryDiskImage disk = MemoryDiskImage.withData(30L * B, 9, new long[] {0, 30L * B});
    ebs.throttleEvery = 3;
    EbsSnapshotUploader uploader = new EbsSnapshotUploader(ebs, ebs.ec2(), fast());
    SnapshotUploadResult r = uploader.upload(disk, SHA, journal, events);

    assertThat(r.blocksSent()).isEqualTo(30);
    assertThat(ebs.puts.get()).isGreaterThan(30);
    assertThat(uploader.retriedCalls().get("PutSnapshotBlock")).isPositive();
    assertSnapshotHolds(r.snapshotId(), disk);
  }

  @Test
  void blocksInFlightNeverExceedTheConcurrency() {
    MemoryDiskImage disk = MemoryDiskImage.withData(64L * B, 10, new long[] {0, 64L * B});
    new EbsSnapshotUploader(ebs, ebs.ec2(), fast().toBuilder().concurrency(3).build())
        .upload(disk, SHA, journal, events);
    assertThat(ebs.maxInFlight.get()).isBetween(1, 3);
  }

  @Test
  void aRerunAfterSuccessReusesTheCompletedSnapshot() {
    MemoryDiskImage disk = sample();
    SnapshotUploadResult first =
        new EbsSnapshotUploader(ebs, ebs.ec2(), fast()).upload(disk, SHA, journal, events);
    int puts = ebs.puts.get();

    SnapshotUploadResult again =
        new EbsSnapshotUploader(ebs, ebs.ec2(), fast()).upload(disk, SHA, journal, events);

    assertThat(again.snapshotId()).isEqualTo(first.snapshotId());
    assertThat(again.blocksSent()).isZero();
    assertThat(again.resumed()).isTrue();
    assertThat(ebs.puts.get()).isEqualTo(puts);
    assertThat(ebs.starts).hasSize(1);
  }

  @Test
  void aLostJournalStillFindsTheSnapshotThroughTheClientToken() {
    MemoryDiskImage disk = sample();
    SnapshotUploadResult first =
        new EbsSnapshotUploader(ebs, ebs.ec2(), fast()).upload(disk, SHA, journal, events);

    SnapshotUploadResult again =
        new EbsSnapshotUploader(ebs, ebs.ec2(), fast())
            .upload(disk, SHA, new MemoryJournal(), events);

    assertThat(again.snapshotId()).isEqualTo(first.snapshotId());
    assertThat(ebs.snapshots).hasSize(1);
    assertThat(again.blocksSent()).isZero();
  }

  @Test
  void accessDeniedPointsToIamAndTheImportPath() {
    FakeEbs denied =
        new FakeEbs() {
          @Override
          public synchronized Started startSnapshot(StartRequest r) {
            throw error(
                403, "AccessDeniedException", "not authorized to perform ebs:StartSnapshot");
          }
        };
    assertThatThrownBy(
            () ->
                new EbsSnapshotUploader(denied, denied.ec2(), fast())
                    .upload(sample(), SHA, journal, events))
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining("docs/aws-iam.md")
        .hasMessageContaining("ImportSnapshot");
  }

  @Test
  void candidatesFollowTheExtentMap() {
    BitSet c = BlockPlan.candidates(sample(), false);
    assertThat(c.stream().boxed().toList()).containsExactly(0, 1, 3, 5, 7);
    assertThat(BlockPlan.volumeGib(1)).isEqualTo(1);
    assertThat(BlockPlan.volumeGib(BlockPlan.GIB)).isEqualTo(1);
    assertThat(BlockPlan.volumeGib(BlockPlan.GIB + 1)).isEqualTo(2);
  }
}
