package dev.unideploy.pipeline.rollout;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.unideploy.pipeline.state.Journal;
import dev.unideploy.pipeline.state.JournalEntry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The rollout's lines in the deployment journal (step {@value #STEP}): the whole plan when it
 * begins, each step before and after it runs, the rollback steps when it rolls back, and how it
 * ended. {@link #records} reads them back, which is how a re-run finds an interrupted rollout.
 */
public final class RolloutJournal {
  public static final String STEP = "rollout";
  static final String BEGIN = "begin";
  static final String STARTED = "step-started";
  static final String DONE = "step-done";
  static final String FAILED = "step-failed";
  static final String ROLLBACK = "rollback";
  static final String END = "end";

  static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final Journal journal;
  private final Clock clock;

  public RolloutJournal(Journal journal, Clock clock) {
    this.journal = journal;
    this.clock = clock;
  }

  void begin(RolloutPlan plan) {
    append(BEGIN, Map.of("id", plan.id(), "plan", toMap(plan)));
  }

  void step(String id, boolean rollback, int index, String kind, String error) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("id", id);
    data.put("index", index);
    if (rollback) {
      data.put("rollback", true);
    }
    if (error != null) {
      data.put("error", error);
    }
    append(kind, data);
  }

  void rollback(String id, String reason, List<Step> steps) {
    List<Object> list = new ArrayList<>();
    steps.forEach(s -> list.add(toMap(s)));
    append(ROLLBACK, Map.of("id", id, "reason", reason, "steps", list));
  }

  void end(String id, Outcome.Status status, String reason) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("id", id);
    data.put("outcome", status.word());
    if (reason != null) {
      data.put("reason", reason);
    }
    append(END, data);
  }

  private void append(String kind, Map<String, Object> data) {
    journal.append(new JournalEntry(clock.instant(), STEP, kind, data));
  }

  /** Every rollout in the journal, oldest first. */
  public static List<RolloutRecord> records(List<JournalEntry> entries) {
    Map<String, RolloutRecord.Builder> byId = new LinkedHashMap<>();
    for (JournalEntry e : entries) {
      if (!e.step().equals(STEP)) {
        continue;
      }
      String id = String.valueOf(e.data().get("id"));
      if (e.kind().equals(BEGIN)) {
        RolloutPlan plan = JSON.convertValue(e.data().get("plan"), RolloutPlan.class);
        byId.put(id, new RolloutRecord.Builder(plan, e.at()));
        continue;
      }
      RolloutRecord.Builder b = byId.get(id);
      if (b == null) {
        continue; // A line whose begin was lost with a torn write: nothing to resume from it.
      }
      b.apply(e);
    }
    return byId.values().stream().map(RolloutRecord.Builder::build).toList();
  }

  /** The newest rollout that has not ended, if any. */
  public static Optional<RolloutRecord> unfinished(List<JournalEntry> entries) {
    List<RolloutRecord> all = records(entries);
    if (all.isEmpty() || all.get(all.size() - 1).finished()) {
      return Optional.empty();
    }
    return Optional.of(all.get(all.size() - 1));
  }

  /** Every group name any rollout planned, so that a name is never given twice. */
  public static Set<String> groupNames(List<JournalEntry> entries) {
    Set<String> names = new HashSet<>();
    for (RolloutRecord r : records(entries)) {
      names.add(r.plan().target());
      r.plan().before().forEach(g -> names.add(g.name()));
    }
    return names;
  }

  static Map<String, Object> toMap(Object value) {
    @SuppressWarnings("unchecked")
    Map<String, Object> m = JSON.convertValue(value, Map.class);
    return m;
  }

  static Step toStep(Object map) {
    return JSON.convertValue(map, Step.class);
  }
}
