package dev.unideploy.pipeline.rollout;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.unideploy.pipeline.publish.PublishResult;
import java.util.List;

/**
 * What {@code unideploy deploy} did: the result document of {@code --output json} (documented in
 * docs/rollouts.md).
 *
 * @param outcome deployed, rolled-back (the new release failed and the old one serves: exit 1),
 *     unchanged (this release already served) or dry-run (nothing was changed)
 * @param rollout the rollout's id in the journal ({@code unideploy history}); null when none ran
 * @param group the server group of this release
 * @param previous the group that served before, or null for a first deploy
 * @param reason why it rolled back
 * @param instances the new group's instances as its health checks last saw them; after a rollback
 *     those that failed, each with its console tail
 * @param kept earlier groups kept out of service (at size 0) as rollback targets
 * @param destroyed earlier groups removed
 * @param endpoint where the app is reached (the load balancer), when the provider says
 * @param plan the rollout's steps (what {@code --dry-run} shows)
 * @param resumed what an interrupted earlier rollout became before this one ran, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
  "provider",
  "app",
  "version",
  "strategy",
  "outcome",
  "rollout",
  "group",
  "previous",
  "reason",
  "instances",
  "kept",
  "destroyed",
  "endpoint",
  "plan",
  "resumed",
  "publish",
  "state"
})
public record DeployResult(
    String provider,
    String app,
    String version,
    String strategy,
    String outcome,
    String rollout,
    String group,
    String previous,
    String reason,
    List<InstanceReport> instances,
    List<String> kept,
    List<String> destroyed,
    String endpoint,
    List<String> plan,
    RolloutSummary resumed,
    PublishResult publish,
    String state) {
  public DeployResult {
    instances = List.copyOf(instances);
    kept = List.copyOf(kept);
    destroyed = List.copyOf(destroyed);
    plan = plan == null ? List.of() : List.copyOf(plan);
  }

  public static final String DEPLOYED = "deployed";
  public static final String ROLLED_BACK = "rolled-back";
  public static final String UNCHANGED = "unchanged";
  public static final String DRY_RUN = "dry-run";

  /** Whether the release failed and was rolled back (the command exits 1). */
  public boolean rolledBack() {
    return ROLLED_BACK.equals(outcome);
  }
}
