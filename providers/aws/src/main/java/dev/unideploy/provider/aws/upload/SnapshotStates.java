package dev.unideploy.provider.aws.upload;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.resilience.CallPolicy;
import dev.unideploy.pipeline.resilience.Deadline;
import dev.unideploy.provider.aws.AwsRetryable;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.Snapshot;
import software.amazon.awssdk.services.ec2.model.SnapshotState;

/**
 * Reads a snapshot's state from EC2 (the EBS direct APIs have no "describe"), and waits for a
 * snapshot to reach {@code completed} under a deadline, failing at once on {@code error}.
 */
public final class SnapshotStates {
  private final Ec2Client ec2;
  private final CallPolicy policy;

  public SnapshotStates(Ec2Client ec2, CallPolicy policy) {
    this.ec2 = ec2;
    this.policy = policy;
  }

  /** The snapshot, or empty when EC2 says it does not exist (deleted, or never created). */
  public Optional<Snapshot> find(String snapshotId) {
    try {
      return policy
          .call(
              "DescribeSnapshots",
              () -> ec2.describeSnapshots(r -> r.snapshotIds(snapshotId)).snapshots())
          .stream()
          .findFirst();
    } catch (Ec2Exception e) {
      if ("InvalidSnapshot.NotFound".equals(AwsRetryable.errorCode(e))) {
        return Optional.empty();
      }
      throw new UnideployException(
          "DescribeSnapshots for "
              + snapshotId
              + " failed: "
              + AwsRetryable.describe(e)
              + "; check the ec2:DescribeSnapshots permission (docs/aws-iam.md)",
          e);
    }
  }

  /**
   * Waits until {@code snapshotId} is {@code completed}. Fails at once when it turns {@code error}
   * (with AWS's state message) or disappears, and when {@code timeout} passes.
   */
  public Snapshot awaitCompleted(String snapshotId, Duration timeout, Duration poll) {
    AtomicReference<Snapshot> last = new AtomicReference<>();
    new Deadline("snapshot " + snapshotId + " to complete", timeout, poll)
        .await(
            () -> {
              Snapshot s =
                  find(snapshotId)
                      .orElseThrow(
                          () ->
                              new UnideployException(
                                  "snapshot "
                                      + snapshotId
                                      + " disappeared while completing (deleted by someone"
                                      + " else?); re-run to upload afresh"));
              last.set(s);
              if (s.state() == SnapshotState.ERROR) {
                throw new UnideployException(
                    "snapshot "
                        + snapshotId
                        + " failed: "
                        + (s.stateMessage() == null ? "AWS gave no reason" : s.stateMessage())
                        + "; re-run to upload a new snapshot");
              }
              return s.state() == SnapshotState.COMPLETED;
            },
            () -> last.get() == null ? "unknown" : describe(last.get()),
            "raise the completion deadline, or re-run later: the upload resumes and waits again");
    return last.get();
  }

  static String describe(Snapshot s) {
    return s.stateAsString() + (s.progress() == null ? "" : " " + s.progress());
  }
}
