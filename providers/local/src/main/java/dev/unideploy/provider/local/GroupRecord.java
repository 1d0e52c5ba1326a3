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
 * forwarded ports are the ones serving the app.
 */
public record GroupRecord(
    @JsonProperty("name") String name,
    @JsonProperty("app") String app,
    @JsonProperty("imageId") String imageId,
    @JsonProperty("imageSha256") String imageSha256,
    @JsonProperty("imagePath") String imagePath,
    @JsonProperty("createdAt") Instant createdAt,
    @JsonProperty("inService") boolean inService,
    @JsonProperty("guestPorts") List<Integer> guestPorts,
    @JsonProperty("readiness") Readiness readiness,
    @JsonProperty("memoryMiB") int memoryMiB,
    @JsonProperty("bootTimeoutSeconds") int bootTimeoutSeconds,
    @JsonProperty("accelerator") String accelerator,
    @JsonProperty("nextIndex") int nextIndex,
    @JsonProperty("instances") List<InstanceRecord> instances) {

  public GroupRecord {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(app, "app");
    guestPorts = guestPorts == null ? List.of() : List.copyOf(guestPorts);
    readiness = readiness == null ? Readiness.NONE : readiness;
    instances = instances == null ? List.of() : List.copyOf(instances);
  }

  /** Instances meant to be running (not stopped by a user or a resize). */
  @JsonIgnore
  public List<InstanceRecord> activeInstances() {
    return instances.stream().filter(InstanceRecord::active).toList();
  }

  public GroupRecord withInService(boolean v) {
    return new GroupRecord(
        name,
        app,
        imageId,
        imageSha256,
        imagePath,
        createdAt,
        v,
        guestPorts,
        readiness,
        memoryMiB,
        bootTimeoutSeconds,
        accelerator,
        nextIndex,
        instances);
  }

  /** Adds a started instance and advances the name counter. */
  public GroupRecord withInstance(InstanceRecord i) {
    List<InstanceRecord> list = new ArrayList<>(instances);
    list.add(i);
    return new GroupRecord(
        name,
        app,
        imageId,
        imageSha256,
        imagePath,
        createdAt,
        inService,
        guestPorts,
        readiness,
        memoryMiB,
        bootTimeoutSeconds,
        accelerator,
        nextIndex + 1,
        list);
  }

  /** Replaces the instance called {@code instance} with {@code change} applied to it. */
  public GroupRecord withChanged(String instance, UnaryOperator<InstanceRecord> change) {
    List<InstanceRecord> list = new ArrayList<>();
    for (InstanceRecord i : instances) {
      list.add(i.name().equals(instance) ? change.apply(i) : i);
    }
    return new GroupRecord(
        name,
        app,
        imageId,
        imageSha256,
        imagePath,
        createdAt,
        inService,
        guestPorts,
        readiness,
        memoryMiB,
        bootTimeoutSeconds,
        accelerator,
        nextIndex,
        list);
  }
}
