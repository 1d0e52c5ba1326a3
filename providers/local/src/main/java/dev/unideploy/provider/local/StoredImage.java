package dev.unideploy.provider.local;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An image in the local store: one app's name for a content-addressed disk. Several apps (or
 * versions, through tags) may name the same content; the disk itself is stored once.
 *
 * @param id the first 12 hex digits of the content hash, as {@code images list} shows it
 * @param sha256 SHA-256 of the virtual disk's contents
 * @param tags the versions published with this content, and {@code latest} on the newest
 * @param bootMode how it boots: {@code bios} (also for records written before this was kept) or
 *     {@code uefi} ({@code publish.bootMode} when it was published)
 */
public record StoredImage(
    @JsonProperty("id") String id,
    @JsonProperty("sha256") String sha256,
    @JsonProperty("app") String app,
    @JsonProperty("name") String name,
    @JsonProperty("version") String version,
    @JsonProperty("tags") List<String> tags,
    @JsonProperty("virtualSize") long virtualSize,
    @JsonProperty("sourceFileName") String sourceFileName,
    @JsonProperty("createdAt") Instant createdAt,
    @JsonProperty("bootMode") String bootMode) {

  /** Tag that points at the app's most recently published image. */
  public static final String LATEST = "latest";

  public StoredImage {
    Objects.requireNonNull(sha256, "sha256");
    Objects.requireNonNull(app, "app");
    Objects.requireNonNull(createdAt, "createdAt");
    id = idOf(sha256);
    tags = tags == null ? List.of() : List.copyOf(tags);
    bootMode = bootMode == null ? BIOS : bootMode;
  }

  public static final String BIOS = "bios";
  public static final String UEFI = "uefi";

  /** This image booting with {@code mode} (bios or uefi). */
  public StoredImage withBootMode(String mode) {
    return new StoredImage(
        id, sha256, app, name, version, tags, virtualSize, sourceFileName, createdAt, mode);
  }

  /** The short id of a content hash. */
  public static String idOf(String sha256) {
    return sha256.substring(0, 12);
  }

  public boolean hasTag(String tag) {
    return tags.contains(tag);
  }

  public StoredImage withTag(String tag) {
    if (hasTag(tag)) {
      return this;
    }
    List<String> t = new ArrayList<>(tags);
    t.add(tag);
    return new StoredImage(
        id, sha256, app, name, version, t, virtualSize, sourceFileName, createdAt, bootMode);
  }

  public StoredImage withoutTag(String tag) {
    if (!hasTag(tag)) {
      return this;
    }
    List<String> t = new ArrayList<>(tags);
    t.remove(tag);
    return new StoredImage(
        id, sha256, app, name, version, t, virtualSize, sourceFileName, createdAt, bootMode);
  }
}
