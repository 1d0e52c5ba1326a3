package dev.unideploy.it.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.specialized.PageBlobClient;
import dev.unideploy.image.DiskImage;
import dev.unideploy.image.ReadOptions;
import dev.unideploy.image.formats.ImageReaders;
import dev.unideploy.it.EmulatorEnv;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.state.FileJournal;
import dev.unideploy.provider.azure.upload.JournalProgress;
import dev.unideploy.provider.azure.upload.PageWriter;
import dev.unideploy.provider.azure.upload.SdkPageWriter;
import dev.unideploy.provider.azure.upload.VhdUploader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fixed-VHD page upload on Azurite (a real page blob service), through both page writers (plain
 * HTTP to a SAS URL as the managed-disk route sends it; the storage SDK's client as the page-blob
 * route does): zero windows are never sent (counted), no Put Page exceeds Azure's 4 MiB (Azurite
 * would accept more, so the counting writer asserts it), the blob is byte for byte what qemu-img
 * writes as a fixed VHD (except the footer's creator, time stamp, unique id and checksum), and an
 * upload interrupted at a random page resumes from the journal without sending an acknowledged
 * window again.
 */
class AzurePageUploadTest {
  private static final int MIB = 1 << 20;
  private static final int WINDOW = 4 * MIB;
  private static EmulatorEnv env;

  @TempDir Path dir;

  @BeforeAll
  static void emulators() {
    env = EmulatorEnv.get();
  }

  /**
   * A 61 MiB + 3 KiB raw disk over 16 windows: random data in windows 0, 3 (a few pages in its
   * middle), 7 and the last, one window of allocated zeroes (5), holes elsewhere.
   */
  private Path image(long seed) throws IOException {
    Path file = dir.resolve("disk-" + seed + ".raw");
    Random r = new Random(seed);
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      write(ch, 0, randomBytes(r, 3 * MIB + 512));
      write(ch, 3L * WINDOW + 1536 * 1024, randomBytes(r, 8 * 512));
      write(ch, 5L * WINDOW, new byte[WINDOW]);
      write(ch, 7L * WINDOW + 4096, randomBytes(r, WINDOW - 4096));
      write(ch, 60L * MIB, randomBytes(r, MIB + 3072));
    }
    return file;
  }

  /** Opened as publish opens images: file holes used, no content scan (the upload checks). */
  private static DiskImage open(Path raw) throws IOException {
    return ImageReaders.open(
        raw, null, new ReadOptions(false, ReadOptions.DEFAULT_ZERO_GRANULARITY, false, true));
  }

  private static byte[] randomBytes(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }

  private static void write(FileChannel ch, long at, byte[] b) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(b);
    while (buf.hasRemaining()) {
      at += ch.write(buf, at);
    }
  }

  private PageBlobClient blob(long size) {
    String cs = env.azuriteConnectionString();
    var container =
        new BlobServiceClientBuilder()
            .connectionString(cs)
            .buildClient()
            .getBlobContainerClient("up-" + UUID.randomUUID().toString().substring(0, 8));
    container.create();
    PageBlobClient blob = container.getBlobClient("disk.vhd").getPageBlobClient();
    blob.create(size);
    return blob;
  }

  /** Counts Put Page calls, asserts Azure's limits on each, and can fail at a chosen call. */
  static final class CountingWriter implements PageWriter {
    final PageWriter inner;
    final AtomicInteger calls = new AtomicInteger();
    final Set<Long> offsets = new ConcurrentSkipListSet<>();
    final int failAt;

    CountingWriter(PageWriter inner, int failAt) {
      this.inner = inner;
      this.failAt = failAt;
    }

    @Override
    public void putPages(long offset, byte[] buf, int length) {
      int n = calls.incrementAndGet();
      assertThat(length).as("Put Page body").isLessThanOrEqualTo(WINDOW).isPositive();
      assertThat(offset % 512).isZero();
      assertThat(length % 512).isZero();
      if (n == failAt) {
        throw new IllegalStateException("connection reset (injected at call " + n + ")");
      }
      inner.putPages(offset, buf, length);
      offsets.add(offset);
    }

    @Override
    public List<long[]> pageRanges() {
      return inner.pageRanges();
    }
  }

  @Test
  void sendsOnlyNonZeroWindowsAndMatchesQemuImgByteForByte() throws Exception {
    Path raw = image(1);
    String sha = "0123456789abcdef".repeat(4);
    try (DiskImage disk = open(raw)) {
      long size = VhdUploader.blobSize(disk);
      assertThat(size)
          .isEqualTo(62L * MIB + 512); // 61 MiB + 3 KiB rounded up to whole MiB, + footer
      PageBlobClient blob = blob(size);
      CountingWriter writer =
          new CountingWriter(new SdkPageWriter(blob, Duration.ofSeconds(30)), -1);
      FileJournal journal = FileJournal.open(dir.resolve("journal.jsonl"));
      JournalProgress progress =
          JournalProgress.start(journal, Clock.systemUTC(), "k", "blob", 0, size);
      VhdUploader.Result result =
          new VhdUploader(EventSink.discard(), 4)
              .upload(disk, VhdUploader.footer(disk, sha, 1_700_000_000L), writer, progress);
      // Windows 0, 3, 7, 15 hold data (5 is allocated zeroes): 4 calls, plus the footer.
      assertThat(writer.calls.get()).isEqualTo(5);
      assertThat(result.putPageCalls()).isEqualTo(5);
      assertThat(result.zeroWindows()).isEqualTo(1);
      // Window 3 was trimmed to its non-zero pages.
      assertThat(writer.offsets).contains(3L * WINDOW + 1536 * 1024);

      Path ours = dir.resolve("ours.vhd");
      blob.downloadToFile(ours.toString());
      Path theirs = dir.resolve("qemu.vhd");
      Process p =
          new ProcessBuilder(
                  env.qemuImg().toString(),
                  "convert",
                  "-f",
                  "raw",
                  "-O",
                  "vpc",
                  "-o",
                  "subformat=fixed,force_size",
                  raw.toString(),
                  theirs.toString())
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes());
      assertThat(p.waitFor()).as(out).isZero();
      byte[] a = Files.readAllBytes(ours);
      byte[] b = Files.readAllBytes(theirs);
      // qemu-img keeps the raw size (61 MiB + 3 KiB); Azure needs whole MiB, so ours is
      // zero-padded.
      int data = (int) Files.size(raw);
      assertThat(Arrays.equals(a, 0, data, b, 0, data)).as("disk bytes").isTrue();
      assertThat(
              Arrays.equals(
                  a,
                  data,
                  a.length - 512,
                  new byte[a.length - 512 - data],
                  0,
                  a.length - 512 - data))
          .as("padding is zero")
          .isTrue();
      byte[] fa = Arrays.copyOfRange(a, a.length - 512, a.length);
      byte[] fb = Arrays.copyOfRange(b, b.length - 512, b.length);
      assertThat(Arrays.copyOfRange(fa, 0, 24))
          .as("cookie, features, version, data offset")
          .isEqualTo(Arrays.copyOfRange(fb, 0, 24));
      assertThat(Arrays.copyOfRange(fa, 60, 64))
          .as("disk type fixed")
          .isEqualTo(Arrays.copyOfRange(fb, 60, 64));
      assertThat(ByteBuffer.wrap(fa, 48, 8).getLong()).isEqualTo(62L * MIB);
      assertThat(HexFormat.of().formatHex(fa, 68, 84)).isEqualTo(sha.substring(0, 32));
      Process c =
          new ProcessBuilder(
                  env.qemuImg().toString(),
                  "compare",
                  "-f",
                  "raw",
                  "-F",
                  "vpc",
                  raw.toString(),
                  ours.toString())
              .redirectErrorStream(true)
              .start();
      String cmp = new String(c.getInputStream().readAllBytes());
      assertThat(c.waitFor()).as(cmp).isZero();
      assertThat(cmp).contains("Images are identical");
    }
  }

  @Test
  void resumesAfterAFailureAtARandomPageWithoutResendingAcknowledgedWindows() throws Exception {
    Path raw = image(2);
    String sha = "fedcba9876543210".repeat(4);
    Path journalFile = dir.resolve("journal.jsonl");
    int failAt = 2 + new Random().nextInt(3); // one of the data calls, after at least one succeeded
    try (DiskImage disk = open(raw)) {
      long size = VhdUploader.blobSize(disk);
      PageBlobClient blob = blob(size);
      byte[] footer = VhdUploader.footer(disk, sha, 1_700_000_000L);
      CountingWriter first =
          new CountingWriter(new SdkPageWriter(blob, Duration.ofSeconds(30)), failAt);
      JournalProgress start =
          JournalProgress.start(
              FileJournal.open(journalFile), Clock.systemUTC(), "k", "blob", 0, size);
      // One sender, so the windows before the failing call are exactly those acknowledged.
      assertThatThrownBy(
              () -> new VhdUploader(EventSink.discard(), 1).upload(disk, footer, first, start))
          .isInstanceOf(UnideployException.class)
          .hasMessageContaining("re-run to resume");

      // A new process would read the journal from disk: so does this.
      FileJournal reread = FileJournal.open(journalFile);
      JournalProgress resumed = JournalProgress.resume(reread, Clock.systemUTC(), "k", "blob");
      int acked = resumed.acknowledged().cardinality();
      assertThat(acked)
          .as("windows acknowledged before the failure")
          .isGreaterThanOrEqualTo(failAt - 1);
      CountingWriter second =
          new CountingWriter(new SdkPageWriter(blob, Duration.ofSeconds(30)), -1);
      VhdUploader.Result result =
          new VhdUploader(EventSink.discard(), 4).upload(disk, footer, second, resumed);
      assertThat(result.resumed()).isTrue();
      TreeSet<Long> both = new TreeSet<>(first.offsets);
      both.retainAll(second.offsets);
      assertThat(both).as("pages sent by both runs").isEmpty();
      // 5 data windows (one all zero) + footer across both runs, none twice.
      assertThat(first.offsets.size() + second.offsets.size()).isEqualTo(5);

      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      blob.downloadStream(bytes);
      byte[] got = bytes.toByteArray();
      byte[] want = Files.readAllBytes(raw);
      assertThat(Arrays.equals(got, 0, want.length, want, 0, want.length)).isTrue();
    }
  }
}
