package dev.unideploy.it.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.unideploy.image.DiskImage;
import dev.unideploy.image.ImageReaders;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.config.PublishSettings;
import dev.unideploy.pipeline.events.RecordingEventSink;
import dev.unideploy.pipeline.journal.MemoryJournal;
import dev.unideploy.pipeline.publish.PublishPipeline;
import dev.unideploy.pipeline.sample.SampleUnikernel;
import dev.unideploy.pipeline.spi.Fleet;
import dev.unideploy.pipeline.spi.GroupHealth;
import dev.unideploy.pipeline.spi.GroupHealth.InstanceHealth.State;
import dev.unideploy.pipeline.spi.Provider;
import dev.unideploy.pipeline.spi.ProviderContext;
import dev.unideploy.pipeline.spi.Providers;
import dev.unideploy.pipeline.spi.ServerGroup;
import dev.unideploy.pipeline.spi.ServerGroupSpec;
import dev.unideploy.provider.local.LocalSettings;
import dev.unideploy.provider.local.Readiness;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local fleet on real QEMU processes: two instances become healthy, a new provider instance (a
 * "restart" of unideploy) finds them from the persisted state, a QEMU killed with SIGKILL is
 * reported unhealthy, resize and destroy leave no QEMU process behind. Runs under TCG on purpose
 * (the CI default) with generous deadlines.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalFleetTest {
  private static final Duration DEADLINE = Duration.ofSeconds(240);
  private static final String APP = "itweb";

  @TempDir static Path tmp;
  private static Path home;
  private static ServerGroup group;

  private static ProviderContext context(RecordingEventSink events) {
    LocalSettings s =
        new LocalSettings(
            home.toString(),
            null,
            2,
            List.of(8080),
            new Readiness(SampleUnikernel.READY_REGEX, null, null, null),
            64,
            (int) DEADLINE.toSeconds(),
            "tcg");
    ObjectNode providers = new ObjectMapper().createObjectNode();
    providers.set("local", new ObjectMapper().valueToTree(s));
    DeployConfig config =
        new DeployConfig(APP, "1", null, new PublishSettings(null, null, null, 2), providers);
    return new ProviderContext(
        config, events, new MemoryJournal(), tmp.resolve("work"), Clock.systemUTC());
  }

  /** A fresh provider and fleet, as a new unideploy process would build them. */
  private static Fleet freshFleet() {
    Provider p = Providers.named("local");
    return p.fleet(context(new RecordingEventSink()));
  }

  @BeforeAll
  static void publish() throws Exception {
    home = tmp.resolve("home");
    Path image =
        SampleUnikernel.write(
            tmp.resolve("sample.raw"), new SampleUnikernel.Options(8L << 20, "it", 2));
    ProviderContext ctx = context(new RecordingEventSink());
    Provider p = Providers.named("local");
    Map<String, Object> result;
    try (DiskImage disk = ImageReaders.open(image)) {
      result =
          new PublishPipeline(
                  p.publisher(ctx),
                  (d, f, o, e) -> {
                    throw new AssertionError("local takes raw blocks");
                  },
                  ctx)
              .publish(disk, image, new PublishPipeline.Options(null, false));
    }
    @SuppressWarnings("unchecked")
    String id = (String) ((Map<String, Object>) result.get("image")).get("id");
    group =
        p.fleet(ctx)
            .create(
                new ServerGroupSpec(
                    APP, id, 2, List.of(new ServerGroupSpec.PortMapping(0, 8080)), Map.of()));
  }

  @AfterAll
  static void noQemuLeft() throws Exception {
    Fleet fleet = freshFleet();
    for (ServerGroup g : fleet.serverGroups(APP)) {
      fleet.destroy(g);
    }
    assertThat(QemuProcesses.mentioning(home)).as("QEMU processes left running").isEmpty();
  }

  private static GroupHealth await(Fleet fleet, Predicate<GroupHealth> done) throws Exception {
    long end = System.nanoTime() + DEADLINE.toNanos();
    GroupHealth h = fleet.health(group);
    while (!done.test(h)) {
      assertThat(System.nanoTime() - end).as("deadline passed; last health %s", h).isNegative();
      Thread.sleep(500);
      h = fleet.health(group);
    }
    return h;
  }

  @Test
  @Order(1)
  void twoInstancesBecomeHealthyOnTheirOwnLoopbackPorts() throws Exception {
    assertThat(group.name()).isEqualTo(APP + "-v001");
    assertThat(group.size()).isEqualTo(2);
    GroupHealth h = await(freshFleet(), g -> g.allHealthy(2));
    assertThat(h.instances())
        .allSatisfy(i -> assertThat(i.reason()).contains("READY sample-unikernel it"));
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> instances =
        (List<Map<String, Object>>) group.attributes().get("instances");
    List<Integer> hostPorts =
        instances.stream()
            .map(i -> ((Map<?, ?>) i.get("ports")).get("8080"))
            .map(Integer.class::cast)
            .toList();
    assertThat(hostPorts).hasSize(2).doesNotHaveDuplicates();
    for (int port : hostPorts) {
      // QEMU's user-mode forward listens on the loopback port it was given.
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        assertThat(s.isConnected()).isTrue();
      }
    }
    assertThat(QemuProcesses.mentioning(home)).hasSize(2);
  }

  @Test
  @Order(2)
  void aNewProviderInstanceSeesTheRunningGroup() throws Exception {
    Fleet restarted = freshFleet();
    List<ServerGroup> groups = restarted.serverGroups(APP);
    assertThat(groups).singleElement().satisfies(g -> assertThat(g.size()).isEqualTo(2));
    assertThat(restarted.health(groups.get(0)).allHealthy(2)).isTrue();

    restarted.attach(groups.get(0));
    assertThat(freshFleet().serverGroups(APP).get(0).inService()).isTrue();
    freshFleet().detach(groups.get(0));
    assertThat(freshFleet().serverGroups(APP).get(0).inService()).isFalse();
  }

  @Test
  @Order(3)
  void aQemuKilledWithSigkillIsReportedUnhealthy() throws Exception {
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> instances =
        (List<Map<String, Object>>) group.attributes().get("instances");
    long victim = ((Number) instances.get(0).get("pid")).longValue();
    String victimName = (String) instances.get(0).get("name");
    ProcessHandle.of(victim).orElseThrow().destroyForcibly();

    GroupHealth h =
        await(
            freshFleet(), g -> g.instances().stream().anyMatch(i -> i.state() == State.UNHEALTHY));
    assertThat(h.instances())
        .filteredOn(i -> i.instanceId().equals(victimName))
        .singleElement()
        .satisfies(
            i -> {
              assertThat(i.state()).isEqualTo(State.UNHEALTHY);
              assertThat(i.reason()).contains("no longer running").contains("pid " + victim);
            });
    assertThat(h.healthyCount()).isEqualTo(1);
  }

  @Test
  @Order(4)
  void resizeStartsAndStopsInstances() throws Exception {
    Fleet fleet = freshFleet();
    fleet.resize(group, 3);
    GroupHealth h = await(fleet, g -> g.instances().size() == 3 && g.healthyCount() == 2);
    assertThat(h.instances()).hasSize(3);
    // The crashed one still counts as an instance until someone removes it: never forgotten.
    // Scaling in removes it first, then the newest.
    fleet.resize(group, 1);
    GroupHealth one = fleet.health(group);
    assertThat(one.instances())
        .singleElement()
        .satisfies(
            i -> {
              assertThat(i.state()).isEqualTo(State.HEALTHY);
              assertThat(i.instanceId()).isEqualTo(APP + "-v001-1");
            });
    assertThat(QemuProcesses.mentioning(home)).hasSize(1);
  }

  @Test
  @Order(5)
  void destroyStopsEveryQemuItStarted() throws IOException {
    Fleet fleet = freshFleet();
    fleet.destroy(group);
    assertThat(fleet.serverGroups(APP)).isEmpty();
    assertThat(QemuProcesses.mentioning(home)).isEmpty();
    assertThat(Files.list(home.resolve("logs").resolve(APP + "-v001")).count())
        .as("logs are kept")
        .isGreaterThan(0);
  }
}
