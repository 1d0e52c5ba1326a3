package dev.unideploy.provider.aws.upload;

import java.util.Map;

/**
 * The three EBS direct API calls an upload makes
 * (https://docs.aws.amazon.com/ebs/latest/APIReference/), one attempt per call: retries, backoff
 * and rate limits are the caller's ({@link EbsSnapshotUploader} runs each call under a {@code
 * CallPolicy}). Failures are the SDK's exception types whichever implementation sent the call, so
 * {@code AwsRetryable} classifies them as the SDK's own. {@link HttpEbsDirectApi} is the one
 * implementation; tests put fakes here.
 */
public interface EbsDirectApi {

  /** StartSnapshot's parameters. */
  record StartRequest(
      long volumeGib,
      String clientToken,
      int timeoutMinutes,
      String description,
      Map<String, String> tags,
      boolean encrypted,
      String kmsKeyArn) {}

  /** The snapshot StartSnapshot created (or replayed for the same client token). */
  record Started(String snapshotId, String status) {}

  /** {@code pending}, {@code completed} or {@code error}, as EBS spells them. */
  String PENDING = "pending";

  String COMPLETED = "completed";
  String ERROR = "error";

  Started startSnapshot(StartRequest request);

  /**
   * Writes {@code data} (exactly 512 KiB) as block {@code blockIndex} of {@code snapshotId}.
   *
   * @param sha256 the SHA-256 of {@code data}, sent as its checksum
   */
  void putSnapshotBlock(String snapshotId, int blockIndex, byte[] data, byte[] sha256);

  /**
   * Seals the snapshot with the LINEAR aggregate of the block checksums.
   *
   * @return the snapshot's status after the call
   */
  String completeSnapshot(String snapshotId, int changedBlocks, String linearChecksumBase64);
}
