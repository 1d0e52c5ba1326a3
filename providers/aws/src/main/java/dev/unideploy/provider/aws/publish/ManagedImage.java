package dev.unideploy.provider.aws.publish;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.ec2.model.BlockDeviceMapping;
import software.amazon.awssdk.services.ec2.model.Image;

/**
 * What unideploy needs to know of one AMI: id, name, region, state (and why, when failed), when it
 * was published, its tags, the EBS snapshots behind it, its deprecation time (null if none) and the
 * size of its root volume (GiB, 0 when EC2 does not say).
 */
public record ManagedImage(
    String id,
    String name,
    String region,
    String state,
    String stateReason,
    Instant publishedAt,
    Map<String, String> tags,
    List<String> snapshotIds,
    String deprecationTime,
    int volumeGib) {

  public ManagedImage {
    tags = Map.copyOf(tags);
    snapshotIds = List.copyOf(snapshotIds);
  }

  /**
   * Reads a DescribeImages entry. The snapshots are those of the block device mappings plus the one
   * recorded in the {@code unideploy:snapshot} tag: on AWS they are the same, but EC2-compatible
   * clouds (and moto) may report their own, and retention must delete the one unideploy uploaded.
   */
  public static ManagedImage of(Image image, String region) {
    Map<String, String> tags = new LinkedHashMap<>(ImageTags.fromSdk(image.tags()));
    List<String> snapshots = new ArrayList<>();
    int volumeGib = 0;
    for (BlockDeviceMapping m : image.blockDeviceMappings()) {
      if (m.ebs() != null
          && m.ebs().volumeSize() != null
          && m.deviceName() != null
          && m.deviceName().equals(image.rootDeviceName())) {
        volumeGib = m.ebs().volumeSize();
      }
      if (m.ebs() != null
          && m.ebs().snapshotId() != null
          && !snapshots.contains(m.ebs().snapshotId())) {
        snapshots.add(m.ebs().snapshotId());
      }
    }
    String tagged = tags.get(ImageTags.SNAPSHOT);
    if (tagged != null && !snapshots.contains(tagged)) {
      snapshots.add(tagged);
    }
    return new ManagedImage(
        image.imageId(),
        image.name(),
        region,
        image.stateAsString(),
        image.stateReason() == null ? null : image.stateReason().message(),
        publishedAt(tags.get(ImageTags.PUBLISHED_AT), image.creationDate()),
        tags,
        snapshots,
        image.deprecationTime(),
        volumeGib);
  }

  public boolean available() {
    return "available".equals(state);
  }

  public boolean pending() {
    return "pending".equals(state);
  }

  /** States from which an image never becomes usable. */
  public boolean broken() {
    return "failed".equals(state)
        || "error".equals(state)
        || "invalid".equals(state)
        || "deregistered".equals(state)
        || "disabled".equals(state);
  }

  /** Attributes the pipeline puts in the result document. */
  public Map<String, String> attributes() {
    Map<String, String> a = new LinkedHashMap<>();
    a.put("amiId", id);
    a.put("name", name);
    a.put("snapshotIds", String.join(",", snapshotIds));
    return a;
  }

  /**
   * When the image was published: the tag unideploy wrote (exact, and the same on every copy), or
   * EC2's creation date for images without it.
   */
  private static Instant publishedAt(String tag, String creationDate) {
    for (String s : new String[] {tag, creationDate}) {
      if (s != null) {
        try {
          return Instant.parse(s);
        } catch (DateTimeParseException e) {
          // fall through to the next source
        }
      }
    }
    return Instant.EPOCH;
  }
}
