package dev.unideploy.pipeline.rollout;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.unideploy.pipeline.publish.PublishResult;
import java.util.List;

/**
 * What {@code unideploy deploy} did: the result document of {@code --output json}, whose shape is
 * documented in docs/output.md and fixed by a test.
 *
 * @param group the server group now in service
 * @param previous the group that was in service before, or null for a first deploy
 * @param instances the new group's instances as its health gate last saw them
 * @param kept earlier groups kept out of service (at size 0) as instant rollback targets
 * @param destroyed earlier groups removed
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
  "provider",
  "app",
  "version",
  "strategy",
  "group",
  "previous",
  "instances",
  "kept",
  "destroyed",
  "publish",
  "state"
})
public record DeployResult(
    String provider,
    String app,
    String version,
    String strategy,
    String group,
    String previous,
    List<InstanceReport> instances,
    List<String> kept,
    List<String> destroyed,
    PublishResult publish,
    String state) {
  public DeployResult {
    instances = List.copyOf(instances);
    kept = List.copyOf(kept);
    destroyed = List.copyOf(destroyed);
  }
}
