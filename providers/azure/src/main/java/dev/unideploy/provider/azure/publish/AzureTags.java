package dev.unideploy.provider.azure.publish;

import dev.unideploy.pipeline.spi.PublishRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tags unideploy puts on what it creates in Azure (image versions, upload disks and blobs,
 * managed images): how re-runs find earlier work by content, and how retention knows what it may
 * delete ({@code unideploy:managed} and {@code unideploy:app}). Azure allows ':' in tag names.
 */
public final class AzureTags {
  public static final String MANAGED = "unideploy:managed";
  public static final String APP = "unideploy:app";
  public static final String APP_VERSION = "unideploy:app-version";
  public static final String SHA256 = "unideploy:sha256";
  public static final String SETTINGS = "unideploy:settings";
  public static final String SOURCE = "unideploy:source";
  public static final String TOOL_VERSION = "unideploy:version";
  public static final String PUBLISHED_AT = "unideploy:published-at";
  public static final String UPLOAD = "unideploy:upload";
  public static final String MANAGED_IMAGE = "unideploy:managed-image";

  /** Azure's limit on a tag value's length. */
  static final int MAX_VALUE = 256;

  private AzureTags() {}

  /** Tags of an image version (and its managed image) published from the upload {@code upload}. */
  public static Map<String, String> forImage(
      PublishRequest request, String fingerprint, String toolVersion, Instant at, String upload) {
    Map<String, String> tags = forUpload(request);
    tags.put(APP_VERSION, request.version());
    tags.put(SETTINGS, fingerprint);
    tags.put(SOURCE, request.sourceFileName());
    tags.put(TOOL_VERSION, toolVersion);
    tags.put(PUBLISHED_AT, at.toString());
    if (upload != null) {
      tags.put(UPLOAD, upload);
    }
    tags.replaceAll((k, v) -> v.length() <= MAX_VALUE ? v : v.substring(0, MAX_VALUE));
    return tags;
  }

  /** Tags of an upload disk or blob: the fence (managed, app) and the content hash. */
  public static Map<String, String> forUpload(PublishRequest request) {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put(MANAGED, "true");
    tags.put(APP, request.app());
    tags.put(SHA256, request.contentSha256());
    return tags;
  }

  /** Whether {@code tags} mark something unideploy made for {@code app}. */
  public static boolean ours(Map<String, String> tags, String app) {
    return tags != null && "true".equals(tags.get(MANAGED)) && app.equals(tags.get(APP));
  }

  /** A short hash of the settings that shape the image; a change makes a different image. */
  public static String fingerprint(String... parts) {
    try {
      byte[] d =
          MessageDigest.getInstance("SHA-256")
              .digest(String.join("\n", parts).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
