package dev.unideploy.provider.aws.publish;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.spi.PublishRequest;
import dev.unideploy.provider.aws.call.AwsCall;
import dev.unideploy.provider.aws.call.AwsCallException;
import dev.unideploy.provider.aws.clients.AwsClients;
import dev.unideploy.provider.aws.settings.AmiSettings;
import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.services.ec2.model.RegisterImageRequest;

/**
 * Registers an uploaded snapshot as an AMI in the home region and waits until it is available. A
 * retried or re-run RegisterImage that meets its own earlier image (same name, same content and
 * settings tags) adopts it instead of failing.
 */
public final class AmiRegistrar {
  private final AwsClients clients;
  private final AwsCall calls;
  private final AmiFinder finder;
  private final AmiWaiter waiter;
  private final AmiTagger tagger;
  private final EventSink events;

  public AmiRegistrar(
      AwsClients clients, AwsCall calls, AmiFinder finder, AmiWaiter waiter, EventSink events) {
    this.clients = clients;
    this.calls = calls;
    this.finder = finder;
    this.waiter = waiter;
    this.tagger = new AmiTagger(clients, calls);
    this.events = events;
  }

  /** Registers {@code snapshotId} in {@code region} with {@code tags}; returns the ready image. */
  public ManagedImage register(
      PublishRequest request,
      AmiSettings ami,
      String region,
      String snapshotId,
      Map<String, String> tags,
      Duration timeout) {
    RegisterImageRequest req = RegisterImageRequests.build(request, ami, snapshotId, tags);
    String imageId;
    try {
      imageId =
          calls.call(
              region, "RegisterImage", () -> clients.ec2(region).registerImage(req).imageId());
      events.emit(
          LogEvent.info("register", region + ": registered " + imageId + " (" + req.name() + ")"));
    } catch (AwsCallException e) {
      if (!e.hasCode("InvalidAMIName.Duplicate")) {
        throw e;
      }
      imageId = adoptDuplicate(region, req.name(), tags, e);
    }
    ManagedImage image = waiter.awaitAvailable("register", region, imageId, timeout);
    if (tagger.ensure(image, tags)) {
      image = finder.byId(region, imageId).orElse(image);
    }
    return image;
  }

  private String adoptDuplicate(
      String region, String name, Map<String, String> tags, AwsCallException e) {
    ManagedImage other =
        finder
            .byName(region, name)
            .orElseThrow(
                () ->
                    new UnideployException(
                        "AMI name '"
                            + name
                            + "' is taken in "
                            + region
                            + " by an image this account cannot see; change publish.name",
                        e));
    boolean ours =
        tags.get(ImageTags.SHA256).equals(other.tags().get(ImageTags.SHA256))
            && tags.get(ImageTags.SETTINGS).equals(other.tags().get(ImageTags.SETTINGS));
    if (!ours) {
      throw new UnideployException(
          "an AMI named '"
              + name
              + "' already exists in "
              + region
              + " ("
              + other.id()
              + ") with different content or settings: bump the version, change publish.name,"
              + " or deregister "
              + other.id(),
          e);
    }
    events.emit(
        LogEvent.info(
            "register", region + ": " + other.id() + " was registered by an earlier attempt"));
    return other.id();
  }
}
