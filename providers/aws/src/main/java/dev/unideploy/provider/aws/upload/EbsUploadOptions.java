package dev.unideploy.provider.aws.upload;

import dev.unideploy.pipeline.resilience.CallPolicy;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How {@link EbsSnapshotUploader} uploads.
 *
 * @param concurrency PutSnapshotBlock calls in flight; also bounds memory to {@code concurrency +
 *     1} buffers of 512 KiB. The SDK HTTP client needs at least this many connections.
 * @param encrypted whether the snapshot is encrypted; forces every block to be written
 * @param kmsKeyArn the KMS key for an encrypted snapshot, or null for the account default
 * @param startTimeoutMinutes StartSnapshot's {@code Timeout}: minutes a pending snapshot may sit
 *     idle before AWS moves it to {@code error} (10 to 4320); how long a crashed upload can resume
 * @param tags tags put on the snapshot at StartSnapshot
 * @param description the snapshot description, or null for one naming the content hash
 * @param completionDeadline how long to wait for {@code completed} after CompleteSnapshot
 * @param pollInterval how often to ask DescribeSnapshots while waiting
 * @param journalEveryBlocks acknowledged blocks recorded per journal entry at most
 * @param journalEvery longest time an acknowledged block waits before it is journaled
 * @param calls retry/backoff and rate for control-plane calls (StartSnapshot, CompleteSnapshot,
 *     DescribeSnapshots)
 * @param blockCallsPerSecond rate limit for PutSnapshotBlock (AWS allows 1000/s per snapshot)
 */
public record EbsUploadOptions(
    int concurrency,
    boolean encrypted,
    String kmsKeyArn,
    int startTimeoutMinutes,
    Map<String, String> tags,
    String description,
    Duration completionDeadline,
    Duration pollInterval,
    int journalEveryBlocks,
    Duration journalEvery,
    CallPolicy.Settings calls,
    double blockCallsPerSecond) {

  public static final int DEFAULT_CONCURRENCY = 32;

  public EbsUploadOptions {
    if (concurrency < 1 || concurrency > 256) {
      throw new IllegalArgumentException("upload concurrency must be 1 to 256, was " + concurrency);
    }
    if (startTimeoutMinutes < 10 || startTimeoutMinutes > 4320) {
      throw new IllegalArgumentException(
          "snapshot timeout must be 10 to 4320 minutes (an AWS limit), was " + startTimeoutMinutes);
    }
    if (kmsKeyArn != null && !encrypted) {
      throw new IllegalArgumentException(
          "a KMS key was given for an unencrypted snapshot: set encrypted, or drop the key");
    }
    if (journalEveryBlocks < 1) {
      throw new IllegalArgumentException("journalEveryBlocks must be >= 1");
    }
    tags = tags == null ? Map.of() : Map.copyOf(tags);
    Objects.requireNonNull(completionDeadline, "completionDeadline");
    Objects.requireNonNull(pollInterval, "pollInterval");
    Objects.requireNonNull(journalEvery, "journalEvery");
    Objects.requireNonNull(calls, "calls");
    if (blockCallsPerSecond <= 0) {
      throw new IllegalArgumentException("blockCallsPerSecond must be > 0");
    }
  }

  /** 32 in flight, unencrypted, 60 min snapshot timeout, 30 min completion deadline. */
  public static EbsUploadOptions defaults() {
    return builder().build();
  }

  /** A builder holding {@link #defaults()}. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these options, to change some of them. */
  public Builder toBuilder() {
    return new Builder()
        .concurrency(concurrency)
        .encryption(encrypted, kmsKeyArn)
        .startTimeoutMinutes(startTimeoutMinutes)
        .tags(tags)
        .description(description)
        .completionWait(completionDeadline, pollInterval)
        .journalBatch(journalEveryBlocks, journalEvery)
        .calls(calls)
        .blockCallsPerSecond(blockCallsPerSecond);
  }

  /** Builds {@link EbsUploadOptions}; checks happen in {@link #build()}. */
  public static final class Builder {
    private int concurrency = DEFAULT_CONCURRENCY;
    private boolean encrypted;
    private String kmsKeyArn;
    private int startTimeoutMinutes = 60;
    private Map<String, String> tags = Map.of();
    private String description;
    private Duration completionDeadline = Duration.ofMinutes(30);
    private Duration pollInterval = Duration.ofSeconds(2);
    private int journalEveryBlocks = 64;
    private Duration journalEvery = Duration.ofSeconds(2);
    private CallPolicy.Settings calls = CallPolicy.Settings.defaults();
    private double blockCallsPerSecond = 1000;

    private Builder() {}

    public Builder concurrency(int n) {
      this.concurrency = n;
      return this;
    }

    /** Encrypted with {@code kmsKey} (null: the account's default EBS key). */
    public Builder encryption(boolean encrypt, String kmsKey) {
      this.encrypted = encrypt;
      this.kmsKeyArn = kmsKey;
      return this;
    }

    public Builder startTimeoutMinutes(int minutes) {
      this.startTimeoutMinutes = minutes;
      return this;
    }

    public Builder tags(Map<String, String> snapshotTags) {
      this.tags = snapshotTags;
      return this;
    }

    public Builder description(String text) {
      this.description = text;
      return this;
    }

    /** The completion wait: its deadline and poll interval. */
    public Builder completionWait(Duration deadline, Duration poll) {
      this.completionDeadline = deadline;
      this.pollInterval = poll;
      return this;
    }

    /** How often acknowledged blocks are journaled: every {@code blocks} or every {@code every}. */
    public Builder journalBatch(int blocks, Duration every) {
      this.journalEveryBlocks = blocks;
      this.journalEvery = every;
      return this;
    }

    /** Retry and rate settings for the control calls. */
    public Builder calls(CallPolicy.Settings settings) {
      this.calls = settings;
      return this;
    }

    /** The PutSnapshotBlock rate limit. */
    public Builder blockCallsPerSecond(double perSecond) {
      this.blockCallsPerSecond = perSecond;
      return this;
    }

    public EbsUploadOptions build() {
      return new EbsUploadOptions(
          concurrency,
          encrypted,
          kmsKeyArn,
          startTimeoutMinutes,
          tags,
          description,
          completionDeadline,
          pollInterval,
          journalEveryBlocks,
          journalEvery,
          calls,
          blockCallsPerSecond);
    }
  }
}
