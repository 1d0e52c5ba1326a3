package dev.unideploy.provider.gcp.upload;

import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Uploads the tarball's chunks as part objects, one resumable session per part, one part after the
 * other: opens the part's session when its first chunk comes, checks the finalized part's size and
 * CRC32C, and journals it, which is what lets another runner resume after it. The session of the
 * part in flight is kept in a private {@link SessionFile} so that the same runner resumes it
 * mid-part.
 */
final class PartUploader implements TarballChannel.Sink, AutoCloseable {
  private static final String STEP = UploadJournal.STEP;

  /** A part session this run continues (same runner), and how much of the part it holds. */
  record Resumed(int index, URI session, long persisted) {}

  private final ResumableUpload protocol;
  private final UploadJournal record;
  private final PartPlan plan;
  private final int generation;
  private final String bucket;
  private final Map<String, String> metadata;
  private final SessionFiles sessions;
  private final EventSink events;
  private final int maxAttempts;
  private final Resumed resumed;
  private final List<PartPlan.Part> parts;
  private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(2);
  private ChunkSender sender;
  private int index = -1;
  private long sentBefore;
  private long resentBefore;
  private TarballChannel.Chunk last;

  /** Where part sessions are kept: one private file per generation and part. */
  interface SessionFiles {
    SessionFile of(int generation, int index);
  }

  PartUploader(
      ResumableUpload protocol,
      UploadJournal record,
      PartPlan plan,
      int generation,
      String bucket,
      Map<String, String> metadata,
      SessionFiles sessions,
      EventSink events,
      int maxAttempts,
      int chunkBytes,
      List<PartPlan.Part> done,
      Resumed resumed) {
    this.protocol = protocol;
    this.record = record;
    this.plan = plan;
    this.generation = generation;
    this.bucket = bucket;
    this.metadata = metadata;
    this.sessions = sessions;
    this.events = events;
    this.maxAttempts = maxAttempts;
    this.resumed = resumed;
    this.parts = new ArrayList<>(done);
    free.add(new byte[chunkBytes]);
    free.add(new byte[chunkBytes]);
  }

  @Override
  public byte[] buffer(long offset) throws IOException {
    open(plan.index(offset), offset);
    return sender.buffer();
  }

  @Override
  public void submit(TarballChannel.Chunk c) throws IOException {
    int at = plan.index(c.offset());
    if (c.len() == 0 && at < parts.size()) {
      return; // the stream ended in a part journaled before: nothing is left to finish
    }
    open(at, c.offset());
    long start = plan.start(at);
    long end = c.offset() + c.len() - start;
    sender.submit(
        new ChunkSender.Chunk(
            c.offset() - start,
            c.data(),
            c.len(),
            c.partEnd(),
            c.partEnd() ? end : -1,
            c.streamCrc(),
            c.partCrc()));
    if (c.partEnd()) {
      last = c;
    }
  }

  /** Waits for the last part; every part of the stream, in order. */
  List<PartPlan.Part> finish() throws IOException {
    finishPart();
    return List.copyOf(parts);
  }

  long bytesSent() {
    return sentBefore + (sender == null ? 0 : sender.bytesSent());
  }

  long bytesResent() {
    return resentBefore + (sender == null ? 0 : sender.bytesResent());
  }

  /** Makes part {@code at} the one in flight, finishing the one before. */
  private void open(int at, long offset) throws IOException {
    if (at == index) {
      return;
    }
    finishPart();
    if (at >= PartPlan.MAX_PARTS) {
      throw new IOException(
          "the tarball needs more than "
              + PartPlan.MAX_PARTS
              + " parts of "
              + (plan.partBytes() >> 20)
              + " MiB (Cloud Storage composes at most that many); raise upload.partMiB");
    }
    if (at != parts.size()) {
      throw new IllegalStateException("part " + at + " after " + parts.size() + " parts");
    }
    long persisted = offset - plan.start(at);
    SessionFile file = sessions.of(generation, at);
    URI session;
    if (resumed != null && resumed.index() == at) {
      session = resumed.session();
      if (persisted != resumed.persisted()) {
        throw new IllegalStateException("resumed part " + at + " at " + persisted);
      }
    } else {
      if (persisted != 0) {
        throw new IllegalStateException("part " + at + " starts at " + persisted);
      }
      session = protocol.start(bucket, plan.partName(at), metadata);
      file.write(session);
    }
    index = at;
    long partStart = plan.start(at);
    sender =
        new ChunkSender(
            protocol,
            session,
            free,
            maxAttempts,
            persisted,
            ack -> record.acknowledged(generation, partStart + ack.offset(), ack.crc32c()));
  }

  /** Waits for the part in flight to be finalized, checks it, and journals it. */
  private void finishPart() throws IOException {
    if (sender == null) {
      return;
    }
    ResumableUpload.Status status = sender.awaitFinished();
    TarballChannel.Chunk end = last;
    if (end == null || plan.index(end.offset()) != index) {
      throw new IOException("part " + index + " ended without its last chunk");
    }
    String name = plan.partName(index);
    long size = end.offset() + end.len() - plan.start(index);
    String crc = Crc32cText.base64(end.partCrc());
    long storedSize = status.object().path("size").asLong(-1);
    String storedCrc = status.object().path("crc32c").asText(null);
    if (storedSize != size || !crc.equals(storedCrc)) {
      // Cloud Storage checks the CRC32C sent with the last chunk; an emulator may not, so the
      // object it made is checked here too.
      throw new IOException(
          "the part object gs://"
              + bucket
              + "/"
              + name
              + " does not hold what was sent (CRC32C "
              + storedCrc
              + ", sent "
              + crc
              + "); re-run the same command to send that part again");
    }
    PartPlan.Part part =
        new PartPlan.Part(index, name, size, crc, end.offset() + end.len(), end.streamCrc());
    record.partCompleted(generation, part);
    parts.add(part);
    sessions.of(generation, index).delete();
    sentBefore += sender.bytesSent();
    resentBefore += sender.bytesResent();
    sender.close();
    sender = null;
    events.emit(
        LogEvent.info(
            STEP,
            "part "
                + index
                + " ("
                + size
                + " bytes, CRC32C "
                + crc
                + ") is in Cloud Storage; a re-run on any machine resumes after it"));
  }

  @Override
  public void close() {
    if (sender != null) {
      sender.close();
    }
  }
}
