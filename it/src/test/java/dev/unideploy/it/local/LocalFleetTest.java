package dev.unideploy.it.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.unideploy.image.DiskImage;
import dev.unideploy.image.formats.ImageReaders;
import dev.unideploy.it.QemuProcesses;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.config.HealthSettings;
import dev.unideploy.pipeline.config.PublishSettings;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.RecordingEventSink;
import dev.unideploy.pipeline.publish.PublishPipeline;
import dev.unideploy.pipeline.publish.PublishResult;
import dev.unideploy.pipeline.rollout.HealthGate;
import dev.unideploy.pipeline.rollout.InstanceReport;
import dev.unideploy.pipeline.spi.Fleet;
import dev.unideploy.pipeline.spi.InstanceState;
import dev.unideploy.pipeline.spi.Provider;
import dev.unideploy.pipeline.spi.ProviderContext;
import dev.unideploy.pipeline.spi.Providers;
import dev.unideploy.pipeline.spi.ServerGroup;
import dev.unideploy.pipeline.spi.ServerGroupSpec;
import dev.unideploy.pipeline.state.MemoryJournal;
import dev.unideploy.sample.SampleUnikernel;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local fleet on real QEMU processes: two instances pass the pipeline's health gate, a new
 * provider instance (a "restart" of unideploy) finds them from the persisted state, a QEMU killed
 * with SIGKILL is reported failed, resize and destroy leave no QEMU process behind. Runs under TCG
 * on purpose (the CI default) with generous deadlines.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalFleetTest {
  private static final Duration DEADLINE = Duration.ofSeconds(240);
  private static final String APP = "itweb";

  @TempDir static Path tmp;
  private static Path home;
  private static ServerGroup group;

  private static DeployConfig config() {
    ObjectNode providers = new ObjectMapper().createObjectNode();
    providers
        .putObject("local")
        .put("home", home.toString())
        .put("memory", 64)
        .put("accelerator", "tcg");
    HealthSettings health =
        new HealthSettings(
            SampleUnikernel.READY_REGEX, null, null, null, null, DEADLINE, null, 1, null);
    return new DeployConfig(
        APP, "1", null, new PublishSettings(null, null, null, 2), health, null, null, providers);
  }

  private static ProviderContext context(RecordingEventSink events) {
    return new ProviderContext(
        config(), events, new MemoryJournal(), tmp.resolve("work"), Clock.systemUTC());
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
    PublishResult result;
    try (DiskImage disk = ImageReaders.open(image)) {
      result =
          new PublishPipeline("local", p.publisher(ctx), ctx, tmp.toString())
              .publish(disk, image, new PublishPipeline.Options(null, false));
    }
    group =
        p.fleet(ctx)
            .create(
                new ServerGroupSpec(
                    APP, APP + "-v001", "1", result.image().id(), 2, List.of(8080)));
  }

  @AfterAll
  static void noQemuLeft() throws Exception {
    Fleet fleet = freshFleet();
    for (ServerGroup g : fleet.serverGroups(APP)) {
      fleet.destroy(g);
    }
    assertThat(QemuProcesses.mentioning(home)).as("QEMU processes left running").isEmpty();
  }

  private static List<InstanceState> await(Fleet fleet, Predicate<List<InstanceState>> done)
      throws Exception {
    long end = System.nanoTime() + DEADLINE.toNanos();
    List<InstanceState> h = fleet.instances(group);
    while (!done.test(h)) {
      assertThat(System.nanoTime() - end).as("deadline passed; last state %s", h).isNegative();
      Thread.sleep(500);
      h = fleet.instances(group);
    }
    return h;
  }

  private static long count(List<InstanceState> list, InstanceState.Lifecycle l) {
    return list.stream().filter(i -> i.lifecycle() == l).count();
  }

  @Test
  @Order(1)
  void twoInstancesPassTheHealthGateOnTheirOwnLoopbackPorts() throws Exception {
    assertThat(group.name()).isEqualTo(APP + "-v001");
    assertThat(group.desiredSize()).isEqualTo(2);
    Fleet fleet = freshFleet();
    List<InstanceReport> healthy =
        new HealthGate(fleet, config().health(), 8080, EventSink.discard(), d -> Thread.sleep(500))
            .await(group, 2);
    assertThat(healthy)
        .hasSize(2)
        .allSatisfy(i -> assertThat(i.detail()).contains("READY sample-unikernel it"));
    List<String> hostPorts =
        fleet.instances(group).stream().map(i -> i.attributes().get("port.8080")).toList();
    assertThat(hostPorts).hasSize(2).doesNotHaveDuplicates().doesNotContainNull();
    for (InstanceState i : fleet.instances(group)) {
      // QEMU's user-mode forward listens on the loopback port it was given.
      try (Socket s =
          new Socket(InetAddress.getLoopbackAddress(), i.probeAddress().get().getPort())) {
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
    assertThat(groups).singleElement().satisfies(g -> assertThat(g.desiredSize()).isEqualTo(2));
    assertThat(count(restarted.instances(groups.get(0)), InstanceState.Lifecycle.RUNNING))
        .isEqualTo(2);

    restarted.attach(groups.get(0));
    assertThat(freshFleet().serverGroups(APP).get(0).inService()).isTrue();
    freshFleet().detach(groups.get(0));
    assertThat(freshFleet().serverGroups(APP).get(0).inService()).isFalse();
  }

  @Test
  @Order(3)
  void aQemuKilledWithSigkillIsReportedFailed() throws Exception {
    InstanceState first = freshFleet().instances(group).get(0);
    long victim = Long.parseLong(first.attributes().get("pid"));
    ProcessHandle.of(victim).orElseThrow().destroyForcibly();

    List<InstanceState> h = await(freshFleet(), l -> count(l, InstanceState.Lifecycle.FAILED) == 1);
    assertThat(h)
        .filteredOn(i -> i.id().equals(first.id()))
        .singleElement()
        .satisfies(
            i -> assertThat(i.reason()).contains("no longer running").contains("pid " + victim));
    assertThat(count(h, InstanceState.Lifecycle.RUNNING)).isEqualTo(1);
  }

  @Test
  @Order(4)
  void resizeStartsAndStopsInstances() throws Exception {
    Fleet fleet = freshFleet();
    fleet.resize(group, 3);
    List<InstanceState> h = await(fleet, l -> l.size() == 3);
    // The crashed one still counts as an instance until someone removes it: never forgotten.
    assertThat(count(h, InstanceState.Lifecycle.FAILED)).isEqualTo(1);
    // Scaling in removes it first, then the newest.
    fleet.resize(group, 1);
    assertThat(fleet.instances(group))
        .singleElement()
        .satisfies(
            i -> {
              assertThat(i.lifecycle()).isEqualTo(InstanceState.Lifecycle.RUNNING);
              assertThat(i.id()).isEqualTo(APP + "-v001-1");
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
