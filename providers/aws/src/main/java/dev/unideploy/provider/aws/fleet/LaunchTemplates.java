package dev.unideploy.provider.aws.fleet;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.spi.ServerGroupSpec;
import dev.unideploy.provider.aws.call.AwsCall;
import dev.unideploy.provider.aws.call.AwsCallException;
import dev.unideploy.provider.aws.clients.AwsClients;
import dev.unideploy.provider.aws.settings.FleetSettings;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.DescribeLaunchTemplateVersionsResponse;
import software.amazon.awssdk.services.ec2.model.LaunchTemplate;
import software.amazon.awssdk.services.ec2.model.LaunchTemplateHttpTokensState;
import software.amazon.awssdk.services.ec2.model.LaunchTemplateInstanceMetadataEndpointState;
import software.amazon.awssdk.services.ec2.model.LaunchTemplateInstanceMetadataOptionsRequest;
import software.amazon.awssdk.services.ec2.model.LaunchTemplateTagSpecificationRequest;
import software.amazon.awssdk.services.ec2.model.LaunchTemplateVersion;
import software.amazon.awssdk.services.ec2.model.RequestLaunchTemplateData;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

/**
 * One EC2 launch template per app ({@code unideploy-<app>}) with one version per release: the AMI,
 * instance type, security groups, IMDSv2 only, and the release's tags on instances and volumes. A
 * version is found again by its description, the group's name, so a create interrupted between the
 * version and the group reuses the version; destroying a group deletes its version, and the
 * template goes with the app's last group.
 */
final class LaunchTemplates {
  private final AwsClients clients;
  private final AwsCall calls;
  private final String region;
  private final EventSink events;

  /** A launch template version a group launches from. */
  record TemplateVersion(String templateId, String templateName, long version) {}

  LaunchTemplates(AwsClients clients, AwsCall calls, String region, EventSink events) {
    this.clients = clients;
    this.calls = calls;
    this.region = region;
    this.events = events;
  }

  static String name(String app) {
    return "unideploy-" + app;
  }

  /** The version {@code spec} launches from: the one made for its group earlier, or a new one. */
  TemplateVersion versionFor(ServerGroupSpec spec, FleetSettings fleet) {
    String name = name(spec.app());
    RequestLaunchTemplateData data = data(spec, fleet);
    Optional<LaunchTemplate> existing = find(spec.app());
    if (existing.isEmpty()) {
      LaunchTemplate created =
          calls.call(
              region,
              "CreateLaunchTemplate",
              () ->
                  ec2()
                      .createLaunchTemplate(
                          r ->
                              r.launchTemplateName(name)
                                  .versionDescription(spec.name())
                                  .launchTemplateData(data)
                                  .clientToken(token("template", spec))
                                  .tagSpecifications(
                                      TagSpecification.builder()
                                          .resourceType(ResourceType.LAUNCH_TEMPLATE)
                                          .tags(
                                              ec2Tags(
                                                  Map.of(
                                                      FleetTags.MANAGED,
                                                      "true",
                                                      FleetTags.APP,
                                                      spec.app())))
                                          .build()))
                      .launchTemplate());
      events.emit(
          LogEvent.info("create", "launch template " + name + " version 1 for " + spec.name()));
      return new TemplateVersion(created.launchTemplateId(), name, 1);
    }
    LaunchTemplate template = existing.get();
    for (LaunchTemplateVersion v : versions(template.launchTemplateId())) {
      if (spec.name().equals(v.versionDescription())) {
        return new TemplateVersion(template.launchTemplateId(), name, v.versionNumber());
      }
    }
    long version =
        calls.call(
            region,
            "CreateLaunchTemplateVersion",
            () ->
                ec2()
                    .createLaunchTemplateVersion(
                        r ->
                            r.launchTemplateId(template.launchTemplateId())
                                .versionDescription(spec.name())
                                .launchTemplateData(data)
                                .clientToken(token("version", spec)))
                    .launchTemplateVersion()
                    .versionNumber());
    events.emit(
        LogEvent.info(
            "create", "launch template " + name + " version " + version + " for " + spec.name()));
    return new TemplateVersion(template.launchTemplateId(), name, version);
  }

  /**
   * Deletes the version made for {@code group}; deletes the whole template when no remaining group
   * of the app launches from it ({@code versionsInUse} empty). Gone already is done.
   */
  void release(String app, String group, Set<Long> versionsInUse) {
    Optional<LaunchTemplate> found = find(app);
    if (found.isEmpty()) {
      return;
    }
    String id = found.get().launchTemplateId();
    if (versionsInUse.isEmpty()) {
      try {
        calls.run(
            region,
            "DeleteLaunchTemplate",
            () -> ec2().deleteLaunchTemplate(r -> r.launchTemplateId(id)));
        events.emit(LogEvent.info("destroy", "deleted launch template " + name(app)));
      } catch (AwsCallException e) {
        if (!notFound(e)) {
          throw e;
        }
      }
      return;
    }
    List<LaunchTemplateVersion> all = versions(id);
    List<String> mine = new ArrayList<>();
    boolean mineIsDefault = false;
    for (LaunchTemplateVersion v : all) {
      if (group.equals(v.versionDescription()) && !versionsInUse.contains(v.versionNumber())) {
        mine.add(Long.toString(v.versionNumber()));
        mineIsDefault |= Boolean.TRUE.equals(v.defaultVersion());
      }
    }
    if (mine.isEmpty()) {
      return;
    }
    if (mineIsDefault) {
      // EC2 refuses to delete the default version: the newest version still in use takes over.
      String next =
          Long.toString(versionsInUse.stream().mapToLong(Long::longValue).max().getAsLong());
      calls.run(
          region,
          "ModifyLaunchTemplate",
          () -> ec2().modifyLaunchTemplate(r -> r.launchTemplateId(id).defaultVersion(next)));
    }
    calls.run(
        region,
        "DeleteLaunchTemplateVersions",
        () -> ec2().deleteLaunchTemplateVersions(r -> r.launchTemplateId(id).versions(mine)));
    events.emit(
        LogEvent.info("destroy", "deleted launch template " + name(app) + " version(s) " + mine));
  }

  /** The app's launch template, when unideploy made it; another one of that name is refused. */
  Optional<LaunchTemplate> find(String app) {
    String name = name(app);
    List<LaunchTemplate> found;
    try {
      found =
          calls.call(
              region,
              "DescribeLaunchTemplates",
              () ->
                  ec2()
                      .describeLaunchTemplates(r -> r.launchTemplateNames(name))
                      .launchTemplates());
    } catch (AwsCallException e) {
      if (notFound(e)) {
        return Optional.empty();
      }
      throw e;
    }
    if (found.isEmpty()) {
      return Optional.empty();
    }
    LaunchTemplate t = found.get(0);
    Map<String, String> tags = new java.util.LinkedHashMap<>();
    t.tags().forEach(x -> tags.put(x.key(), x.value()));
    if (!FleetTags.ours(tags, app)) {
      throw new UnideployException(
          "a launch template named "
              + name
              + " exists in "
              + region
              + " and unideploy did not create it (it lacks the tags unideploy:managed=true and"
              + " unideploy:app="
              + app
              + "); rename or delete it, or deploy under another app name");
    }
    return Optional.of(t);
  }

  private List<LaunchTemplateVersion> versions(String templateId) {
    List<LaunchTemplateVersion> all = new ArrayList<>();
    String token = null;
    do {
      String next = token;
      DescribeLaunchTemplateVersionsResponse page =
          calls.call(
              region,
              "DescribeLaunchTemplateVersions",
              () ->
                  ec2()
                      .describeLaunchTemplateVersions(
                          r -> r.launchTemplateId(templateId).nextToken(next)));
      all.addAll(page.launchTemplateVersions());
      token = page.nextToken();
    } while (token != null && !token.isEmpty());
    return all;
  }

  private static RequestLaunchTemplateData data(ServerGroupSpec spec, FleetSettings fleet) {
    List<Tag> tags = ec2Tags(FleetTags.forRelease(spec));
    RequestLaunchTemplateData.Builder b =
        RequestLaunchTemplateData.builder()
            .imageId(spec.imageId())
            .instanceType(fleet.instanceType())
            // IMDSv2 only
            // (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-existing-instances.html):
            // nothing in a unikernel needs IMDSv1, and v2 closes the SSRF path to credentials.
            .metadataOptions(
                LaunchTemplateInstanceMetadataOptionsRequest.builder()
                    .httpTokens(LaunchTemplateHttpTokensState.REQUIRED)
                    .httpEndpoint(LaunchTemplateInstanceMetadataEndpointState.ENABLED)
                    .httpPutResponseHopLimit(1)
                    .build())
            .tagSpecifications(
                LaunchTemplateTagSpecificationRequest.builder()
                    .resourceType(ResourceType.INSTANCE)
                    .tags(tags)
                    .build(),
                LaunchTemplateTagSpecificationRequest.builder()
                    .resourceType(ResourceType.VOLUME)
                    .tags(tags)
                    .build());
    if (!fleet.securityGroups().isEmpty()) {
      b.securityGroupIds(fleet.securityGroups());
    }
    return b.build();
  }

  static List<Tag> ec2Tags(Map<String, String> tags) {
    return tags.entrySet().stream()
        .map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build())
        .toList();
  }

  /** An idempotency token for one create of {@code spec}: a retry repeats it, a new group not. */
  private static String token(String what, ServerGroupSpec spec) {
    try {
      byte[] d =
          MessageDigest.getInstance("SHA-256")
              .digest(
                  (what + "\n" + spec.app() + "\n" + spec.name() + "\n" + spec.imageId())
                      .getBytes(StandardCharsets.UTF_8));
      return "ud-" + HexFormat.of().formatHex(d).substring(0, 40);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  private static boolean notFound(AwsCallException e) {
    String code = e.errorCode();
    return code != null && code.startsWith("InvalidLaunchTemplate") && code.contains("NotFound");
  }

  private Ec2Client ec2() {
    return clients.ec2(region);
  }
}
