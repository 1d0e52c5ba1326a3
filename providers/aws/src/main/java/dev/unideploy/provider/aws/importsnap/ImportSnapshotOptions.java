package dev.unideploy.provider.aws.importsnap;

import dev.unideploy.pipeline.resilience.CallPolicy;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How {@link ImportSnapshotUploader} uploads.
 *
 * @param bucket the S3 bucket the disk file is staged in (same region as the snapshot)
 * @param keyPrefix prefix of the staged object's key; the content hash completes it
 * @param partSize multipart part size in bytes (5 MiB to 5 GiB; raised when the file needs more
 *     than 10,000 parts)
 * @param concurrency parts in flight; parts stream from the file, so memory does not grow with it
 * @param roleName the VM Import service role, or null for AWS's default {@code vmimport}
 * @param encrypted whether the imported snapshot is encrypted
 * @param kmsKeyId KMS key for an encrypted snapshot, or null for the account default
 * @param tags tags for the import task (AWS copies them to the snapshot)
 * @param importDeadline how long the import task may run (AWS takes 5 to 60 minutes)
 * @param pollInterval how often DescribeImportSnapshotTasks is asked
 * @param deleteObject whether the staged object is deleted once the import ended
 * @param calls retry/backoff and rate for every call
 */
public record ImportSnapshotOptions(
    String bucket,
    String keyPrefix,
    long partSize,
    int concurrency,
    String roleName,
    boolean encrypted,
    String kmsKeyId,
    Map<String, String> tags,
    Duration importDeadline,
    Duration pollInterval,
    boolean deleteObject,
    CallPolicy.Settings calls) {

  static final long MIN_PART = 5L << 20;
  static final long MAX_PART = 5L << 30;

  public ImportSnapshotOptions {
    Objects.requireNonNull(bucket, "bucket: ImportSnapshot stages the disk in an S3 bucket");
    keyPrefix = keyPrefix == null ? "unideploy/" : keyPrefix;
    if (partSize < MIN_PART || partSize > MAX_PART) {
      throw new IllegalArgumentException(
          "S3 part size must be 5 MiB to 5 GiB (an S3 limit), was " + partSize);
    }
    if (concurrency < 1 || concurrency > 64) {
      throw new IllegalArgumentException("part concurrency must be 1 to 64, was " + concurrency);
    }
    if (kmsKeyId != null && !encrypted) {
      throw new IllegalArgumentException(
          "a KMS key was given for an unencrypted import: set encrypted, or drop the key");
    }
    tags = tags == null ? Map.of() : Map.copyOf(tags);
    Objects.requireNonNull(importDeadline, "importDeadline");
    Objects.requireNonNull(pollInterval, "pollInterval");
    Objects.requireNonNull(calls, "calls");
  }

  /** 64 MiB parts, 4 in flight, role vmimport, a 2 h import deadline polled every 15 s. */
  public static ImportSnapshotOptions defaults(String bucket) {
    return builder(bucket).build();
  }

  /** A builder holding {@link #defaults(String)}. */
  public static Builder builder(String bucket) {
    return new Builder(bucket);
  }

  /** A builder holding these options, to change some of them. */
  public Builder toBuilder() {
    return new Builder(bucket)
        .keyPrefix(keyPrefix)
        .partSize(partSize)
        .concurrency(concurrency)
        .roleName(roleName)
        .encryption(encrypted, kmsKeyId)
        .tags(tags)
        .importDeadline(importDeadline)
        .pollInterval(pollInterval)
        .deleteObject(deleteObject)
        .calls(calls);
  }

  /** Builds {@link ImportSnapshotOptions}; checks happen in {@link #build()}. */
  public static final class Builder {
    private final String bucket;
    private String keyPrefix = "unideploy/";
    private long partSize = 64L << 20;
    private int concurrency = 4;
    private String roleName;
    private boolean encrypted;
    private String kmsKeyId;
    private Map<String, String> tags = Map.of();
    private Duration importDeadline = Duration.ofHours(2);
    private Duration pollInterval = Duration.ofSeconds(15);
    private boolean deleteObject = true;
    private CallPolicy.Settings calls = CallPolicy.Settings.defaults();

    private Builder(String bucket) {
      this.bucket = bucket;
    }

    /** The staged object's key prefix; null keeps the default. */
    public Builder keyPrefix(String prefix) {
      this.keyPrefix = prefix == null ? this.keyPrefix : prefix;
      return this;
    }

    public Builder partSize(long bytes) {
      this.partSize = bytes;
      return this;
    }

    /** Parts in flight. */
    public Builder concurrency(int inFlight) {
      this.concurrency = inFlight;
      return this;
    }

    public Builder roleName(String role) {
      this.roleName = role;
      return this;
    }

    public Builder encryption(boolean encrypt, String kmsKey) {
      this.encrypted = encrypt;
      this.kmsKeyId = kmsKey;
      return this;
    }

    public Builder tags(Map<String, String> taskTags) {
      this.tags = taskTags;
      return this;
    }

    /** How long the import task may run; null keeps the default. */
    public Builder importDeadline(Duration deadline) {
      this.importDeadline = deadline == null ? this.importDeadline : deadline;
      return this;
    }

    public Builder pollInterval(Duration poll) {
      this.pollInterval = poll;
      return this;
    }

    public Builder deleteObject(boolean delete) {
      this.deleteObject = delete;
      return this;
    }

    public Builder calls(CallPolicy.Settings settings) {
      this.calls = settings;
      return this;
    }

    public ImportSnapshotOptions build() {
      return new ImportSnapshotOptions(
          bucket,
          keyPrefix,
          partSize,
          concurrency,
          roleName,
          encrypted,
          kmsKeyId,
          tags,
          importDeadline,
          pollInterval,
          deleteObject,
          calls);
    }
  }

  /** The part size to use for {@code fileSize}: this one, raised to fit S3's 10,000 parts. */
  long partSizeFor(long fileSize) {
    long needed = (fileSize + 9_999) / 10_000;
    long mib = 1L << 20;
    long size = Math.max(partSize, (needed + mib - 1) / mib * mib);
    if (size > MAX_PART) {
      throw new IllegalArgumentException(
          "a " + fileSize + "-byte file is larger than an S3 multipart upload can hold");
    }
    return size;
  }
}
