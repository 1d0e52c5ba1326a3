package dev.unideploy.it.gcp.publish;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.unideploy.image.ContentHash;
import dev.unideploy.image.DiskImage;
import dev.unideploy.image.formats.ImageReaders;
import dev.unideploy.it.gcp.FakeGcs;
import dev.unideploy.pipeline.state.FileJournal;
import dev.unideploy.pipeline.state.JournalEntry;
import dev.unideploy.provider.gcp.upload.TarballUploadResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streamed upload to fake-gcs-server: the GCE tarball is made while it uploads (no copy on
 * disk), its CRC32C is the object's, GNU tar extracts it to the disk's bytes, an object of the same
 * content is reused, a process killed with a chunk in flight is resumed by the next run on the same
 * machine, which sends at most that one chunk again, and by a run elsewhere (no session file) after
 * the journaled parts still in the bucket; more than 32 parts are composed through intermediates; a
 * session left by the uploader that sent the tarball in one piece is cancelled and started over.
 */
class GcsStreamUploadTest {
  private static final int MIB = 1 << 20;

  @TempDir Path dir;
  private FakeGcs gcs;
  private String bucket;

  @BeforeEach
  void bucket() {
    gcs = FakeGcs.fromEnv();
    bucket = gcs.newBucket("stream");
  }

  @Test
  void theTarballIsStreamedWithItsCrc32cAndExtractsToTheDisk() throws Exception {
    Path image = GcpPublish.disk(dir, 7, 24);
    Path work = dir.resolve("work");
    Path journalFile = dir.resolve("journal.jsonl");
    TarballUploadResult r =
        GcsUploads.upload(gcs.root(), bucket, FileJournal.open(journalFile), work, image, 1);

    JsonNode meta = gcs.metadata(bucket, r.object()).orElseThrow();
    assertThat(meta.path("crc32c").asText()).isEqualTo(r.crc32c());
    assertThat(meta.path("size").asLong()).isEqualTo(r.size()).isEqualTo(r.bytesSent());
    assertThat(meta.path("metadata").path("unideploy-sha256").asText()).isEqualTo(sha(image));
    Path tarball = gcs.download(bucket, r.object(), dir.resolve("object.tar.gz"));
    assertThat(crc32c(tarball)).isEqualTo(r.crc32c());
    assertExtractsTo(tarball, image);

    try (Stream<Path> files = Files.walk(work)) {
      assertThat(files.filter(Files::isRegularFile).toList())
          .as("no copy of the tarball and no session left in the work folder")
          .isEmpty();
    }
    String journal = Files.readString(journalFile);
    assertThat(journal)
        .contains("gcs-upload-completed")
        .doesNotContain("upload_id")
        .doesNotContain("http");
  }

  @Test
  void moreThan32PartsAreComposedThroughIntermediatesAndAllTemporariesDeleted() throws Exception {
    // 36 MiB of random data: gzip stores it, so the tarball is 37 parts of 1 MiB, more than one
    // compose call takes (fake-gcs-server refuses 33 sources, as Cloud Storage does).
    Path image = randomDisk(36);
    Path journalFile = dir.resolve("journal.jsonl");
    TarballUploadResult r =
        GcsUploads.upload(
            gcs.root(), bucket, FileJournal.open(journalFile), dir.resolve("w"), image, 1, 1);

    List<JournalEntry> entries = FileJournal.open(journalFile).entries("upload");
    List<JournalEntry> parts =
        entries.stream().filter(e -> e.kind().equals("gcs-part-completed")).toList();
    assertThat(parts).hasSize(37);
    assertThat(((Number) parts.get(36).data().get("offset")).longValue()).isEqualTo(r.size());
    assertThat(entries.stream().map(JournalEntry::kind))
        .contains("gcs-upload-completed", "gcs-parts-deleted");
    JsonNode meta = gcs.metadata(bucket, r.object()).orElseThrow();
    assertThat(meta.path("crc32c").asText()).isEqualTo(r.crc32c());
    assertThat(meta.path("contentType").asText()).isEqualTo("application/gzip");
    assertThat(meta.path("metadata").path("unideploy-app").asText()).isEqualTo("upload-it");
    String prefix = r.object() + ".unideploy-parts/";
    for (int i = 0; i < 37; i++) {
      String part = (String) parts.get(i).data().get("part");
      assertThat(part).startsWith(prefix);
      assertThat(gcs.metadata(bucket, part)).as("part %d deleted", i).isEmpty();
    }
    String folder = ((String) parts.get(0).data().get("part")).replaceAll("part-0000$", "");
    assertThat(gcs.metadata(bucket, folder + "compose-0-0000")).isEmpty();
    assertThat(gcs.metadata(bucket, folder + "compose-0-0001")).isEmpty();
    Path tarball = gcs.download(bucket, r.object(), dir.resolve("object.tar.gz"));
    assertThat(crc32c(tarball)).isEqualTo(r.crc32c());
    assertExtractsTo(tarball, image);
  }

  @Test
  void anObjectOfTheSameContentIsReused() throws Exception {
    Path image = GcpPublish.disk(dir, 8, 8);
    TarballUploadResult first =
        GcsUploads.upload(gcs.root(), bucket, FileJournal.open(dir.resolve("j")), dir, image, 1);
    TarballUploadResult second =
        GcsUploads.upload(gcs.root(), bucket, FileJournal.open(dir.resolve("j")), dir, image, 1);
    assertThat(second.reused()).isTrue();
    assertThat(second.bytesSent()).isZero();
    assertThat(second.crc32c()).isEqualTo(first.crc32c());
  }

  @Test
  void aProcessKilledMidChunkIsResumedSendingAtMostThatChunkAgain() throws Exception {
    Path image = GcpPublish.disk(dir, 9, 64);
    Path journalFile = dir.resolve("journal.jsonl");
    Path work = dir.resolve("work");
    try (CountingGcsProxy proxy = new CountingGcsProxy(gcs.root())) {
      // Somewhere inside the 3rd to 10th chunk (the tarball is about 16 chunks).
      Random random = new Random();
      int chunk = 2 + random.nextInt(8);
      long at = (long) chunk * MIB + 1 + random.nextInt(MIB - 2);
      proxy.holdAt(at);
      Process child = child(proxy, journalFile, work, image);
      assertThat(proxy.awaitHeld(Duration.ofSeconds(120)))
          .as("the chunk at byte %d was reached: %s", at, childLog())
          .isTrue();
      child.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL: no finally, no flush
      proxy.release();
      long firstRun = proxy.uploadBytes();
      assertThat(firstRun).isGreaterThanOrEqualTo(at);
      List<String> kinds =
          FileJournal.open(journalFile).entries("upload").stream().map(JournalEntry::kind).toList();
      assertThat(kinds).contains("gcs-session-started", "gcs-bytes-acknowledged");
      assertThat(kinds).doesNotContain("gcs-upload-completed");
      Path sessionDir = work.resolve("gcs-sessions");
      try (Stream<Path> s = Files.list(sessionDir)) {
        Path session = s.findFirst().orElseThrow();
        assertThat(Files.getPosixFilePermissions(session))
            .as("the session URI is a credential")
            .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
      }

      TarballUploadResult r =
          GcsUploads.upload(
              proxy.endpoint(), bucket, FileJournal.open(journalFile), work, image, 1);

      assertThat(r.resumedAt())
          .as("resumed where the service's bytes end")
          .isEqualTo((long) chunk * MIB);
      assertThat(r.bytesSent()).isEqualTo(r.size() - r.resumedAt());
      long sentTwice = proxy.uploadBytes() - r.size();
      assertThat(sentTwice)
          .as("bytes sent twice: the part of the chunk in flight when the first run died")
          .isEqualTo(firstRun - (long) chunk * MIB)
          .isGreaterThanOrEqualTo(at - (long) chunk * MIB)
          .isLessThan(MIB);
      Path tarball = gcs.download(bucket, r.object(), dir.resolve("object.tar.gz"));
      assertThat(crc32c(tarball)).isEqualTo(r.crc32c());
      assertExtractsTo(tarball, image);
    }
  }

  @Test
  void anotherRunnerResumesAfterTheJournaledPartsStillInTheBucket() throws Exception {
    Path image = randomDisk(12);
    Path journalFile = dir.resolve("journal.jsonl");
    try (CountingGcsProxy proxy = new CountingGcsProxy(gcs.root())) {
      // Parts of one 1 MiB chunk: held inside part 6, after parts 0-5 were finalized.
      proxy.holdAt(6L * MIB + MIB / 2);
      Process child = child(proxy, journalFile, dir.resolve("runner-a"), image, 1);
      assertThat(proxy.awaitHeld(Duration.ofSeconds(120))).as(childLog()).isTrue();
      child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      proxy.release();
      long firstRun = proxy.uploadBytes();
      List<JournalEntry> journaled =
          FileJournal.open(journalFile).entries("upload").stream()
              .filter(e -> e.kind().equals("gcs-part-completed"))
              .toList();
      assertThat(journaled).hasSize(6);
      assertThat(Files.readString(journalFile)).doesNotContain("upload_id").doesNotContain("http");
      // A lifecycle rule (or a person) removed part 5: it is sent again, with what follows.
      String part5 = (String) journaled.get(5).data().get("part");
      assertThat(gcs.metadata(bucket, part5)).isPresent();
      HttpClient.newHttpClient()
          .send(
              HttpRequest.newBuilder(
                      gcs.root()
                          .resolve(
                              "/storage/v1/b/"
                                  + bucket
                                  + "/o/"
                                  + URLEncoder.encode(part5, StandardCharsets.UTF_8)))
                  .DELETE()
                  .build(),
              HttpResponse.BodyHandlers.discarding());

      // Another machine: the same journal, an empty work folder (no session file).
      TarballUploadResult r =
          GcsUploads.upload(
              proxy.endpoint(),
              bucket,
              FileJournal.open(journalFile),
              dir.resolve("runner-b"),
              image,
              1,
              1);

      assertThat(r.resumedAt()).as("after parts 0-4").isEqualTo(5L * MIB);
      assertThat(r.bytesSent()).isEqualTo(r.size() - 5L * MIB);
      assertThat(proxy.uploadBytes() - firstRun)
          .as("bytes the second runner sent: none of parts 0-4")
          .isEqualTo(r.size() - 5L * MIB);
      for (JournalEntry e : journaled) {
        assertThat(gcs.metadata(bucket, (String) e.data().get("part"))).isEmpty();
      }
      Path tarball = gcs.download(bucket, r.object(), dir.resolve("o.tar.gz"));
      assertThat(crc32c(tarball)).isEqualTo(r.crc32c());
      assertExtractsTo(tarball, image);
    }
  }

  @Test
  void aStreamThatNoLongerMatchesTheSessionStartsANewOne() throws Exception {
    Path image = GcpPublish.disk(dir, 10, 48);
    Path journalFile = dir.resolve("journal.jsonl");
    Path work = dir.resolve("work");
    try (CountingGcsProxy proxy = new CountingGcsProxy(gcs.root())) {
      proxy.holdAt(5L * MIB + 100);
      Process child = child(proxy, journalFile, work, image);
      assertThat(proxy.awaitHeld(Duration.ofSeconds(120))).as(childLog()).isTrue();
      child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      proxy.release();
      // What a changed tarball writer (or a changed file) looks like to the resume: the CRC32C
      // recorded for the acknowledged bytes no longer matches what is regenerated.
      String journal = Files.readString(journalFile);
      String tampered = journal.replaceAll("\"crc32c\":\"[0-9a-f]+\"", "\"crc32c\":\"1234abcd\"");
      assertThat(tampered).isNotEqualTo(journal);
      Files.writeString(journalFile, tampered);

      TarballUploadResult r =
          GcsUploads.upload(
              proxy.endpoint(), bucket, FileJournal.open(journalFile), work, image, 1);
      assertThat(r.resumedAt()).as("a new session, from the first byte").isZero();
      assertThat(r.bytesSent()).isEqualTo(r.size());
      assertThat(FileJournal.open(journalFile).entries("upload").stream().map(JournalEntry::kind))
          .contains("gcs-session-abandoned");
      assertExtractsTo(gcs.download(bucket, r.object(), dir.resolve("o.tar.gz")), image);
    }
  }

  /**
   * A journal and session file left by the version that sent the whole tarball in one resumable
   * session (its "started" entry names no part size): the bytes that session holds cannot be
   * composed, so the session is cancelled, its file deleted, the upload journaled as abandoned and
   * sent again in parts from the first byte.
   */
  @Test
  void aSessionOfTheOneSessionUploaderIsCancelledAndTheUploadStartsAgainInParts() throws Exception {
    Path image = GcpPublish.disk(dir, 3, 64);
    // The tarball's key and object name, from an upload of the same disk elsewhere.
    Path elsewhere = dir.resolve("elsewhere.jsonl");
    TarballUploadResult first =
        GcsUploads.upload(
            gcs.root(),
            gcs.newBucket("elsewhere"),
            FileJournal.open(elsewhere),
            dir.resolve("w0"),
            image,
            1);
    String key =
        (String)
            FileJournal.open(elsewhere)
                .last("upload", "gcs-session-started")
                .orElseThrow()
                .data()
                .get("key");
    // What the one-session uploader left: its "started" entry and its session's private file. The
    // session is a local server's, which records what is asked of it: fake-gcs-server answers a
    // status query on a cancelled session with 200 or 404 depending on the object's name.
    List<String> askedOfOldSession = new CopyOnWriteArrayList<>();
    HttpServer oldSession = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    oldSession.createContext(
        "/",
        exchange -> {
          askedOfOldSession.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
          exchange.sendResponseHeaders(499, -1); // Cloud Storage's answer to a cancel
          exchange.close();
        });
    oldSession.start();
    URI legacySession =
        URI.create(
            "http://127.0.0.1:"
                + oldSession.getAddress().getPort()
                + "/upload/storage/v1/b/"
                + bucket
                + "/o?uploadType=resumable&upload_id=one-session");
    Path work = dir.resolve("work");
    Path sessionFile = work.resolve("gcs-sessions").resolve(key + ".session");
    Files.createDirectories(sessionFile.getParent());
    Files.writeString(sessionFile, legacySession.toString());
    Path journalFile = dir.resolve("journal.jsonl");
    FileJournal.open(journalFile)
        .append(
            new JournalEntry(
                Instant.now(),
                "upload",
                "gcs-session-started",
                Map.of("key", key, "generation", 1, "bucket", bucket, "object", first.object())));

    TarballUploadResult r;
    try {
      r = GcsUploads.upload(gcs.root(), bucket, FileJournal.open(journalFile), work, image, 1);
    } finally {
      oldSession.stop(0);
    }

    assertThat(r.resumedAt()).isZero();
    assertThat(r.bytesSent()).isEqualTo(r.size());
    assertThat(FileJournal.open(journalFile).entries("upload"))
        .extracting(e -> e.kind() + " " + e.data().get("generation"))
        .startsWith("gcs-session-started 1", "gcs-session-abandoned 1", "gcs-session-started 2")
        .contains("gcs-upload-completed 2");
    assertThat(FileJournal.open(journalFile).last("upload", "gcs-session-started"))
        .hasValueSatisfying(e -> assertThat(e.data()).containsKey("partBytes"));
    assertThat(sessionFile).doesNotExist();
    assertThat(askedOfOldSession)
        .as("the old session is cancelled, and nothing else is asked of it")
        .containsExactly(
            "DELETE /upload/storage/v1/b/"
                + bucket
                + "/o?uploadType=resumable&upload_id=one-session");
    assertThat(r.crc32c()).isEqualTo(first.crc32c());
    assertExtractsTo(gcs.download(bucket, r.object(), dir.resolve("o.tar.gz")), image);
  }

  private Process child(CountingGcsProxy proxy, Path journal, Path work, Path image)
      throws IOException {
    return child(proxy, journal, work, image, 64);
  }

  private Process child(CountingGcsProxy proxy, Path journal, Path work, Path image, int partMiB)
      throws IOException {
    return new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            GcsUploads.class.getName(),
            proxy.endpoint().toString(),
            bucket,
            journal.toString(),
            work.toString(),
            image.toString(),
            "1",
            Integer.toString(partMiB))
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("child.log").toFile())
        .start();
  }

  /** {@code mib} MiB of random data (seeded by the size): each MiB is a MiB of the tarball. */
  private Path randomDisk(int mib) throws IOException {
    byte[] data = new byte[mib * MIB];
    new Random(mib).nextBytes(data);
    return Files.write(dir.resolve("random-" + mib + ".img"), data);
  }

  private String childLog() throws IOException {
    Path log = dir.resolve("child.log");
    return Files.exists(log) ? Files.readString(log) : "";
  }

  /** GNU tar extracts disk.raw: the disk's bytes, then zeroes to a whole GiB. */
  private void assertExtractsTo(Path tarball, Path image) throws Exception {
    Path out = Files.createDirectories(dir.resolve("x-" + System.nanoTime()));
    Process tar =
        new ProcessBuilder("tar", "-xzf", tarball.toString(), "-C", out.toString())
            .redirectErrorStream(true)
            .start();
    String said = new String(tar.getInputStream().readAllBytes());
    assertThat(tar.waitFor()).as("tar -xzf: %s", said).isZero();
    try (Stream<Path> s = Files.list(out)) {
      assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("disk.raw");
    }
    Path padded = dir.resolve("padded-" + System.nanoTime() + ".raw");
    Files.copy(image, padded);
    try (RandomAccessFile f = new RandomAccessFile(padded.toFile(), "rw")) {
      f.setLength(1L << 30);
    }
    assertThat(Files.mismatch(padded, out.resolve("disk.raw"))).isEqualTo(-1L);
  }

  private static String sha(Path image) throws IOException {
    try (DiskImage disk = ImageReaders.open(image)) {
      return ContentHash.sha256(disk);
    }
  }

  private static String crc32c(Path file) throws IOException {
    CRC32C crc = new CRC32C();
    byte[] buf = new byte[1 << 20];
    try (InputStream in = Files.newInputStream(file)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        crc.update(buf, 0, n);
      }
    }
    long v = crc.getValue();
    byte[] b = {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    return Base64.getEncoder().encodeToString(b);
  }
}
