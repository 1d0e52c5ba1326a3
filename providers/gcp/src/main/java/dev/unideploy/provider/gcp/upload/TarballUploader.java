package dev.unideploy.provider.gcp.upload;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.write.WriteOptions;
import dev.unideploy.image.write.WriteProgress;
import dev.unideploy.image.write.gce.GceTarballWriter;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.events.ProgressEvent;
import dev.unideploy.pipeline.state.Journal;
import dev.unideploy.provider.gcp.api.HttpStatusException;
import dev.unideploy.provider.gcp.config.GcpUploadSettings;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Streams a disk to Cloud Storage as the Compute Engine tarball: the tarball is made (in parallel
 * gzip) while it uploads, in a resumable session, with no copy on disk unless one is asked for. The
 * object's CRC32C must equal the CRC32C of what was sent.
 *
 * <p>Resumable across processes: the journal records the session (its URI in a private file) and
 * every acknowledged chunk; a re-run asks the service how much it holds, regenerates the tarball
 * and sends only the rest. An object of the same content that is already there is reused once its
 * size and CRC32C are those of the tarball (regenerated to check, without sending it).
 */
public final class TarballUploader {
  private static final String STEP = "upload";

  /** Metadata key of the content hash on the object. */
  public static final String SHA256_METADATA = "unideploy-sha256";

  private final ResumableUpload protocol;
  private final ObjectStore objects;
  private final Journal journal;
  private final Path workDir;
  private final Clock clock;
  private final EventSink events;
  private final int maxAttempts;

  public TarballUploader(
      com.google.api.client.http.HttpRequestFactory requests,
      URI storageRoot,
      ObjectStore objects,
      Journal journal,
      Path workDir,
      Clock clock,
      EventSink events,
      int maxAttempts) {
    this.protocol = new ResumableUpload(requests, storageRoot);
    this.objects = objects;
    this.journal = journal;
    this.workDir = workDir;
    this.clock = clock;
    this.events = events;
    this.maxAttempts = maxAttempts;
  }

  /** What to upload where: the object's place and labels, and how the tarball is written. */
  public record Target(
      String bucket, String object, String contentSha256, String app, GcpUploadSettings upload) {}

  public TarballUploadResult upload(DiskImage disk, Target target) {
    long start = System.nanoTime();
    GcpUploadSettings u = target.upload();
    try {
      Optional<TarballUploadResult> reused = reuse(disk, target, start);
      if (reused.isPresent()) {
        return reused.get();
      }
      String key = TarballKey.of(disk, target.contentSha256(), u.sparse(), u.compressionLevel());
      UploadJournal record = new UploadJournal(journal, clock, key);
      SessionFile sessionFile = new SessionFile(workDir, key);
      for (int round = 1; ; round++) {
        try {
          return attempt(disk, target, record, sessionFile, start);
        } catch (TarballChannel.NotReproducibleException | ResumableUpload.SessionGoneException e) {
          // The session cannot be continued; start a new one once, from the first byte.
          abandon(record, sessionFile, e.getMessage());
          if (round >= 2) {
            throw e;
          }
          events.emit(LogEvent.warn(STEP, e.getMessage() + "; starting a new upload session"));
        }
      }
    } catch (InterruptedIOException e) {
      Thread.currentThread().interrupt();
      throw new UnideployException(
          "the upload was interrupted; re-run the same command to resume it", e);
    } catch (IOException e) {
      throw new UnideployException(
          "uploading the tarball to gs://"
              + target.bucket()
              + "/"
              + target.object()
              + " failed: "
              + e.getMessage()
              + "; re-run the same command to resume the upload",
          e);
    }
  }

  /** The object, when one with this content is there already and holds exactly this tarball. */
  private Optional<TarballUploadResult> reuse(DiskImage disk, Target target, long start)
      throws IOException {
    String where = "gs://" + target.bucket() + "/" + target.object();
    Optional<ObjectStore.StoredObject> existing = objects.get(target.bucket(), target.object());
    if (existing.isEmpty()) {
      return Optional.empty();
    }
    ObjectStore.StoredObject o = existing.get();
    if (!target.contentSha256().equals(o.metadata().get(SHA256_METADATA))) {
      events.emit(LogEvent.warn(STEP, "replacing " + where + ", which holds other content"));
      return Optional.empty();
    }
    if (!holdsTarball(disk, target.upload(), o.size(), o.crc32c())) {
      events.emit(
          LogEvent.warn(
              STEP,
              where + " does not hold this tarball (CRC32C or size differ): uploading again"));
      objects.delete(target.bucket(), target.object());
      return Optional.empty();
    }
    events.emit(
        LogEvent.info(
            STEP, where + " already holds this tarball (same CRC32C): nothing to upload"));
    return Optional.of(
        new TarballUploadResult(
            target.bucket(), target.object(), o.size(), o.crc32c(), 0, 0, 0, true, elapsed(start)));
  }

  private TarballUploadResult attempt(
      DiskImage disk, Target target, UploadJournal record, SessionFile sessionFile, long start)
      throws IOException {
    GcpUploadSettings u = target.upload();
    UploadJournal.State state = record.read();
    Optional<URI> session = state.open() ? sessionFile.read() : Optional.empty();
    long resumeAt = 0;
    long verifyAt = 0;
    long verifyCrc = 0;
    int generation;
    if (session.isPresent()) {
      generation = state.generation();
      ResumableUpload.Status status = query(session.get());
      if (status.complete()) {
        // The service finished the object but this run never heard of it (killed in between):
        // keep it only when it is the whole tarball.
        long size = status.object().path("size").asLong(-1);
        String crc = status.object().path("crc32c").asText(null);
        if (!holdsTarball(disk, u, size, crc)) {
          objects.delete(target.bucket(), target.object());
          throw new ResumableUpload.SessionGoneException(
              "the object the session finished is not this tarball (CRC32C or size differ)");
        }
        return finished(target, record, sessionFile, generation, status, -1, 0, 0, 0, start);
      }
      resumeAt = status.persisted();
      if (state.checkpoint() > 0 && state.checkpoint() <= resumeAt) {
        verifyAt = state.checkpoint();
        verifyCrc = state.checkpointCrc();
      }
      events.emit(
          LogEvent.info(
              STEP,
              "resuming the upload of gs://"
                  + target.bucket()
                  + "/"
                  + target.object()
                  + " at "
                  + mib(resumeAt)
                  + " (Cloud Storage holds that much; the tarball is regenerated up to there)"));
    } else {
      if (state.open()) {
        record.abandoned(state.generation(), "the session file is missing");
      }
      generation = state.generation() + 1;
      Map<String, String> metadata = new LinkedHashMap<>();
      metadata.put(SHA256_METADATA, target.contentSha256());
      metadata.put("unideploy-app", target.app());
      URI uri = protocol.start(target.bucket(), target.object(), metadata);
      sessionFile.write(uri);
      record.started(generation, target.bucket(), target.object());
      session = Optional.of(uri);
    }
    int gen = generation;
    WriteOptions options = writeOptions(u);
    try (ChunkSender sender =
            new ChunkSender(
                protocol,
                session.get(),
                u.chunkBytes(),
                maxAttempts,
                resumeAt,
                ack -> record.acknowledged(gen, ack.offset(), ack.crc32c()));
        FileChannel copy = openCopy(u.saveTarball())) {
      TarballChannel channel =
          new TarballChannel(sender, u.chunkBytes(), resumeAt, verifyAt, verifyCrc, copy);
      long total = disk.virtualSize();
      new GceTarballWriter()
          .writeStream(
              disk,
              channel,
              options,
              (done, all) ->
                  events.emit(ProgressEvent.of(STEP, done, total, ProgressEvent.Unit.BYTES)));
      channel.finish();
      ResumableUpload.Status status = sender.awaitFinished();
      return finished(
          target,
          record,
          sessionFile,
          gen,
          status,
          channel.crc32c(),
          sender.bytesSent(),
          sender.bytesResent(),
          resumeAt,
          start);
    }
  }

  private TarballUploadResult finished(
      Target target,
      UploadJournal record,
      SessionFile sessionFile,
      int generation,
      ResumableUpload.Status status,
      long sentCrc,
      long bytesSent,
      long bytesResent,
      long resumedAt,
      long start)
      throws IOException {
    String objectCrc = status.object().path("crc32c").asText(null);
    long size = status.object().path("size").asLong(-1);
    String sha = status.object().path("metadata").path(SHA256_METADATA).asText(null);
    boolean crcOk = sentCrc < 0 || Crc32cText.base64(sentCrc).equals(objectCrc);
    if (!crcOk || !target.contentSha256().equals(sha)) {
      objects.delete(target.bucket(), target.object());
      record.abandoned(generation, "the object did not match what was sent");
      sessionFile.delete();
      throw new UnideployException(
          "gs://"
              + target.bucket()
              + "/"
              + target.object()
              + " does not match what was sent (CRC32C "
              + objectCrc
              + ", sent "
              + (sentCrc < 0 ? "?" : Crc32cText.base64(sentCrc))
              + "): the object was deleted; re-run to upload it again");
    }
    record.completed(generation, target.object(), size, objectCrc);
    sessionFile.delete();
    return new TarballUploadResult(
        target.bucket(),
        target.object(),
        size,
        objectCrc,
        bytesSent,
        bytesResent,
        resumedAt,
        false,
        elapsed(start));
  }

  /** Whether an object of {@code size} bytes and {@code crc32c} is this disk's tarball. */
  private boolean holdsTarball(DiskImage disk, GcpUploadSettings u, long size, String crc32c)
      throws IOException {
    events.emit(LogEvent.info(STEP, "checking the object against the tarball (CRC32C)"));
    Crc32cChannel check = new Crc32cChannel();
    new GceTarballWriter().writeStream(disk, check, writeOptions(u), WriteProgress.NONE);
    return check.size() == size && check.crc32c().equals(crc32c);
  }

  private static WriteOptions writeOptions(GcpUploadSettings u) {
    return WriteOptions.defaults()
        .withSparse(u.sparse())
        .withCompressionLevel(u.compressionLevel())
        .withThreads(u.gzipThreads());
  }

  private ResumableUpload.Status query(URI session) throws IOException {
    for (int attempt = 1; ; attempt++) {
      try {
        return protocol.query(session);
      } catch (ResumableUpload.SessionGoneException e) {
        throw e;
      } catch (IOException e) {
        boolean transientError = !(e instanceof HttpStatusException se) || se.isTransient();
        if (!transientError || attempt >= maxAttempts) {
          throw e;
        }
        try {
          Thread.sleep(Math.min(10_000, 250L << attempt));
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted while asking for the upload's state");
        }
      }
    }
  }

  private void abandon(UploadJournal record, SessionFile sessionFile, String reason) {
    UploadJournal.State state = record.read();
    try {
      Optional<URI> session = sessionFile.read();
      if (session.isPresent()) {
        protocol.cancel(session.get());
      }
      sessionFile.delete();
    } catch (IOException e) {
      events.emit(
          LogEvent.warn(STEP, "could not cancel the old upload session: " + e.getMessage()));
    }
    if (state.open()) {
      record.abandoned(state.generation(), reason);
    }
  }

  private static FileChannel openCopy(Path path) throws IOException {
    if (path == null) {
      return null;
    }
    if (path.getParent() != null) {
      Files.createDirectories(path.getParent());
    }
    return FileChannel.open(
        path,
        StandardOpenOption.CREATE,
        StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING);
  }

  private static Duration elapsed(long start) {
    return Duration.ofNanos(System.nanoTime() - start);
  }

  private static String mib(long bytes) {
    return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
  }
}
