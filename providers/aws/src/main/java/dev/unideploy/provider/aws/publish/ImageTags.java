package dev.unideploy.provider.aws.publish;

import dev.unideploy.pipeline.spi.PublishRequest;
import dev.unideploy.provider.aws.settings.AmiSettings;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Tag;

/**
 * The tags unideploy puts on what it creates, and the filters that find it again. The content hash
 * plus a fingerprint of the settings that shape the AMI identify "the same image", so a re-run can
 * reuse instead of registering twice; {@code unideploy:managed} and {@code unideploy:app} fence off
 * what retention may delete.
 */
public final class ImageTags {
  public static final String MANAGED = "unideploy:managed";
  public static final String APP = "unideploy:app";
  public static final String APP_VERSION = "unideploy:app-version";
  public static final String SHA256 = "unideploy:sha256";
  public static final String SETTINGS = "unideploy:settings";
  public static final String SOURCE = "unideploy:source";
  public static final String TOOL_VERSION = "unideploy:version";
  public static final String PUBLISHED_AT = "unideploy:published-at";
  public static final String VIRTUAL_SIZE = "unideploy:virtual-size";
  public static final String SNAPSHOT = "unideploy:snapshot";
  public static final String COPIED_FROM = "unideploy:copied-from";

  /** AWS's limit on a tag value's length. */
  static final int MAX_VALUE = 256;

  private ImageTags() {}

  /**
   * The tags of an image registered from {@code snapshotId} (null for a copy, whose snapshots AWS
   * creates), published at {@code publishedAt} by unideploy {@code toolVersion}.
   */
  public static Map<String, String> forImage(
      PublishRequest request,
      String settingsFingerprint,
      String toolVersion,
      Instant publishedAt,
      String snapshotId) {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("Name", request.imageName());
    tags.put(MANAGED, "true");
    tags.put(APP, request.app());
    tags.put(APP_VERSION, request.version());
    tags.put(SHA256, request.contentSha256());
    tags.put(SETTINGS, settingsFingerprint);
    tags.put(SOURCE, request.sourceFileName());
    tags.put(TOOL_VERSION, toolVersion);
    tags.put(PUBLISHED_AT, publishedAt.toString());
    tags.put(VIRTUAL_SIZE, Long.toString(request.virtualSize()));
    if (snapshotId != null) {
      tags.put(SNAPSHOT, snapshotId);
    }
    tags.replaceAll((k, v) -> truncate(v));
    return tags;
  }

  /** The tags of a copy: the source's, minus its snapshot, plus where it was copied from. */
  public static Map<String, String> forCopy(
      Map<String, String> sourceTags, String sourceRegion, String sourceImageId) {
    Map<String, String> tags = new LinkedHashMap<>(sourceTags);
    tags.remove(SNAPSHOT);
    tags.put(COPIED_FROM, sourceRegion + "/" + sourceImageId);
    return tags;
  }

  /** The tags for the snapshots behind an image: the fence (managed, app) and the content hash. */
  public static Map<String, String> forSnapshot(Map<String, String> imageTags) {
    Map<String, String> tags = new LinkedHashMap<>();
    for (String k : List.of("Name", MANAGED, APP, SHA256)) {
      if (imageTags.containsKey(k)) {
        tags.put(k, imageTags.get(k));
      }
    }
    return tags;
  }

  /**
   * A short hash of every setting that shapes the AMI (name, architecture, boot mode, root device
   * and volume, ENA, SR-IOV, TPM, IMDS). Two publishes of the same content with the same
   * fingerprint produce interchangeable AMIs; a changed setting yields a new one.
   */
  public static String settingsFingerprint(PublishRequest request, AmiSettings ami) {
    String canonical =
        String.join(
            "\n",
            "name=" + request.imageName(),
            "architecture=" + RegisterImageRequests.architecture(request.settings()),
            "bootMode=" + RegisterImageRequests.bootMode(request.settings()),
            "rootDevice=" + ami.rootDevice(),
            "volumeType=" + ami.volumeType(),
            "volumeSize=" + ami.volumeSizeFor(request.virtualSize()),
            "ena=" + ami.ena(),
            "sriov=" + ami.sriov(),
            "tpm=" + ami.tpm(),
            "imdsV2Only=" + ami.imdsV2Only());
    try {
      byte[] d =
          MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  public static List<Tag> toSdk(Map<String, String> tags) {
    return tags.entrySet().stream()
        .map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build())
        .toList();
  }

  public static Map<String, String> fromSdk(List<Tag> tags) {
    Map<String, String> m = new LinkedHashMap<>();
    for (Tag t : tags) {
      m.put(t.key(), t.value());
    }
    return m;
  }

  /** Filters for this tool's images of {@code app}. */
  public static List<Filter> managedBy(String app) {
    return List.of(tagFilter(MANAGED, "true"), tagFilter(APP, app));
  }

  /** Filters for this tool's images of the same content and settings. */
  public static List<Filter> sameImage(String app, String sha256, String fingerprint) {
    return List.of(
        tagFilter(MANAGED, "true"),
        tagFilter(APP, app),
        tagFilter(SHA256, sha256),
        tagFilter(SETTINGS, fingerprint));
  }

  static Filter tagFilter(String key, String value) {
    return Filter.builder().name("tag:" + key).values(value).build();
  }

  private static String truncate(String v) {
    return v.length() <= MAX_VALUE ? v : v.substring(0, MAX_VALUE);
  }
}
