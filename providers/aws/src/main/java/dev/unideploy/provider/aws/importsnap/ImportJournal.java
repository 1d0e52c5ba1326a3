package dev.unideploy.provider.aws.importsnap;

import dev.unideploy.pipeline.state.Journal;
import dev.unideploy.pipeline.state.JournalEntry;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The import path's lines in the deployment journal: the multipart upload id (S3's ListParts then
 * says which parts arrived), the staged object, the import task and its outcome.
 */
final class ImportJournal {
  static final String STEP = "upload";
  static final String MULTIPART_STARTED = "s3-multipart-started";
  static final String OBJECT_UPLOADED = "s3-object-uploaded";
  static final String IMPORT_STARTED = "import-snapshot-started";
  static final String IMPORT_ENDED = "import-snapshot-ended";

  /** The newest facts for one upload key. */
  record State(
      String uploadId,
      String objectKey,
      boolean objectUploaded,
      String importTaskId,
      String snapshotId,
      boolean importEnded,
      int imports) {}

  private final Journal journal;
  private final Clock clock;
  private final String key;

  ImportJournal(Journal journal, Clock clock, String key) {
    this.journal = journal;
    this.clock = clock;
    this.key = key;
  }

  State read() {
    String uploadId = null;
    String object = null;
    boolean uploaded = false;
    String task = null;
    String snapshot = null;
    boolean ended = false;
    int imports = 0;
    for (JournalEntry e : journal.entries(STEP)) {
      if (!key.equals(e.data().get("key"))) {
        continue;
      }
      switch (e.kind()) {
        case MULTIPART_STARTED -> {
          uploadId = (String) e.data().get("uploadId");
          object = (String) e.data().get("object");
          uploaded = false;
        }
        case OBJECT_UPLOADED -> {
          object = (String) e.data().get("object");
          uploaded = true;
        }
        case IMPORT_STARTED -> {
          task = (String) e.data().get("importTaskId");
          imports++;
          snapshot = null;
          ended = false;
        }
        case IMPORT_ENDED -> {
          ended = true;
          snapshot = (String) e.data().get("snapshotId");
          // A finished import (good or bad) used the staged object up: the next run restages.
          uploadId = null;
          uploaded = false;
        }
        default -> {
          // Other uploaders' and the pipeline's entries.
        }
      }
    }
    return new State(uploadId, object, uploaded, task, snapshot, ended, imports);
  }

  void multipartStarted(String bucket, String object, String uploadId, long partSize) {
    Map<String, Object> d = base();
    d.put("bucket", bucket);
    d.put("object", object);
    d.put("uploadId", uploadId);
    d.put("partSize", partSize);
    append(MULTIPART_STARTED, d);
  }

  void objectUploaded(String bucket, String object, long size) {
    Map<String, Object> d = base();
    d.put("bucket", bucket);
    d.put("object", object);
    d.put("size", size);
    append(OBJECT_UPLOADED, d);
  }

  void importStarted(String importTaskId) {
    Map<String, Object> d = base();
    d.put("importTaskId", importTaskId);
    append(IMPORT_STARTED, d);
  }

  void importEnded(String importTaskId, String snapshotId, String status) {
    Map<String, Object> d = base();
    d.put("importTaskId", importTaskId);
    if (snapshotId != null) {
      d.put("snapshotId", snapshotId);
    }
    d.put("status", status);
    append(IMPORT_ENDED, d);
  }

  private Map<String, Object> base() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("key", key);
    return d;
  }

  private void append(String kind, Map<String, Object> data) {
    journal.append(new JournalEntry(clock.instant(), STEP, kind, data));
  }
}
