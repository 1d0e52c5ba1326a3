package dev.unideploy.provider.local;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * A local server group as persisted: one release of an app (its image and launch settings) and the
 * instances started for it. {@code inService} is the local meaning of "attached": this group's
 * instances are the ones the app's load balancer forwards to.
 *
 * @param bootMode bios or uefi, from the image
 */
public record GroupRecord(
    @JsonProperty("name") String name,
    @JsonProperty("app") String app,
    @JsonProperty("version") String version,
    @JsonProperty("imageId") String imageId,
    @JsonProperty("imageSha256") String imageSha256,
    @JsonProperty("imagePath") String imagePath,
    @JsonProperty("createdAt") Instant createdAt,
    @JsonProperty("inService") boolean inService,
    @JsonProperty("guestPorts") List<Integer> guestPorts,
    @JsonProperty("memoryMiB") int memoryMiB,
    @JsonProperty("accelerator") String accelerator,
    @JsonProperty("nextIndex") int nextIndex,
    @JsonProperty("instances") List<InstanceRecord> instances,
    @JsonProperty("bootMode") String bootMode) {

  public GroupRecord {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(app, "app");
    guestPorts = guestPorts == null ? List.of() : List.copyOf(guestPorts);
    instances = instances == null ? List.of() : List.copyOf(instances);
    bootMode = bootMode == null ? StoredImage.BIOS : bootMode;
  }

  /** Instances meant to be running (not stopped by a user or a resize). */
  @JsonIgnore
  public List<InstanceRecord> activeInstances() {
    return instances.stream().filter(InstanceRecord::active).toList();
  }

  public GroupRecord withInService(boolean v) {
    return copy(v, nextIndex, instances);
  }

  /** Adds a started instance and advances the name counter. */
  public GroupRecord withInstance(InstanceRecord i) {
    List<InstanceRecord> list = new ArrayList<>(instances);
    list.add(i);
    return copy(inService, nextIndex + 1, list);
  }

  /** Replaces the instance called {@code instance} with {@code change} applied to it. */
  public GroupRecord withChanged(String instance, UnaryOperator<InstanceRecord> change) {
    List<InstanceRecord> list = new ArrayList<>();
    for (InstanceRecord i : instances) {
      list.add(i.name().equals(instance) ? change.apply(i) : i);
    }
    return copy(inService, nextIndex, list);
  }

  /** The one place that lists every component: the mutable ones come in, the rest carry over. */
  private GroupRecord copy(boolean inService, int nextIndex, List<InstanceRecord> instances) {
    return new GroupRecord(
        name,
        app,
        version,
        imageId,
        imageSha256,
        imagePath,
        createdAt,
        inService,
        guestPorts,
        memoryMiB,
        accelerator,
        nextIndex,
        instances,
        bootMode);
  }
}
