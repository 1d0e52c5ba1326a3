package dev.unideploy.provider.aws.publish;

import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.provider.aws.call.AwsCall;
import dev.unideploy.provider.aws.call.AwsCallException;
import dev.unideploy.provider.aws.clients.AwsClients;
import java.util.ArrayList;
import java.util.List;

/**
 * Deregisters one AMI and deletes its snapshots (retention, {@code images delete}). Safe to repeat:
 * an image or snapshot already gone counts as removed, and a snapshot another AMI or volume still
 * uses is kept and reported.
 */
public final class AmiRemover {
  private final AwsClients clients;
  private final AwsCall calls;
  private final EventSink events;

  public AmiRemover(AwsClients clients, AwsCall calls, EventSink events) {
    this.clients = clients;
    this.calls = calls;
    this.events = events;
  }

  /** Removes {@code image}; returns the snapshots deleted with it. */
  public List<String> remove(ManagedImage image) {
    String region = image.region();
    try {
      calls.run(
          region,
          "DeregisterImage",
          () -> clients.ec2(region).deregisterImage(d -> d.imageId(image.id())));
    } catch (AwsCallException e) {
      // The image was listed a moment ago: "not found" or "no longer available" (EC2's code for a
      // deregistered AMI) now means an earlier attempt whose answer was lost (a timeout, then a
      // retry) deregistered it. Done; its snapshots still go below.
      if (!e.hasCode("InvalidAMIID.NotFound") && !e.hasCode("InvalidAMIID.Unavailable")) {
        throw e;
      }
    }
    List<String> deleted = new ArrayList<>();
    for (String snapshotId : image.snapshotIds()) {
      try {
        calls.run(
            region,
            "DeleteSnapshot",
            () -> clients.ec2(region).deleteSnapshot(d -> d.snapshotId(snapshotId)));
        deleted.add(snapshotId);
      } catch (AwsCallException e) {
        if (e.hasCode("InvalidSnapshot.NotFound")) {
          continue;
        }
        if (e.hasCode("InvalidSnapshot.InUse")) {
          events.emit(
              LogEvent.warn(
                  "retire",
                  region
                      + ": kept "
                      + snapshotId
                      + " of "
                      + image.id()
                      + ": another AMI or volume still uses it"));
          continue;
        }
        throw e;
      }
    }
    events.emit(
        LogEvent.info(
            "retire",
            region
                + ": deregistered "
                + image.id()
                + " ("
                + image.name()
                + "), deleted "
                + deleted));
    return deleted;
  }
}
