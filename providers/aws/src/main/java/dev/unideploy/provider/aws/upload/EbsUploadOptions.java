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
    return new EbsUploadOptions(
        DEFAULT_CONCURRENCY,
        false,
        null,
        60,
        Map.of(),
        null,
        Duration.ofMinutes(30),
        Duration.ofSeconds(2),
        64,
        Duration.ofSeconds(2),
        CallPolicy.Settings.defaults(),
        1000);
  }

  public EbsUploadOptions withConcurrency(int n) {
    return new EbsUploadOptions(
        n,
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

  /** Encrypted with {@code kmsKey} (null: the account's default EBS key). */
  public EbsUploadOptions withEncryption(boolean encrypt, String kmsKey) {
    return new EbsUploadOptions(
        concurrency,
        encrypt,
        kmsKey,
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

  public EbsUploadOptions withTags(Map<String, String> newTags) {
    return new EbsUploadOptions(
        concurrency,
        encrypted,
        kmsKeyArn,
        startTimeoutMinutes,
        newTags,
        description,
        completionDeadline,
        pollInterval,
        journalEveryBlocks,
        journalEvery,
        calls,
        blockCallsPerSecond);
  }

  public EbsUploadOptions withDescription(String text) {
    return new EbsUploadOptions(
        concurrency,
        encrypted,
        kmsKeyArn,
        startTimeoutMinutes,
        tags,
        text,
        completionDeadline,
        pollInterval,
        journalEveryBlocks,
        journalEvery,
        calls,
        blockCallsPerSecond);
  }

  public EbsUploadOptions withStartTimeoutMinutes(int minutes) {
    return new EbsUploadOptions(
        concurrency,
        encrypted,
        kmsKeyArn,
        minutes,
        tags,
        description,
        completionDeadline,
        pollInterval,
        journalEveryBlocks,
        journalEvery,
        calls,
        blockCallsPerSecond);
  }

  /** The completion wait: its deadline and poll interval. */
  public EbsUploadOptions withCompletionWait(Duration deadline, Duration poll) {
    return new EbsUploadOptions(
        concurrency,
        encrypted,
        kmsKeyArn,
        startTimeoutMinutes,
        tags,
        description,
        deadline,
        poll,
        journalEveryBlocks,
        journalEvery,
        calls,
        blockCallsPerSecond);
  }

  /** How often acknowledged blocks are journaled: every {@code blocks} or every {@code every}. */
  public EbsUploadOptions withJournalBatch(int blocks, Duration every) {
    return new EbsUploadOptions(
        concurrency,
        encrypted,
        kmsKeyArn,
        startTimeoutMinutes,
        tags,
        description,
        completionDeadline,
        pollInterval,
        blocks,
        every,
        calls,
        blockCallsPerSecond);
  }

  /** Retry and rate settings for control calls, and the PutSnapshotBlock rate. */
  public EbsUploadOptions withCalls(CallPolicy.Settings settings, double blocksPerSecond) {
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
        settings,
        blocksPerSecond);
  }
}
