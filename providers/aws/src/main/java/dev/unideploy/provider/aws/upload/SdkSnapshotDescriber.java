package dev.unideploy.provider.aws.upload;

import dev.unideploy.provider.aws.AwsRetryable;
import java.util.Optional;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;

/** DescribeSnapshots through the SDK's {@link Ec2Client}. */
public final class SdkSnapshotDescriber implements SnapshotDescriber {
  private final Ec2Client ec2;

  public SdkSnapshotDescriber(Ec2Client ec2) {
    this.ec2 = ec2;
  }

  @Override
  public Optional<SnapshotInfo> describe(String snapshotId) {
    try {
      return ec2.describeSnapshots(r -> r.snapshotIds(snapshotId)).snapshots().stream()
          .findFirst()
          .map(
              s ->
                  new SnapshotInfo(
                      s.snapshotId(), s.stateAsString(), s.progress(), s.stateMessage()));
    } catch (Ec2Exception e) {
      if ("InvalidSnapshot.NotFound".equals(AwsRetryable.errorCode(e))) {
        return Optional.empty();
      }
      throw e;
    }
  }
}
