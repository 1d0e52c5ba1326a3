package dev.unideploy.provider.aws.upload;

import dev.unideploy.pipeline.state.Journal;
import dev.unideploy.pipeline.state.JournalEntry;
import java.time.Clock;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The EBS upload's lines in the deployment journal: which snapshot an upload of this content
 * started, which blocks EBS acknowledged, whether CompleteSnapshot was sent. ListSnapshotBlocks
 * does not work on a pending snapshot, so this record is the only source of truth for a resume.
 *
 * <p>Every entry carries the upload {@code key} (content hash, volume size, encryption), so the
 * journal of an app can hold several uploads without them mixing.
 */
final class EbsUploadJournal {
  static final String STEP = "upload";
  static final String STARTED = "ebs-snapshot-started";
  static final String BLOCKS = "ebs-blocks-acknowledged";
  static final String COMPLETE_SENT = "ebs-complete-sent";
  static final String COMPLETED = "ebs-snapshot-completed";
  static final String ABANDONED = "ebs-snapshot-abandoned";

  /** What the journal says about one upload key. */
  record State(
      String snapshotId,
      int generation,
      BitSet acknowledged,
      boolean completeSent,
      boolean completed,
      int abandoned) {
    boolean hasSnapshot() {
      return snapshotId != null;
    }
  }

  private final Journal journal;
  private final Clock clock;
  private final String key;

  EbsUploadJournal(Journal journal, Clock clock, String key) {
    this.journal = journal;
    this.clock = clock;
    this.key = key;
  }

  String key() {
    return key;
  }

  /** Replays the journal for this key: the newest snapshot and what was done to it. */
  State read() {
    String snapshot = null;
    int generation = 0;
    int abandoned = 0;
    BitSet acked = new BitSet();
    boolean completeSent = false;
    boolean completed = false;
    for (JournalEntry e : journal.entries(STEP)) {
      if (!key.equals(e.data().get("key"))) {
        continue;
      }
      Object id = e.data().get("snapshotId");
      switch (e.kind()) {
        case STARTED -> {
          snapshot = (String) id;
          generation = ((Number) e.data().get("generation")).intValue();
          acked = new BitSet();
          completeSent = false;
          completed = false;
        }
        case BLOCKS -> {
          if (id != null && id.equals(snapshot)) {
            BlockRanges.parseInto((String) e.data().get("blocks"), acked);
          }
        }
        case COMPLETE_SENT -> completeSent |= id != null && id.equals(snapshot);
        case COMPLETED -> completed |= id != null && id.equals(snapshot);
        case ABANDONED -> {
          abandoned++;
          if (id != null && id.equals(snapshot)) {
            snapshot = null;
            acked = new BitSet();
            completeSent = false;
            completed = false;
          }
          generation = Math.max(generation, ((Number) e.data().get("generation")).intValue());
        }
        default -> {
          // Other kinds belong to the pipeline (started/done/failed) or other uploaders.
        }
      }
    }
    return new State(snapshot, generation, acked, completeSent, completed, abandoned);
  }

  void started(String snapshotId, int generation, long volumeGib) {
    Map<String, Object> data = base(snapshotId);
    data.put("generation", generation);
    data.put("volumeGib", volumeGib);
    append(STARTED, data);
  }

  void acknowledged(String snapshotId, BitSet blocks) {
    Map<String, Object> data = base(snapshotId);
    data.put("blocks", BlockRanges.format(blocks));
    data.put("count", blocks.cardinality());
    append(BLOCKS, data);
  }

  void completeSent(String snapshotId, long changedBlocks, String linearChecksum) {
    Map<String, Object> data = base(snapshotId);
    data.put("changedBlocks", changedBlocks);
    data.put("linearChecksum", linearChecksum);
    append(COMPLETE_SENT, data);
  }

  void completed(String snapshotId) {
    append(COMPLETED, base(snapshotId));
  }

  /** The snapshot is gone or failed: the next run starts a new one, with generation + 1. */
  void abandoned(String snapshotId, int generation, String reason) {
    Map<String, Object> data = base(snapshotId);
    data.put("generation", generation + 1);
    data.put("reason", reason);
    append(ABANDONED, data);
  }

  private Map<String, Object> base(String snapshotId) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("key", key);
    if (snapshotId != null) {
      data.put("snapshotId", snapshotId);
    }
    return data;
  }

  private void append(String kind, Map<String, Object> data) {
    journal.append(new JournalEntry(clock.instant(), STEP, kind, data));
  }
}
