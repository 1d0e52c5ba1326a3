package dev.unideploy.provider.gcp.config;

import dev.unideploy.pipeline.config.PublishSettings;
import dev.unideploy.pipeline.spi.PublishRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The labels unideploy puts on what it creates, and the names it gives images: how re-runs find
 * earlier work and how deprecation and retention know what they may touch.
 *
 * <p>Label values hold at most 63 lowercase characters
 * (https://cloud.google.com/compute/docs/labeling-resources#requirements), so the content hash
 * label carries the first 128 bits of the SHA-256 (the full hash is in the image's description),
 * and versions are lowercased with other characters turned into '-'.
 */
public final class ImageLabels {
  public static final String MANAGED_BY = "managed-by";
  public static final String UNIDEPLOY = "unideploy";
  public static final String APP = "unideploy-app";
  public static final String APP_VERSION = "unideploy-app-version";
  public static final String SHA256 = "unideploy-sha256";
  public static final String SETTINGS = "unideploy-settings";
  public static final String TOOL_VERSION = "unideploy-version";

  private ImageLabels() {}

  /** The labels of a published image: ours, then the user's extra ones. */
  public static Map<String, String> forImage(
      PublishRequest request, String fingerprint, String toolVersion, Map<String, String> extra) {
    Map<String, String> labels = new LinkedHashMap<>(extra);
    labels.put(MANAGED_BY, UNIDEPLOY);
    labels.put(APP, request.app());
    labels.put(APP_VERSION, value(request.version()));
    labels.put(SHA256, shaLabel(request.contentSha256()));
    labels.put(SETTINGS, fingerprint);
    labels.put(TOOL_VERSION, value(toolVersion));
    return labels;
  }

  /** The list filter that selects this tool's images of an app. */
  public static String appFilter(String app) {
    return "(labels."
        + MANAGED_BY
        + " = \""
        + UNIDEPLOY
        + "\") (labels."
        + APP
        + " = \""
        + app
        + "\")";
  }

  /** The 128-bit prefix of a SHA-256 that fits a label value. */
  public static String shaLabel(String sha256) {
    return sha256.substring(0, 32);
  }

  /** A label value from free text: lowercase, only [a-z0-9_-], at most 63 characters. */
  public static String value(String text) {
    String v = text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_-]", "-");
    return v.length() > 63 ? v.substring(0, 63) : v;
  }

  /**
   * The image name for a request: the publish.name template with every character Compute Engine
   * does not allow turned into '-' ({@code 1.2.0} becomes {@code 1-2-0}). Names must match
   * [a-z]([-a-z0-9]{0,61}[a-z0-9])?; a name that cannot is an error that says what to change.
   */
  public static String imageName(PublishRequest request) {
    String raw = request.imageName();
    String name = raw.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    name = name.replaceAll("-{2,}", "-").replaceAll("-+$", "");
    if (!name.isEmpty() && !Character.isLetter(name.charAt(0))) {
      name = "i-" + name;
    }
    if (!name.matches("[a-z]([-a-z0-9]{0,61}[a-z0-9])?")) {
      throw new IllegalArgumentException(
          "the image name '"
              + raw
              + "' gives '"
              + name
              + "', which Compute Engine does not accept: at most 63 lowercase letters, digits and"
              + " hyphens; shorten publish.name (default {app}-{version}-{sha8})");
    }
    return name;
  }

  /**
   * A short hash of the settings that shape the image's content (name, architecture, boot mode,
   * guest OS features, storage location): change one and the next publish makes a new image.
   * Family, description and labels can be changed on an image, so they do not count.
   */
  public static String settingsFingerprint(
      PublishRequest request, GcpImageSettings image, List<String> features) {
    PublishSettings p = request.settings();
    String canonical =
        String.join(
            "|",
            imageName(request),
            p.architecture().name(),
            p.bootMode().name(),
            String.join(",", new TreeSet<>(features)),
            String.valueOf(image.storageLocation()));
    try {
      byte[] d =
          MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
