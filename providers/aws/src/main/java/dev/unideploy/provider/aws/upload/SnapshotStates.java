package dev.unideploy.provider.aws.upload;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.resilience.CallPolicy;
import dev.unideploy.pipeline.resilience.Deadline;
import dev.unideploy.provider.aws.call.AwsRetryable;
import dev.unideploy.provider.aws.upload.SnapshotDescriber.SnapshotInfo;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Reads a snapshot's state from EC2 (the EBS direct APIs have no "describe"), and waits for a
 * snapshot to reach {@code completed} under a deadline, failing at once on {@code error}.
 */
public final class SnapshotStates {
  /** EC2's spelling of the states an upload cares about. */
  public static final String PENDING = "pending";

  public static final String COMPLETED = "completed";
  public static final String ERROR = "error";

  private final SnapshotDescriber ec2;
  private final CallPolicy policy;

  public SnapshotStates(SnapshotDescriber ec2, CallPolicy policy) {
    this.ec2 = ec2;
    this.policy = policy;
  }

  /** The snapshot, or empty when EC2 says it does not exist (deleted, or never created). */
  public Optional<SnapshotInfo> find(String snapshotId) {
    try {
      return policy.call("DescribeSnapshots", () -> ec2.describe(snapshotId));
    } catch (UnideployException e) {
      throw e;
    } catch (RuntimeException e) {
      String code = AwsRetryable.errorCode(e);
      boolean denied = code != null && (code.contains("Unauthorized") || code.contains("Denied"));
      throw new UnideployException(
          "DescribeSnapshots for "
              + snapshotId
              + " failed: "
              + AwsRetryable.describe(e)
              + (denied
                  ? "; grant the ec2:DescribeSnapshots permission (docs/aws-iam.md), then re-run"
                  : "; re-run to resume: the snapshot and the blocks already sent are kept"),
          e);
    }
  }

  /**
   * Waits until {@code snapshotId} is {@code completed}. Fails at once when it turns {@code error}
   * (with AWS's state message) or disappears, and when {@code timeout} passes.
   */
  public SnapshotInfo awaitCompleted(String snapshotId, Duration timeout, Duration poll) {
    AtomicReference<SnapshotInfo> last = new AtomicReference<>();
    new Deadline("snapshot " + snapshotId + " to complete", timeout, poll)
        .await(
            () -> {
              SnapshotInfo s =
                  find(snapshotId)
                      .orElseThrow(
                          () ->
                              new UnideployException(
                                  "snapshot "
                                      + snapshotId
                                      + " disappeared while completing (deleted by someone"
                                      + " else?); re-run to upload afresh"));
              last.set(s);
              if (ERROR.equals(s.state())) {
                throw new UnideployException(
                    "snapshot "
                        + snapshotId
                        + " failed: "
                        + (s.stateMessage() == null ? "AWS gave no reason" : s.stateMessage())
                        + "; re-run to upload a new snapshot");
              }
              return COMPLETED.equals(s.state());
            },
            () -> last.get() == null ? "unknown" : describe(last.get()),
            "raise the completion deadline, or re-run later: the upload resumes and waits again");
    return last.get();
  }

  static String describe(SnapshotInfo s) {
    return s.state() + (s.progress() == null ? "" : " " + s.progress());
  }
}
