package dev.unideploy.pipeline.rollout;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * What {@code unideploy rollback} did: the result document of {@code --output json}.
 *
 * @param outcome rolled-back (the target serves), failed (the target did not become healthy and
 *     what served before still does: exit 1), or dry-run
 * @param group the group that serves now (or would, for a dry run)
 * @param version its release
 * @param from the groups that served before and are now kept out of service at size 0
 * @param reason why the rollback failed
 * @param instances the target's instances as its health checks last saw them
 * @param finished an interrupted rollout this command rolled back (or finished) first
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
  "provider",
  "app",
  "outcome",
  "rollout",
  "group",
  "version",
  "from",
  "reason",
  "instances",
  "endpoint",
  "plan",
  "finished",
  "state"
})
public record RollbackResult(
    String provider,
    String app,
    String outcome,
    String rollout,
    String group,
    String version,
    List<String> from,
    String reason,
    List<InstanceReport> instances,
    String endpoint,
    List<String> plan,
    RolloutSummary finished,
    String state) {
  public RollbackResult {
    from = List.copyOf(from);
    instances = List.copyOf(instances);
    plan = List.copyOf(plan);
  }

  public static final String ROLLED_BACK = "rolled-back";
  public static final String FAILED = "failed";
  public static final String DRY_RUN = "dry-run";

  public boolean failed() {
    return FAILED.equals(outcome);
  }
}
