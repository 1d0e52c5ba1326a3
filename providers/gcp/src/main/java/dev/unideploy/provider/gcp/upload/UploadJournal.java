package dev.unideploy.provider.gcp.upload;

import dev.unideploy.pipeline.state.Journal;
import dev.unideploy.pipeline.state.JournalEntry;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tarball upload's lines in the deployment journal: which object a session of this tarball was
 * started for, the offsets Cloud Storage acknowledged with the CRC32C of the stream up to each, and
 * whether the object was completed. The session URI itself is a capability (anyone holding it may
 * write the object), so it is kept in a private file ({@link SessionFile}), never here.
 *
 * <p>Every entry carries the tarball {@code key}: the content hash and everything else that shapes
 * the tarball's bytes, so a resume only ever continues a stream that regenerates identically.
 */
final class UploadJournal {
  static final String STEP = "upload";
  static final String STARTED = "gcs-session-started";
  static final String ACKNOWLEDGED = "gcs-bytes-acknowledged";
  static final String COMPLETED = "gcs-upload-completed";
  static final String ABANDONED = "gcs-session-abandoned";

  /** What the journal says about one key: the open session's generation and last checkpoint. */
  record State(boolean open, int generation, String object, long checkpoint, long checkpointCrc) {}

  private final Journal journal;
  private final Clock clock;
  private final String key;

  UploadJournal(Journal journal, Clock clock, String key) {
    this.journal = journal;
    this.clock = clock;
    this.key = key;
  }

  State read() {
    boolean open = false;
    int generation = 0;
    String object = null;
    long checkpoint = 0;
    long crc = 0;
    for (JournalEntry e : journal.entries(STEP)) {
      if (!key.equals(e.data().get("key"))) {
        continue;
      }
      switch (e.kind()) {
        case STARTED -> {
          open = true;
          generation = ((Number) e.data().get("generation")).intValue();
          object = (String) e.data().get("object");
          checkpoint = 0;
          crc = 0;
        }
        case ACKNOWLEDGED -> {
          if (open && ((Number) e.data().get("generation")).intValue() == generation) {
            checkpoint = ((Number) e.data().get("offset")).longValue();
            crc = Long.parseLong((String) e.data().get("crc32c"), 16);
          }
        }
        case COMPLETED, ABANDONED -> {
          open = false;
          generation = Math.max(generation, ((Number) e.data().get("generation")).intValue());
        }
        default -> {
          // started/done/failed belong to the pipeline; other kinds to other uploaders
        }
      }
    }
    return new State(open, generation, object, checkpoint, crc);
  }

  void started(int generation, String bucket, String object) {
    Map<String, Object> d = base(generation);
    d.put("bucket", bucket);
    d.put("object", object);
    append(STARTED, d);
  }

  void acknowledged(int generation, long offset, long crc32c) {
    Map<String, Object> d = base(generation);
    d.put("offset", offset);
    d.put("crc32c", Long.toHexString(crc32c));
    append(ACKNOWLEDGED, d);
  }

  void completed(int generation, String object, long size, String crc32c) {
    Map<String, Object> d = base(generation);
    d.put("object", object);
    d.put("size", size);
    d.put("crc32c", crc32c);
    append(COMPLETED, d);
  }

  void abandoned(int generation, String reason) {
    Map<String, Object> d = base(generation);
    d.put("reason", reason);
    append(ABANDONED, d);
  }

  private Map<String, Object> base(int generation) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("key", key);
    d.put("generation", generation);
    return d;
  }

  private void append(String kind, Map<String, Object> data) {
    journal.append(new JournalEntry(clock.instant(), STEP, kind, data));
  }
}
