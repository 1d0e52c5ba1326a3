package dev.unideploy.provider.azure.upload;

import dev.unideploy.pipeline.state.Journal;
import dev.unideploy.pipeline.state.JournalEntry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The page upload's lines in the deployment journal: which target (managed disk or blob) an upload
 * of this content started, which 4 MiB windows the service acknowledged, whether the footer is
 * written and the upload finished. A page blob cannot say which pages a crashed run wrote with
 * which data, so this record is what a resume trusts. Never holds a SAS URL.
 */
final class UploadJournal {
  static final String STEP = "upload";
  static final String STARTED = "azure-upload-started";
  static final String WINDOWS = "azure-windows-acknowledged";
  static final String FOOTER = "azure-footer-written";
  static final String FINISHED = "azure-upload-finished";
  static final String ABANDONED = "azure-upload-abandoned";

  /** What the journal says about one upload key. */
  record State(
      String target, int generation, BitSet acknowledged, boolean footer, boolean finished) {}

  private final Journal journal;
  private final Clock clock;
  private final String key;

  UploadJournal(Journal journal, Clock clock, String key) {
    this.journal = journal;
    this.clock = clock;
    this.key = key;
  }

  State read() {
    String target = null;
    int generation = 0;
    BitSet acked = new BitSet();
    boolean footer = false;
    boolean finished = false;
    for (JournalEntry e : journal.entries(STEP)) {
      if (!key.equals(e.data().get("key"))) {
        continue;
      }
      Object t = e.data().get("target");
      switch (e.kind()) {
        case STARTED -> {
          target = (String) t;
          generation = ((Number) e.data().get("generation")).intValue();
          acked = new BitSet();
          footer = false;
          finished = false;
        }
        case WINDOWS -> {
          if (t != null && t.equals(target)) {
            for (Object w : (List<?>) e.data().get("windows")) {
              acked.set(((Number) w).intValue());
            }
          }
        }
        case FOOTER -> footer |= t != null && t.equals(target);
        case FINISHED -> finished |= t != null && t.equals(target);
        case ABANDONED -> {
          generation = Math.max(generation, ((Number) e.data().get("generation")).intValue());
          if (t != null && t.equals(target)) {
            target = null;
            acked = new BitSet();
            footer = false;
            finished = false;
          }
        }
        default -> {
          // started/done/failed of the pipeline, or other uploaders' lines
        }
      }
    }
    return new State(target, generation, acked, footer, finished);
  }

  void started(String target, int generation, long blobSize) {
    Map<String, Object> d = base(target);
    d.put("generation", generation);
    d.put("blobSize", blobSize);
    append(STARTED, d);
  }

  void acknowledged(String target, BitSet windows) {
    Map<String, Object> d = base(target);
    List<Integer> list = new ArrayList<>();
    windows.stream().forEach(list::add);
    d.put("windows", list);
    append(WINDOWS, d);
  }

  void footer(String target) {
    append(FOOTER, base(target));
  }

  void finished(String target) {
    append(FINISHED, base(target));
  }

  void abandoned(String target, int generation, String reason) {
    Map<String, Object> d = base(target);
    d.put("generation", generation + 1);
    d.put("reason", reason);
    append(ABANDONED, d);
  }

  private Map<String, Object> base(String target) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("key", key);
    d.put("target", target);
    return d;
  }

  private void append(String kind, Map<String, Object> data) {
    journal.append(new JournalEntry(clock.instant(), STEP, kind, data));
  }
}
