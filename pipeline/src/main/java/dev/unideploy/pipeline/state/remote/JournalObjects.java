package dev.unideploy.pipeline.state.remote;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.unideploy.pipeline.state.JournalEntry;
import java.io.IOException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The objects of a remote journal and their names. A journal is a folder of numbered batches,
 * {@code e-000000000001.json} upward, each created once with a create-only precondition, so the
 * numbers give every reader the same order and no batch can replace another; and of snapshots,
 * {@code s-000000000100.json}, each holding every entry of batches 1 to its number, so that opening
 * a long journal reads one snapshot and the few batches after it.
 *
 * <p>Each object names its journal and number inside too: a batch copied in from elsewhere, or cut
 * short by a tool that is not unideploy, is caught instead of read as history.
 */
final class JournalObjects {
  static final String BATCH_FORMAT = "unideploy-journal-batch/1";
  static final String SNAPSHOT_FORMAT = "unideploy-journal-snapshot/1";

  private static final Pattern NAME = Pattern.compile("([es])-(\\d{12})\\.json");

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  /** One append: a batch of entries under its number, with the writer's id for read-back. */
  record Batch(
      @JsonProperty("format") String format,
      @JsonProperty("journal") String journal,
      @JsonProperty("seq") long seq,
      @JsonProperty("batch") String batch,
      @JsonProperty("entries") List<JournalEntry> entries) {}

  /** Every entry of batches 1 to {@code through}. */
  record Snapshot(
      @JsonProperty("format") String format,
      @JsonProperty("journal") String journal,
      @JsonProperty("through") long through,
      @JsonProperty("entries") List<JournalEntry> entries) {}

  /** What a key in a journal's folder is. */
  record Name(boolean snapshot, long seq) {}

  /** Thrown for an object that is not a whole batch or snapshot of this journal. */
  static final class Damaged extends Exception {
    private static final long serialVersionUID = 1L;

    Damaged(String why) {
      super(why);
    }
  }

  private JournalObjects() {}

  static String batchName(long seq) {
    return "e-" + String.format("%012d", seq) + ".json";
  }

  static String snapshotName(long seq) {
    return "s-" + String.format("%012d", seq) + ".json";
  }

  /** The name's kind and number, or null for a name unideploy never writes. */
  static Name parseName(String name) {
    Matcher m = NAME.matcher(name);
    if (!m.matches()) {
      return null;
    }
    long seq = Long.parseLong(m.group(2));
    return seq < 1 ? null : new Name(m.group(1).equals("s"), seq);
  }

  static byte[] encode(Batch batch) {
    return write(batch);
  }

  static byte[] encode(Snapshot snapshot) {
    return write(snapshot);
  }

  static Batch decodeBatch(byte[] data, String journal, long seq) throws Damaged {
    Batch b = read(data, Batch.class);
    if (!BATCH_FORMAT.equals(b.format())) {
      throw new Damaged("its format is '" + b.format() + "', not " + BATCH_FORMAT);
    }
    if (!journal.equals(b.journal()) || b.seq() != seq) {
      throw new Damaged(
          "it says it is batch " + b.seq() + " of journal '" + b.journal() + "' (copied in?)");
    }
    if (b.batch() == null || b.entries() == null || b.entries().isEmpty()) {
      throw new Damaged("it has no writer id or no entries");
    }
    return b;
  }

  static Snapshot decodeSnapshot(byte[] data, String journal, long through) throws Damaged {
    Snapshot s = read(data, Snapshot.class);
    if (!SNAPSHOT_FORMAT.equals(s.format())
        || !journal.equals(s.journal())
        || s.through() != through
        || s.entries() == null) {
      throw new Damaged("it is not the snapshot of journal '" + journal + "' through " + through);
    }
    return s;
  }

  private static <T> T read(byte[] data, Class<T> type) throws Damaged {
    try {
      T value = JSON.readValue(data, type);
      if (value == null) {
        throw new Damaged("it is empty");
      }
      return value;
    } catch (JsonProcessingException e) {
      throw new Damaged(
          "it is not complete JSON of the expected shape (" + e.getOriginalMessage() + ")");
    } catch (IOException e) {
      throw new Damaged("it could not be read (" + e.getMessage() + ")");
    }
  }

  private static byte[] write(Object value) {
    try {
      return JSON.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("journal entry is not serialisable: " + e, e);
    }
  }
}
