package dev.unideploy.pipeline.rollout;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.unideploy.pipeline.state.LockOwner;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What {@code unideploy status} shows: the app's groups with their health now, which serve, where
 * the app is reached, and whether a rollout is running or was left unfinished.
 *
 * @param serving the groups in service
 * @param lock who runs a deploy or rollback of the app right now, if anyone
 * @param unfinished a rollout an interrupted run left (the next deploy or rollback finishes it)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
  "provider",
  "app",
  "serving",
  "endpoint",
  "groups",
  "lock",
  "unfinished",
  "last",
  "state"
})
public record StatusResult(
    String provider,
    String app,
    List<String> serving,
    String endpoint,
    List<GroupStatus> groups,
    LockOwner lock,
    RolloutSummary unfinished,
    RolloutSummary last,
    String state) {
  public StatusResult {
    serving = List.copyOf(serving);
    groups = List.copyOf(groups);
  }

  /**
   * One group.
   *
   * @param size the desired instance count (0: kept as a rollback target)
   * @param healthy instances healthy at this one look (consecutive checks are not waited for)
   */
  @JsonPropertyOrder({
    "name",
    "version",
    "imageId",
    "size",
    "inService",
    "healthy",
    "createdAt",
    "instances",
    "attributes"
  })
  public record GroupStatus(
      String name,
      String version,
      String imageId,
      int size,
      boolean inService,
      int healthy,
      Instant createdAt,
      List<InstanceStatus> instances,
      Map<String, String> attributes) {
    public GroupStatus {
      instances = List.copyOf(instances);
      attributes = Map.copyOf(attributes);
    }
  }

  /** One instance: the provider's facts and the health check's verdict. */
  public record InstanceStatus(
      String id, String lifecycle, String traffic, String health, String detail) {}
}
