package dev.unideploy.provider.gcp.upload;

import dev.unideploy.pipeline.state.Journal;
import dev.unideploy.pipeline.state.JournalEntry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tarball upload's lines in the deployment journal: which object an upload generation of this
 * tarball was started for and its part size, the offsets Cloud Storage acknowledged with the CRC32C
 * of the stream up to each, every part object finalized (what lets any runner resume), and whether
 * the object was composed and the parts deleted. A session URI is a capability (anyone holding it
 * may write the object), so it is kept in a private file ({@link SessionFile}), never here.
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
  static final String PART_COMPLETED = "gcs-part-completed";
  static final String PARTS_DELETED = "gcs-parts-deleted";

  /**
   * What the journal says about one key: the open generation, its part size (0 when started by a
   * version without parts), its last checkpoint and finalized parts, and the part objects of every
   * generation not yet deleted, by generation.
   */
  record State(
      boolean open,
      int generation,
      String object,
      long partBytes,
      long checkpoint,
      long checkpointCrc,
      List<PartPlan.Part> parts,
      Map<Integer, List<String>> leftovers) {}

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
    long partBytes = 0;
    long checkpoint = 0;
    long crc = 0;
    List<PartPlan.Part> parts = new ArrayList<>();
    Map<Integer, List<String>> partObjects = new LinkedHashMap<>();
    for (JournalEntry e : journal.entries(STEP)) {
      if (!key.equals(e.data().get("key"))) {
        continue;
      }
      int entryGeneration = ((Number) e.data().get("generation")).intValue();
      switch (e.kind()) {
        case STARTED -> {
          open = true;
          generation = entryGeneration;
          object = (String) e.data().get("object");
          Object size = e.data().get("partBytes");
          partBytes = size == null ? 0 : ((Number) size).longValue();
          checkpoint = 0;
          crc = 0;
          parts = new ArrayList<>();
        }
        case PART_COMPLETED -> {
          String name = (String) e.data().get("part");
          partObjects.computeIfAbsent(entryGeneration, g -> new ArrayList<>()).add(name);
          if (open && entryGeneration == generation) {
            int index = ((Number) e.data().get("index")).intValue();
            while (parts.size() > index) {
              parts.remove(parts.size() - 1); // sent again: the later entry counts
            }
            parts.add(
                new PartPlan.Part(
                    ((Number) e.data().get("index")).intValue(),
                    name,
                    ((Number) e.data().get("size")).longValue(),
                    (String) e.data().get("partCrc32c"),
                    ((Number) e.data().get("offset")).longValue(),
                    Long.parseLong((String) e.data().get("crc32c"), 16)));
          }
        }
        case PARTS_DELETED -> partObjects.remove(entryGeneration);
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
    return new State(
        open, generation, object, partBytes, checkpoint, crc, List.copyOf(parts), partObjects);
  }

  void started(int generation, String bucket, String object, long partBytes) {
    Map<String, Object> d = base(generation);
    d.put("bucket", bucket);
    d.put("object", object);
    d.put("partBytes", partBytes);
    append(STARTED, d);
  }

  /** A part object is finalized: {@code offset} and {@code crc32c} are the stream's at its end. */
  void partCompleted(int generation, PartPlan.Part part) {
    Map<String, Object> d = base(generation);
    d.put("index", part.index());
    d.put("part", part.object());
    d.put("size", part.size());
    d.put("partCrc32c", part.crc32c());
    d.put("offset", part.streamEnd());
    d.put("crc32c", Long.toHexString(part.streamCrc()));
    append(PART_COMPLETED, d);
  }

  /** The part (and intermediate) objects of {@code generation} are gone. */
  void partsDeleted(int generation) {
    append(PARTS_DELETED, base(generation));
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
