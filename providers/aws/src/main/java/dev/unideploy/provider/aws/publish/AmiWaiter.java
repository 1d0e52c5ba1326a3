package dev.unideploy.provider.aws.publish;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.resilience.Deadline;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Waits, with a deadline, until an AMI is {@code available}; a {@code failed} (or otherwise broken)
 * image ends the wait at once with the reason EC2 gives, instead of waiting out the deadline.
 */
public final class AmiWaiter {
  private final AmiFinder finder;
  private final EventSink events;
  private final Duration pollInterval;

  public AmiWaiter(AmiFinder finder, EventSink events, Duration pollInterval) {
    this.finder = finder;
    this.events = events;
    this.pollInterval = pollInterval;
  }

  /** Returns the image once available; {@code step} names the step in events and errors. */
  public ManagedImage awaitAvailable(String step, String region, String imageId, Duration timeout) {
    AtomicReference<ManagedImage> last = new AtomicReference<>();
    AtomicReference<String> lastState = new AtomicReference<>("not yet visible");
    Deadline deadline =
        new Deadline(
            "AMI " + imageId + " in " + region + " to become available", timeout, pollInterval);
    deadline.await(
        () -> {
          ManagedImage image = finder.byId(region, imageId).orElse(null);
          if (image == null) {
            return false;
          }
          if (!image.state().equals(lastState.get())) {
            events.emit(LogEvent.debug(step, region + ": " + imageId + " is " + image.state()));
          }
          lastState.set(image.state());
          last.set(image);
          if (image.broken()) {
            throw new UnideployException(
                "AMI "
                    + imageId
                    + " in "
                    + region
                    + " is "
                    + image.state()
                    + (image.stateReason() == null ? "" : ": " + image.stateReason())
                    + "; check the snapshot and the image settings, deregister it, and re-run");
          }
          return image.available();
        },
        lastState::get,
        "raise providers.aws.waits (available/copy) or check the image in the EC2 console, then"
            + " re-run: the run picks up the same image");
    return last.get();
  }
}
