package dev.unideploy.provider.aws.publish;

import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.provider.aws.call.AwsCall;
import dev.unideploy.provider.aws.call.AwsCallException;
import dev.unideploy.provider.aws.clients.AwsClients;
import dev.unideploy.provider.aws.settings.ShareSettings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.ec2.model.CreateVolumePermission;
import software.amazon.awssdk.services.ec2.model.ImageAttributeName;
import software.amazon.awssdk.services.ec2.model.LaunchPermission;
import software.amazon.awssdk.services.ec2.model.SnapshotAttributeName;

/**
 * Shares one AMI: adds the launch permissions the settings ask for (accounts, organizations, OUs,
 * public only when explicitly set), gives the listed accounts createVolumePermission on its
 * snapshots (so they can copy it), and schedules its deprecation. Only what is missing is changed,
 * so a re-run makes no calls that modify anything. Permissions are only ever added: revoking access
 * is a decision a publish must not take by itself.
 */
public final class AmiSharer {
  private final AwsClients clients;
  private final AwsCall calls;
  private final EventSink events;
  private final Clock clock;

  public AmiSharer(AwsClients clients, AwsCall calls, EventSink events, Clock clock) {
    this.clients = clients;
    this.calls = calls;
    this.events = events;
    this.clock = clock;
  }

  /** Returns the changes made (empty when everything was already in place). */
  public List<String> share(ManagedImage image, ShareSettings share, Duration deprecateAfter) {
    List<String> changes = new ArrayList<>();
    String region = image.region();
    List<LaunchPermission> wanted = LaunchPermissions.wanted(share);
    if (!wanted.isEmpty()) {
      List<LaunchPermission> present =
          calls
              .call(
                  region,
                  "DescribeImageAttribute",
                  () ->
                      clients
                          .ec2(region)
                          .describeImageAttribute(
                              d ->
                                  d.imageId(image.id())
                                      .attribute(ImageAttributeName.LAUNCH_PERMISSION)))
              .launchPermissions();
      List<LaunchPermission> missing = LaunchPermissions.missing(wanted, present);
      if (!missing.isEmpty()) {
        addLaunchPermissions(image, missing);
        changes.add("launch permission " + describe(missing));
      }
    }
    if (share.snapshots() && !share.accounts().isEmpty()) {
      for (String snapshotId : image.snapshotIds()) {
        List<String> missing = missingVolumePermissions(region, snapshotId, share.accounts());
        if (!missing.isEmpty()) {
          calls.run(
              region,
              "ModifySnapshotAttribute",
              () ->
                  clients
                      .ec2(region)
                      .modifySnapshotAttribute(
                          m ->
                              m.snapshotId(snapshotId)
                                  .attribute(SnapshotAttributeName.CREATE_VOLUME_PERMISSION)
                                  .operationType("add")
                                  .userIds(missing)));
          changes.add("createVolumePermission on " + snapshotId + " for " + missing);
        }
      }
    }
    if (deprecateAfter != null && image.deprecationTime() == null) {
      // EC2 rounds deprecation times to the minute and rejects seconds.
      Instant at = clock.instant().plus(deprecateAfter).truncatedTo(ChronoUnit.MINUTES);
      calls.run(
          region,
          "EnableImageDeprecation",
          () ->
              clients
                  .ec2(region)
                  .enableImageDeprecation(e -> e.imageId(image.id()).deprecateAt(at)));
      changes.add("deprecation at " + at);
    }
    for (String c : changes) {
      events.emit(LogEvent.info("share", region + ": " + image.id() + ": added " + c));
    }
    return changes;
  }

  private void addLaunchPermissions(ManagedImage image, List<LaunchPermission> missing) {
    String region = image.region();
    try {
      calls.run(
          region,
          "ModifyImageAttribute",
          () ->
              clients
                  .ec2(region)
                  .modifyImageAttribute(
                      m -> m.imageId(image.id()).launchPermission(l -> l.add(missing))));
    } catch (AwsCallException e) {
      boolean wantsPublic = missing.stream().anyMatch(p -> p.group() != null);
      if (wantsPublic && e.getMessage().contains("block public access")) {
        throw new AwsCallException(
            e.api(),
            region,
            e.errorCode(),
            "could not make "
                + image.id()
                + " public in "
                + region
                + ": the account blocks public AMIs (EC2 > AMIs > Block public access); turn"
                + " that off deliberately, or drop share.public",
            e);
      }
      throw e;
    }
  }

  private List<String> missingVolumePermissions(
      String region, String snapshotId, List<String> accounts) {
    List<CreateVolumePermission> present =
        calls
            .call(
                region,
                "DescribeSnapshotAttribute",
                () ->
                    clients
                        .ec2(region)
                        .describeSnapshotAttribute(
                            d ->
                                d.snapshotId(snapshotId)
                                    .attribute(SnapshotAttributeName.CREATE_VOLUME_PERMISSION)))
            .createVolumePermissions();
    List<String> have = present.stream().map(CreateVolumePermission::userId).toList();
    return accounts.stream().filter(a -> !have.contains(a)).toList();
  }

  private static String describe(List<LaunchPermission> perms) {
    return perms.stream().map(LaunchPermissions::key).toList().toString();
  }
}
