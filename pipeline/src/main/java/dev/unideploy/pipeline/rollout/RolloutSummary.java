package dev.unideploy.pipeline.rollout;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * One rollout as {@code unideploy history} and {@code status} show it.
 *
 * @param kind deploy or rollback
 * @param group the group it put in service (or tried to)
 * @param previous the groups that served when it began
 * @param outcome deployed, rolled-back, or unfinished (a run was interrupted: the next deploy or
 *     rollback finishes it)
 * @param reason why it rolled back
 * @param stepsDone forward steps finished, of {@code steps}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
  "id",
  "kind",
  "version",
  "strategy",
  "group",
  "previous",
  "outcome",
  "reason",
  "startedAt",
  "finishedAt",
  "stepsDone",
  "steps"
})
public record RolloutSummary(
    String id,
    String kind,
    String version,
    String strategy,
    String group,
    List<String> previous,
    String outcome,
    String reason,
    Instant startedAt,
    Instant finishedAt,
    int stepsDone,
    int steps) {

  public static final String UNFINISHED = "unfinished";

  public RolloutSummary {
    previous = List.copyOf(previous);
  }

  public static RolloutSummary of(RolloutRecord r) {
    RolloutPlan p = r.plan();
    String outcome;
    if (r.finished()) {
      outcome = r.outcome().word();
    } else if (r.rollingBack()) {
      outcome = UNFINISHED + " (rolling back)";
    } else if (r.committed()) {
      outcome = UNFINISHED + " (committed, cleaning up)";
    } else {
      outcome = UNFINISHED;
    }
    return new RolloutSummary(
        p.id(),
        p.kind().name().toLowerCase(Locale.ROOT),
        p.version(),
        p.strategy().cliName(),
        p.target(),
        p.previous(),
        outcome,
        r.reason() != null ? r.reason() : r.failure(),
        r.startedAt(),
        r.finishedAt(),
        r.done().size(),
        p.steps().size());
  }
}
