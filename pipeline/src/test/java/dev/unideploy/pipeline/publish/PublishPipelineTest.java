package dev.unideploy.pipeline.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.image.TargetFormat;
import dev.unideploy.image.digest.SparseContentHash;
import dev.unideploy.image.testing.MemoryDiskImage;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.events.RecordingEventSink;
import dev.unideploy.pipeline.spi.ImagePublisher;
import dev.unideploy.pipeline.spi.ProviderContext;
import dev.unideploy.pipeline.spi.PublishRequest;
import dev.unideploy.pipeline.spi.PublishedImage;
import dev.unideploy.pipeline.spi.RegionImage;
import dev.unideploy.pipeline.spi.RetiredImage;
import dev.unideploy.pipeline.spi.UploadSource;
import dev.unideploy.pipeline.spi.UploadedDisk;
import dev.unideploy.pipeline.state.CoalescingJournal;
import dev.unideploy.pipeline.state.Journal;
import dev.unideploy.pipeline.state.JournalEntry;
import dev.unideploy.pipeline.state.MemoryJournal;
import dev.unideploy.pipeline.verify.BootCheck;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PublishPipelineTest {
  @TempDir Path dir;

  /** A publisher that keeps images in a map keyed by content hash, like a tag lookup would. */
  static class FakePublisher implements ImagePublisher {
    final Map<String, PublishedImage> bySha = new HashMap<>();
    final List<String> calls = new ArrayList<>();
    TargetFormat format = TargetFormat.RAW;
    String failingRegion;
    Path uploadedFile;

    @Override
    public TargetFormat uploadFormat(PublishRequest request) {
      return format;
    }

    @Override
    public Optional<PublishedImage> findExisting(PublishRequest request) {
      PublishedImage i = bySha.get(request.contentSha256());
      return i == null
          ? Optional.empty()
          : Optional.of(new PublishedImage(i.id(), i.name(), i.region(), true, Map.of()));
    }

    @Override
    public UploadedDisk upload(PublishRequest request, UploadSource source) {
      calls.add("upload");
      uploadedFile = source.file();
      if (source.file() != null) {
        assertThat(source.file()).exists();
      }
      return new UploadedDisk("snap-1", "fake", 3, 0, false, null, Map.of("blocksSent", "3"));
    }

    @Override
    public PublishedImage register(PublishRequest request, UploadedDisk disk) {
      calls.add("register");
      PublishedImage i =
          new PublishedImage("ami-" + request.sha8(), request.imageName(), "home", false, Map.of());
      bySha.put(request.contentSha256(), i);
      return i;
    }

    @Override
    public List<RegionImage> replicate(PublishRequest request, PublishedImage image) {
      calls.add("replicate");
      List<RegionImage> out = new ArrayList<>();
      for (String r : List.of("r2", "r3")) {
        out.add(
            r.equals(failingRegion)
                ? RegionImage.failed(r, "copy failed")
                : RegionImage.ok(r, image.id() + "-" + r, false, Map.of()));
      }
      return out;
    }

    @Override
    public void share(PublishRequest request, List<RegionImage> images) {
      calls.add("share:" + images.size());
    }

    @Override
    public List<RetiredImage> retire(PublishRequest request, boolean dryRun) {
      calls.add("retire:" + dryRun);
      return List.of(new RetiredImage("home", "ami-old", "old", List.of("snap-old"), dryRun));
    }
  }

  private final RecordingEventSink events = new RecordingEventSink();
  private final MemoryJournal journal = new MemoryJournal();

  private PublishPipeline pipeline(FakePublisher p) {
    return pipeline(p, journal);
  }

  private PublishPipeline pipeline(FakePublisher p, Journal journal) {
    ProviderContext ctx =
        new ProviderContext(
            DeployConfig.of("hello", "1.0.0"),
            events,
            journal,
            dir.resolve("work"),
            Clock.systemUTC());
    return new PublishPipeline("fake", p, ctx, dir.toString());
  }

  private static MemoryDiskImage disk() {
    byte[] b = new byte[64 * 1024];
    b[10] = 1;
    b[40_000] = 7;
    return MemoryDiskImage.scanned(b, 4096);
  }

  @Test
  void runsEveryStepInOrderAndReportsTheResult() throws Exception {
    FakePublisher p = new FakePublisher();
    MemoryDiskImage d = disk();
    PublishResult r =
        pipeline(p).publish(d, dir.resolve("hello.img"), new PublishPipeline.Options(null, false));

    assertThat(p.calls)
        .containsExactly("upload", "register", "replicate", "share:3", "retire:false");
    assertThat(r.sha256()).isEqualTo(SparseContentHash.of(d));
    assertThat(r.reused()).isFalse();
    assertThat(r.verify()).isNull();
    assertThat(r.failedRegions()).isEmpty();
    assertThat(r.regions()).extracting(RegionImage::region).containsExactly("home", "r2", "r3");
    assertThat(r.provider()).isEqualTo("fake");
    assertThat(journal.last("register", "done")).isPresent();
    assertThat(events.eventsOf(LogEvent.class))
        .anyMatch(e -> e.level() == LogEvent.Level.WARN && e.message().contains("skipped"));
  }

  /** The writes a journal received, each as "step:kind" lines. */
  static final class WriteRecordingJournal implements Journal {
    final MemoryJournal written = new MemoryJournal();
    final List<List<String>> writes = new ArrayList<>();

    @Override
    public void append(JournalEntry entry) {
      appendAll(List.of(entry));
    }

    @Override
    public void appendAll(List<JournalEntry> entries) {
      writes.add(entries.stream().map(e -> e.step() + ":" + e.kind()).toList());
      written.appendAll(entries);
    }

    @Override
    public List<JournalEntry> entries() {
      return written.entries();
    }
  }

  @Test
  void eachStepsDoneTravelsWithTheNextStepsStartAndEveryChangeFollowsItsStart() {
    WriteRecordingJournal underneath = new WriteRecordingJournal();
    List<String> writtenAtUpload = new ArrayList<>();
    FakePublisher p =
        new FakePublisher() {
          @Override
          public UploadedDisk upload(PublishRequest request, UploadSource source) {
            underneath.entries().forEach(e -> writtenAtUpload.add(e.step() + ":" + e.kind()));
            return super.upload(request, source);
          }
        };
    CoalescingJournal journal = new CoalescingJournal(underneath);

    pipeline(p, journal)
        .publish(disk(), dir.resolve("x.img"), new PublishPipeline.Options(null, false));
    journal.flush();

    assertThat(underneath.writes)
        .containsExactly(
            List.of("hash:started", "hash:done", "upload:started"),
            List.of("upload:done", "register:started"),
            List.of("register:done", "replicate:started"),
            List.of("replicate:done", "share:started"),
            List.of("share:done", "retire:started"),
            List.of("retire:done"));
    // What a resume reads when the upload begins is written before it begins.
    assertThat(writtenAtUpload).containsExactly("hash:started", "hash:done", "upload:started");
  }

  @Test
  void secondRunReusesTheImageAndUploadsNothing() {
    FakePublisher p = new FakePublisher();
    PublishPipeline.Options o = new PublishPipeline.Options(null, false);
    pipeline(p).publish(disk(), dir.resolve("hello.img"), o);
    p.calls.clear();

    PublishResult r = pipeline(p).publish(disk(), dir.resolve("hello.img"), o);

    assertThat(p.calls).doesNotContain("upload", "register");
    assertThat(r.reused()).isTrue();
    assertThat(r.upload()).isNull();
  }

  @Test
  void aFailedRegionIsReportedAndDoesNotHideTheOthers() {
    FakePublisher p = new FakePublisher();
    p.failingRegion = "r2";
    PublishResult r =
        pipeline(p).publish(disk(), dir.resolve("x.img"), new PublishPipeline.Options(null, true));

    assertThat(r.failedRegions()).containsExactly("r2");
    assertThat(p.calls).contains("share:2", "retire:true");
  }

  @Test
  void fileFormatsAreConvertedToATemporaryFileThatIsRemovedAfterwards() {
    FakePublisher p = new FakePublisher();
    p.format = TargetFormat.VMDK_STREAM;
    pipeline(p).publish(disk(), dir.resolve("x.img"), new PublishPipeline.Options(null, false));

    assertThat(p.uploadedFile).isNotNull().doesNotExist();
    assertThat(p.uploadedFile.getFileName().toString()).endsWith(".vmdk-stream");
  }

  @Test
  void aFailedBootCheckStopsBeforeUploadAndIsJournaled() {
    FakePublisher p = new FakePublisher();
    BootCheck failing =
        (image, settings, controller, ev) -> {
          throw new UnideployException("image did not boot: kernel panic");
        };

    assertThatThrownBy(
            () ->
                pipeline(p)
                    .publish(
                        disk(), dir.resolve("x.img"), new PublishPipeline.Options(failing, false)))
        .hasMessageContaining("kernel panic");
    assertThat(p.calls).isEmpty();
    assertThat(journal.last("verify", "failed"))
        .map(JournalEntry::data)
        .hasValueSatisfying(d -> assertThat(d.get("error")).asString().contains("panic"));
  }
}
