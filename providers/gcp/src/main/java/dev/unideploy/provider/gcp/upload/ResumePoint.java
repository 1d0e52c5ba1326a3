package dev.unideploy.provider.gcp.upload;

import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.provider.gcp.api.HttpStatusException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Where an upload generation continues: after the journaled parts still in the bucket (any runner),
 * or inside the next part when this runner kept that part's session; and the stream offset and
 * CRC32C the regenerated tarball must reproduce before anything new is sent.
 */
record ResumePoint(
    List<PartPlan.Part> done,
    PartUploader.Resumed session,
    long offset,
    long verifyAt,
    long verifyCrc) {
  static final ResumePoint NONE = new ResumePoint(List.of(), null, 0, 0, 0);

  /** Reads the journal's parts against the bucket, and this runner's part session. */
  static final class Finder {
    private static final String STEP = UploadJournal.STEP;
    private final ResumableUpload protocol;
    private final ObjectStore objects;
    private final EventSink events;
    private final int maxAttempts;

    Finder(ResumableUpload protocol, ObjectStore objects, EventSink events, int maxAttempts) {
      this.protocol = protocol;
      this.objects = objects;
      this.events = events;
      this.maxAttempts = maxAttempts;
    }

    /**
     * Where the open generation resumes: after the journaled parts still in the bucket (on any
     * runner), or inside the next part when this runner holds its session.
     */
    ResumePoint find(
        String bucket,
        String object,
        PartPlan plan,
        PartUploader.SessionFiles sessions,
        UploadJournal.State state)
        throws IOException {
      List<PartPlan.Part> done = plan.usable(state.parts(), name -> objects.get(bucket, name));
      long offset = 0;
      long verifyAt = 0;
      long verifyCrc = 0;
      if (!done.isEmpty()) {
        PartPlan.Part last = done.get(done.size() - 1);
        offset = last.streamEnd();
        verifyAt = last.streamEnd();
        verifyCrc = last.streamCrc();
      }
      int next = done.size();
      SessionFile file = sessions.of(state.generation(), next);
      PartUploader.Resumed session = null;
      Optional<URI> uri = file.read();
      if (uri.isPresent()) {
        ResumableUpload.Status status;
        try {
          status = query(uri.get());
        } catch (ResumableUpload.SessionGoneException e) {
          status = null;
        }
        if (status == null || status.complete()) {
          // Gone, or finalized without this run hearing of it (killed in between): the part is
          // sent again, in a new session, to the same name.
          file.delete();
        } else {
          session = new PartUploader.Resumed(next, uri.get(), status.persisted());
          offset = plan.start(next) + status.persisted();
          if (state.checkpoint() > verifyAt && state.checkpoint() <= offset) {
            verifyAt = state.checkpoint();
            verifyCrc = state.checkpointCrc();
          }
        }
      }
      if (offset > 0) {
        events.emit(
            LogEvent.info(
                STEP,
                "resuming the upload of gs://"
                    + bucket
                    + "/"
                    + object
                    + " at "
                    + mib(offset)
                    + " ("
                    + done.size()
                    + " parts are in Cloud Storage"
                    + (session == null ? "" : ", and " + mib(session.persisted()) + " of the next")
                    + "; the tarball is regenerated up to there)"));
      }
      return new ResumePoint(done, session, offset, verifyAt, verifyCrc);
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

    private static String mib(long bytes) {
      return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }
  }
}
