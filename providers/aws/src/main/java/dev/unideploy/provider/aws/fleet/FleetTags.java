package dev.unideploy.provider.aws.fleet;

import dev.unideploy.pipeline.spi.ServerGroupSpec;
import dev.unideploy.provider.aws.publish.ImageTags;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.autoscaling.model.Filter;
import software.amazon.awssdk.services.autoscaling.model.Tag;
import software.amazon.awssdk.services.autoscaling.model.TagDescription;

/**
 * The tags of what the fleet creates (Auto Scaling groups, their instances and volumes, the launch
 * template), by which it finds its own resources again and recognises everything else as not its
 * own. The fence is the one publish uses: {@code unideploy:managed=true} and {@code
 * unideploy:app=<app>}.
 */
final class FleetTags {
  static final String MANAGED = ImageTags.MANAGED;
  static final String APP = ImageTags.APP;
  static final String APP_VERSION = ImageTags.APP_VERSION;
  static final String GROUP = "unideploy:group";
  static final String IMAGE = "unideploy:image";
  static final String PORTS = "unideploy:ports";
  static final String LAUNCH_TEMPLATE_VERSION = "unideploy:launch-template-version";
  static final String CREATED_AT = "unideploy:created-at";

  private FleetTags() {}

  /** The tags of a release's resources: the fence, the group, the release and its image. */
  static Map<String, String> forRelease(ServerGroupSpec spec) {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("Name", spec.name());
    tags.put(MANAGED, "true");
    tags.put(APP, spec.app());
    tags.put(GROUP, spec.name());
    if (spec.version() != null) {
      tags.put(APP_VERSION, spec.version());
    }
    tags.put(IMAGE, spec.imageId());
    return tags;
  }

  /**
   * The Auto Scaling group's tags: the release's, plus its ports, launch template version and
   * creation time; the fence and the group name are propagated to the instances it launches.
   */
  static List<Tag> forGroup(
      ServerGroupSpec spec, String templateVersion, Instant createdAt, String groupName) {
    Map<String, String> tags = forRelease(spec);
    tags.put(
        PORTS, spec.guestPorts().stream().map(String::valueOf).collect(Collectors.joining(",")));
    tags.put(LAUNCH_TEMPLATE_VERSION, templateVersion);
    tags.put(CREATED_AT, createdAt.toString());
    List<String> propagated = List.of("Name", MANAGED, APP, GROUP);
    return tags.entrySet().stream()
        .map(
            e ->
                Tag.builder()
                    .resourceId(groupName)
                    .resourceType("auto-scaling-group")
                    .key(e.getKey())
                    .value(e.getValue())
                    .propagateAtLaunch(propagated.contains(e.getKey()))
                    .build())
        .toList();
  }

  static Map<String, String> read(List<TagDescription> tags) {
    Map<String, String> m = new LinkedHashMap<>();
    tags.forEach(t -> m.put(t.key(), t.value()));
    return m;
  }

  /** Whether {@code tags} mark a resource of {@code app} that unideploy made. */
  static boolean ours(Map<String, String> tags, String app) {
    return "true".equals(tags.get(MANAGED)) && (app == null || app.equals(tags.get(APP)));
  }

  /** Auto Scaling filters for the app's groups (every managed group when {@code app} is null). */
  static List<Filter> groupFilters(String app) {
    Filter managed = Filter.builder().name("tag:" + MANAGED).values("true").build();
    return app == null
        ? List.of(managed)
        : List.of(managed, Filter.builder().name("tag:" + APP).values(app).build());
  }
}
