package dev.unideploy.provider.aws.upload;

import java.util.Optional;

/**
 * EC2's DescribeSnapshots for one snapshot (the EBS direct APIs have no "describe"), one attempt
 * per call. {@link HttpSnapshotDescriber} sends the signed EC2 Query request, so an upload builds
 * no SDK client; the import-snapshot upload, which has an EC2 client anyway, describes through it.
 */
@FunctionalInterface
public interface SnapshotDescriber {

  /** What an upload needs to know of a snapshot. */
  record SnapshotInfo(String snapshotId, String state, String progress, String stateMessage) {}

  /**
   * The snapshot, or empty when EC2 answers {@code InvalidSnapshot.NotFound}.
   *
   * @throws RuntimeException the SDK's exception types for any other failure
   */
  Optional<SnapshotInfo> describe(String snapshotId);
}
