package dev.unideploy.pipeline.rollout;

import dev.unideploy.pipeline.state.JournalEntry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One rollout as the journal tells it: its plan, which steps started and finished, whether and why
 * it rolled back, and how it ended (null while it has not).
 *
 * @param started indexes of forward steps that began (done, failed, or cut short by a crash)
 * @param done indexes of forward steps that finished
 * @param rollbackSteps the rollback's steps, or null when it did not roll back
 * @param rollbackDone indexes of rollback steps that finished
 * @param outcome deployed, rolled-back or failed; null while unfinished
 */
public record RolloutRecord(
    RolloutPlan plan,
    Instant startedAt,
    Set<Integer> started,
    Set<Integer> done,
    String failure,
    List<Step> rollbackSteps,
    Set<Integer> rollbackDone,
    Outcome.Status outcome,
    String reason,
    Instant finishedAt) {

  public boolean finished() {
    return outcome != null;
  }

  public boolean rollingBack() {
    return rollbackSteps != null;
  }

  /** Whether the forward run passed its COMMIT step (the new release serves). */
  public boolean committed() {
    return done.contains(plan.commitIndex());
  }

  /** Collects a record entry by entry. */
  static final class Builder {
    private final RolloutPlan plan;
    private final Instant startedAt;
    private final Set<Integer> started = new HashSet<>();
    private final Set<Integer> done = new HashSet<>();
    private final Set<Integer> rollbackDone = new HashSet<>();
    private String failure;
    private List<Step> rollbackSteps;
    private Outcome.Status outcome;
    private String reason;
    private Instant finishedAt;

    Builder(RolloutPlan plan, Instant startedAt) {
      this.plan = plan;
      this.startedAt = startedAt;
    }

    void apply(JournalEntry e) {
      Map<String, Object> d = e.data();
      boolean rollback = Boolean.TRUE.equals(d.get("rollback"));
      int index = d.get("index") instanceof Number n ? n.intValue() : -1;
      switch (e.kind()) {
        case RolloutJournal.STARTED -> {
          if (!rollback) {
            started.add(index);
          }
        }
        case RolloutJournal.DONE -> (rollback ? rollbackDone : done).add(index);
        case RolloutJournal.FAILED -> {
          if (!rollback && failure == null) {
            failure = String.valueOf(d.get("error"));
          }
        }
        case RolloutJournal.ROLLBACK -> {
          List<Step> steps = new ArrayList<>();
          if (d.get("steps") instanceof List<?> list) {
            list.forEach(s -> steps.add(RolloutJournal.toStep(s)));
          }
          rollbackSteps = steps;
          if (failure == null) {
            failure = String.valueOf(d.get("reason"));
          }
        }
        case RolloutJournal.END -> {
          outcome = Outcome.Status.parse(String.valueOf(d.get("outcome")));
          reason = d.get("reason") == null ? null : String.valueOf(d.get("reason"));
          finishedAt = e.at();
        }
        default -> {}
      }
    }

    RolloutRecord build() {
      return new RolloutRecord(
          plan,
          startedAt,
          Set.copyOf(started),
          Set.copyOf(done),
          failure,
          rollbackSteps == null ? null : List.copyOf(rollbackSteps),
          Set.copyOf(rollbackDone),
          outcome,
          reason,
          finishedAt);
    }
  }
}
