package dev.unideploy.provider.aws.upload;

import dev.unideploy.pipeline.spi.UploadedDisk;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What an upload produced: the EBS snapshot, and what it cost in this run.
 *
 * @param snapshotId the completed snapshot
 * @param blocksSent 512 KiB blocks (EBS direct) or multipart parts (S3 import) sent in this run
 * @param blocksSkipped blocks not sent because they are zero (EBS direct only)
 * @param bytesSent payload bytes sent in this run
 * @param resumed whether this run continued (or reused) the work of an earlier one
 * @param elapsed wall time of this run
 * @param method {@code ebs-direct} or {@code import-snapshot}
 */
public record SnapshotUploadResult(
    String snapshotId,
    long blocksSent,
    long blocksSkipped,
    long bytesSent,
    boolean resumed,
    Duration elapsed,
    String method) {

  public SnapshotUploadResult {
    Objects.requireNonNull(snapshotId, "snapshotId");
    Objects.requireNonNull(elapsed, "elapsed");
    Objects.requireNonNull(method, "method");
  }

  /** The pipeline's view: the snapshot id as the handle, the counters as details. */
  public UploadedDisk toUploadedDisk(long virtualSize) {
    Map<String, String> details = new LinkedHashMap<>();
    details.put("snapshotId", snapshotId);
    details.put("blocksSent", Long.toString(blocksSent));
    details.put("blocksSkipped", Long.toString(blocksSkipped));
    return new UploadedDisk(
        snapshotId,
        method,
        bytesSent,
        Math.max(0, virtualSize - bytesSent),
        resumed,
        elapsed,
        details);
  }
}
