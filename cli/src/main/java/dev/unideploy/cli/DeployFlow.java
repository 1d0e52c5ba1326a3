package dev.unideploy.cli;

import dev.unideploy.image.DiskImage;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.events.ProgressEvent;
import dev.unideploy.pipeline.publish.BootCheck;
import dev.unideploy.pipeline.publish.PublishPipeline;
import dev.unideploy.pipeline.publish.StepRunner;
import dev.unideploy.pipeline.spi.Fleet;
import dev.unideploy.pipeline.spi.GroupHealth;
import dev.unideploy.pipeline.spi.Provider;
import dev.unideploy.pipeline.spi.ProviderContext;
import dev.unideploy.pipeline.spi.ServerGroup;
import dev.unideploy.pipeline.spi.ServerGroupSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A deploy through the provider SPI only: publish (the lead's {@link PublishPipeline}), create a
 * new server group from the image, wait until every instance is healthy (with a deadline), then put
 * it in service and remove the app's older groups. If the new group does not become healthy it is
 * destroyed and the old ones keep serving: nothing is replaced before the new release is proven
 * (the gap users report in ops' deploy).
 */
final class DeployFlow {
  private static final Duration POLL = Duration.ofSeconds(1);

  private final Provider provider;
  private final ProviderContext context;

  DeployFlow(Provider provider, ProviderContext context) {
    this.provider = provider;
    this.context = context;
  }

  /** What to run: size, ports, provider-specific group settings, and the health deadline. */
  record Plan(
      int instances,
      List<ServerGroupSpec.PortMapping> ports,
      Map<String, Object> groupSettings,
      Duration healthTimeout,
      BootCheck bootCheck) {}

  Map<String, Object> run(DiskImage image, Path imageFile, Plan plan) {
    EventSink events = context.events();
    Map<String, Object> result = new LinkedHashMap<>();
    PublishPipeline publish =
        new PublishPipeline(
            provider.publisher(context),
            (disk, format, out, sink) -> Conversions.write(disk, format, out, sink),
            context);
    Map<String, Object> published =
        publish.publish(image, imageFile, new PublishPipeline.Options(plan.bootCheck(), false));
    result.put("publish", published);
    @SuppressWarnings("unchecked") // PublishPipeline builds "image" as a Map<String, Object>
    String imageId = (String) ((Map<String, Object>) published.get("image")).get("id");

    Fleet fleet = provider.fleet(context);
    String app = context.config().requireApp();
    StepRunner steps = new StepRunner(events, context.journal(), context.clock());
    List<ServerGroup> before = fleet.serverGroups(app);
    ServerGroup group =
        steps.run(
            "create",
            "starting " + plan.instances() + " instance(s) of " + imageId,
            () ->
                fleet.create(
                    new ServerGroupSpec(
                        app, imageId, plan.instances(), plan.ports(), plan.groupSettings())));
    GroupHealth health;
    try {
      health =
          steps.run(
              "health",
              "waiting until " + group.name() + " is healthy",
              () -> awaitHealthy(fleet, group, plan.instances(), plan.healthTimeout(), events));
    } catch (RuntimeException e) {
      events.emit(LogEvent.warn("rollback", "destroying " + group.name() + ": " + e.getMessage()));
      fleet.destroy(group);
      throw e;
    }
    steps.run(
        "attach",
        "putting " + group.name() + " in service",
        () -> {
          fleet.attach(group);
          return null;
        });
    List<String> retired = new ArrayList<>();
    for (ServerGroup old : before) {
      steps.run(
          "retire-group",
          "retiring " + old.name(),
          () -> {
            fleet.detach(old);
            fleet.destroy(old);
            return null;
          });
      retired.add(old.name());
    }
    ServerGroup now =
        fleet.serverGroups(app).stream()
            .filter(g -> g.name().equals(group.name()))
            .findFirst()
            .orElse(group);
    result.put("group", group.name());
    result.put("inService", now.inService());
    result.put("instances", instances(now, health));
    result.put("retiredGroups", retired);
    return result;
  }

  /** Polls health until all instances are healthy; fails at once when one is unhealthy. */
  static GroupHealth awaitHealthy(
      Fleet fleet, ServerGroup group, int expected, Duration timeout, EventSink events) {
    long end = System.nanoTime() + timeout.toNanos();
    String task = "healthy " + group.name();
    while (true) {
      GroupHealth h = fleet.health(group);
      events.emit(ProgressEvent.of(task, h.healthyCount(), expected, ProgressEvent.Unit.ITEMS));
      List<GroupHealth.InstanceHealth> bad =
          h.instances().stream()
              .filter(i -> i.state() == GroupHealth.InstanceHealth.State.UNHEALTHY)
              .toList();
      if (!bad.isEmpty()) {
        throw new UnideployException(
            "instance(s) of "
                + group.name()
                + " failed: "
                + describe(bad)
                + "; read the logs named above, fix the image or the readiness settings");
      }
      if (h.allHealthy(expected)) {
        return h;
      }
      if (System.nanoTime() - end >= 0) {
        throw new UnideployException(
            "timed out after "
                + timeout.toSeconds()
                + " s waiting for "
                + expected
                + " healthy instance(s) of "
                + group.name()
                + " (last state: "
                + describe(h.instances())
                + "); raise --timeout if the machine is slow (QEMU without KVM is)");
      }
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new UnideployException("interrupted while waiting for " + group.name(), e);
      }
    }
  }

  private static String describe(List<GroupHealth.InstanceHealth> list) {
    List<String> parts = new ArrayList<>();
    for (GroupHealth.InstanceHealth i : list) {
      parts.add(
          i.instanceId()
              + " "
              + i.state().name().toLowerCase(Locale.ROOT)
              + " ("
              + i.reason()
              + ")");
    }
    return String.join("; ", parts);
  }

  @SuppressWarnings("unchecked") // LocalFleet (and every fleet) puts maps in "instances"
  private static List<Map<String, Object>> instances(ServerGroup group, GroupHealth health) {
    List<Map<String, Object>> out = new ArrayList<>();
    Object attr = group.attributes().get("instances");
    List<Map<String, Object>> known =
        attr instanceof List<?> l ? (List<Map<String, Object>>) l : List.of();
    for (GroupHealth.InstanceHealth h : health.instances()) {
      Map<String, Object> m = new LinkedHashMap<>();
      known.stream()
          .filter(k -> h.instanceId().equals(k.get("name")))
          .findFirst()
          .ifPresent(m::putAll);
      m.put("name", h.instanceId());
      m.put("state", h.state().name().toLowerCase(Locale.ROOT));
      m.put("reason", h.reason());
      out.add(m);
    }
    return out;
  }
}
