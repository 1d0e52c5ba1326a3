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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Streams a disk to Cloud Storage as the Compute Engine tarball: the tarball is made (in parallel
 * gzip) while it uploads, with no copy on disk unless one is asked for, as part objects of {@code
 * upload.partMiB} (one resumable session each) that are then composed into the object. The object's
 * CRC32C must equal the CRC32C of what was sent.
 *
 * <p>Resumable on any runner: the journal records every finalized part (name, size, CRC32C, and the
 * stream's offset and CRC32C at its end). A re-run, also on another machine with an empty home
 * folder, checks that those parts are still there, regenerates the tarball, only hashes their
 * bytes, and sends the rest. The same runner also resumes inside the part in flight: that part's
 * session URI (a write capability) is kept in a private file, never in the journal. An object of
 * the same content that is already there is reused once its size and CRC32C are those of the
 * tarball (regenerated to check, without sending it).
 */
public final class TarballUploader {
  private static final String STEP = "upload";
  private static final String CONTENT_TYPE = "application/gzip";

  /** Metadata key of the content hash on the object. */
  public static final String SHA256_METADATA = "unideploy-sha256";

  private final ResumableUpload protocol;
  private final ObjectStore objects;
  private final Composer composer;
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
    this.composer = new Composer(objects, events);
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
      String key = TarballKey.of(disk, target.contentSha256(), u.sparse(), u.compressionLevel());
      UploadJournal record = new UploadJournal(journal, clock, key);
      Optional<TarballUploadResult> reused = reuse(disk, target, record, start);
      if (reused.isPresent()) {
        return reused.get();
      }
      for (int round = 1; ; round++) {
        try {
          return attempt(disk, target, record, key, start);
        } catch (TarballChannel.NotReproducibleException | ResumableUpload.SessionGoneException e) {
          // The parts (or the part's session) cannot be continued: start over once.
          boolean changed = e instanceof TarballChannel.NotReproducibleException;
          abandon(target.bucket(), record, key, changed, e.getMessage());
          if (round >= 2) {
            throw e;
          }
          events.emit(
              LogEvent.warn(
                  STEP,
                  e.getMessage()
                      + (changed
                          ? "; uploading again from the first part"
                          : "; sending it again")));
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
  private Optional<TarballUploadResult> reuse(
      DiskImage disk, Target target, UploadJournal record, long start) throws IOException {
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
    // A run that composed the object and died before deleting the parts left them behind.
    record
        .read()
        .leftovers()
        .forEach(
            (generation, parts) -> {
              if (composer.delete(target.bucket(), PartPlan.temporaries(parts))) {
                record.partsDeleted(generation);
              }
            });
    return Optional.of(
        new TarballUploadResult(
            target.bucket(), target.object(), o.size(), o.crc32c(), 0, 0, 0, true, elapsed(start)));
  }

  private TarballUploadResult attempt(
      DiskImage disk, Target target, UploadJournal record, String key, long start)
      throws IOException {
    GcpUploadSettings u = target.upload();
    UploadJournal.State state = record.read();
    if (state.open() && state.partBytes() == 0) {
      // Started by a version that sent the tarball in one session, whose file a run that knows
      // parts does not look for: the bytes that session holds cannot be composed.
      record.abandoned(state.generation(), "started without parts");
      SessionFile legacy = new SessionFile(workDir, key);
      try {
        Optional<URI> session = legacy.read();
        if (session.isPresent()) {
          protocol.cancel(session.get());
        }
      } catch (IOException e) {
        events.emit(LogEvent.warn(STEP, "could not cancel the old session: " + e.getMessage()));
      }
      legacy.delete();
      state = record.read();
    }
    int generation;
    PartPlan plan;
    ResumePoint resume;
    if (state.open()) {
      generation = state.generation();
      plan = PartPlan.of(state.partBytes(), target.object(), key, generation);
      resume =
          new ResumePoint.Finder(protocol, objects, events, maxAttempts)
              .find(
                  target.bucket(), target.object(), plan, (g, i) -> sessionFile(key, g, i), state);
    } else {
      generation = state.generation() + 1;
      long partBytes = PartPlan.partBytes(u.partBytes(), u.chunkBytes(), disk.virtualSize());
      plan = PartPlan.of(partBytes, target.object(), key, generation);
      record.started(generation, target.bucket(), target.object(), partBytes);
      resume = ResumePoint.NONE;
    }
    WriteOptions options = writeOptions(u);
    try (PartUploader parts =
            new PartUploader(
                protocol,
                record,
                plan,
                generation,
                target.bucket(),
                Map.of(),
                (g, i) -> sessionFile(key, g, i),
                events,
                maxAttempts,
                u.chunkBytes(),
                resume.done(),
                resume.session());
        FileChannel copy = openCopy(u.saveTarball())) {
      TarballChannel channel =
          new TarballChannel(
              parts,
              u.chunkBytes(),
              plan.partBytes(),
              resume.offset(),
              resume.verifyAt(),
              resume.verifyCrc(),
              copy);
      long total = disk.virtualSize();
      new GceTarballWriter()
          .writeStream(
              disk,
              channel,
              options,
              (done, all) ->
                  events.emit(ProgressEvent.of(STEP, done, total, ProgressEvent.Unit.BYTES)));
      channel.finish();
      List<PartPlan.Part> all = parts.finish();
      TarballUploadResult sent =
          new TarballUploadResult(
              target.bucket(),
              target.object(),
              channel.position(),
              Crc32cText.base64(channel.crc32c()),
              parts.bytesSent(),
              parts.bytesResent(),
              resume.offset(),
              false,
              Duration.ZERO);
      return composed(target, record, plan, generation, all, sent, start);
    }
  }

  /** Composes the parts into the object, checks it against the stream, deletes the parts. */
  private TarballUploadResult composed(
      Target target,
      UploadJournal record,
      PartPlan plan,
      int generation,
      List<PartPlan.Part> parts,
      TarballUploadResult sent,
      long start) {
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put(SHA256_METADATA, target.contentSha256());
    metadata.put("unideploy-app", target.app());
    List<String> names = parts.stream().map(PartPlan.Part::object).toList();
    Composer.Composed c =
        composer.compose(target.bucket(), target.object(), plan, names, CONTENT_TYPE, metadata);
    List<String> temporaries = new ArrayList<>(names);
    temporaries.addAll(c.intermediates());
    ObjectStore.StoredObject o = c.object();
    if (o.size() != sent.size()
        || !sent.crc32c().equals(o.crc32c())
        || !target.contentSha256().equals(o.metadata().get(SHA256_METADATA))) {
      objects.delete(target.bucket(), target.object());
      record.abandoned(generation, "the composed object did not match what was sent");
      if (composer.delete(target.bucket(), temporaries)) {
        record.partsDeleted(generation);
      }
      throw new UnideployException(
          "gs://"
              + target.bucket()
              + "/"
              + target.object()
              + " does not match what was sent (CRC32C "
              + o.crc32c()
              + ", sent "
              + sent.crc32c()
              + "; "
              + o.size()
              + " bytes, sent "
              + sent.size()
              + "): the object and its parts were deleted; re-run to upload it again");
    }
    record.completed(generation, target.object(), o.size(), o.crc32c());
    if (composer.delete(target.bucket(), temporaries)) {
      record.partsDeleted(generation);
    }
    return new TarballUploadResult(
        target.bucket(),
        target.object(),
        o.size(),
        o.crc32c(),
        sent.bytesSent(),
        sent.bytesResent(),
        sent.resumedAt(),
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

  /**
   * Gives up the part session in flight (cancelled, its file deleted) and, when the tarball
   * changed, the whole generation: its part objects are deleted and the next attempt starts anew.
   */
  private void abandon(
      String bucket, UploadJournal record, String key, boolean generation, String reason) {
    UploadJournal.State state = record.read();
    if (!state.open()) {
      return;
    }
    SessionFile file = sessionFile(key, state.generation(), state.parts().size());
    try {
      Optional<URI> session = file.read();
      if (session.isPresent()) {
        protocol.cancel(session.get());
      }
      file.delete();
    } catch (IOException e) {
      events.emit(
          LogEvent.warn(STEP, "could not cancel the old upload session: " + e.getMessage()));
    }
    if (generation) {
      record.abandoned(state.generation(), reason);
      List<String> parts = state.leftovers().getOrDefault(state.generation(), List.of());
      if (composer.delete(bucket, PartPlan.temporaries(parts))) {
        record.partsDeleted(state.generation());
      }
    }
  }

  /** The private file of one part's session (a write capability). */
  private SessionFile sessionFile(String key, int generation, int index) {
    return new SessionFile(workDir, key + "-g" + generation + "-part-" + index);
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
}
