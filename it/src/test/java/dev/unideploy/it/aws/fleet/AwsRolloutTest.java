package dev.unideploy.it.aws.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.unideploy.it.ChildJvm;
import dev.unideploy.it.QemuProcesses;
import dev.unideploy.it.aws.AwsCli;
import dev.unideploy.it.guest.HttpGuest;
import dev.unideploy.pipeline.config.ConfigLoader;
import dev.unideploy.pipeline.events.RecordingEventSink;
import dev.unideploy.pipeline.rollout.RolloutJournal;
import dev.unideploy.pipeline.rollout.RolloutRecord;
import dev.unideploy.pipeline.rollout.Step;
import dev.unideploy.pipeline.spi.ConsoleChunk;
import dev.unideploy.pipeline.spi.Fleet;
import dev.unideploy.pipeline.spi.InstanceState;
import dev.unideploy.pipeline.spi.ServerGroup;
import dev.unideploy.pipeline.state.FileJournal;
import dev.unideploy.pipeline.state.LockOwner;
import dev.unideploy.pipeline.state.MemoryJournal;
import dev.unideploy.provider.aws.AwsProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy --provider aws} end to end against moto behind the awsfleet fake, whose instances
 * boot the published HTTP test guest under QEMU, whose target health comes from probing them as the
 * target group's health check says and whose console output is theirs: blue-green from v1 to v2, a
 * v3 that panics at boot rolled back by itself, v4 keeping v2 (keepPrevious: 1) and destroying v1;
 * then the console read incrementally and one instance terminated.
 */
class AwsRolloutTest {
  private static final String APP = "web";

  @TempDir static Path dir;
  private static AwsFleetFake fake;
  private static FleetApp web;

  @BeforeAll
  static void start() throws Exception {
    fake = AwsFleetFake.start(dir.resolve("fake"));
    web = new FleetApp(APP, fake, "127.1", dir);
  }

  @AfterAll
  static void stop() throws Exception {
    if (fake != null) {
      fake.close(); // its QEMUs die with it
    }
  }

  private static Fleet fleet() throws Exception {
    return new AwsProvider()
        .fleet(
            new dev.unideploy.pipeline.spi.ProviderContext(
                ConfigLoader.load(web.config("check")),
                new RecordingEventSink(),
                new MemoryJournal(),
                dir,
                Clock.systemUTC()));
  }

  private static void await(String what, BooleanSupplier done) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!done.getAsBoolean()) {
      assertThat(System.nanoTime() - end).as("timed out waiting for " + what).isNegative();
      Thread.sleep(500);
    }
  }

  @Test
  void blueGreenRollbackKeepPreviousConsoleAndTerminate() throws Exception {
    AwsCli.Run v1 = web.deploy("v1", false);
    assertThat(v1.exit()).as(v1.stdout() + v1.stderr() + fake.log()).isZero();
    assertThat(v1.json().path("group").asText()).isEqualTo("web-v001");
    List<String> v1Instances = web.groupInstances("web-v001");
    assertThat(v1Instances).hasSize(2);
    assertThat(web.answers("web-v001")).containsOnly(HttpGuest.body("v1")).hasSize(2);
    // attach returned only once the load balancer found the new targets healthy.
    assertThat(web.targets()).containsOnlyKeys(v1Instances);
    assertThat(web.targets().values()).containsOnly("healthy");

    AwsCli.Run v2 = web.deploy("v2", false);
    assertThat(v2.exit()).as(v2.stdout() + v2.stderr() + fake.log()).isZero();
    assertThat(v2.json().path("group").asText()).isEqualTo("web-v002");
    assertThat(v2.json().path("previous").asText()).isEqualTo("web-v001");
    assertThat(web.groups()).containsEntry("web-v001", 0).containsEntry("web-v002", 2);
    List<String> v2Instances = web.groupInstances("web-v002");
    // The detach waited for v1's targets to drain; they are gone from the target group now.
    assertThat(web.targets()).containsOnlyKeys(v2Instances);
    assertThat(web.targets().values()).containsOnly("healthy");
    assertThat(web.answers("web-v002")).containsOnly(HttpGuest.body("v2")).hasSize(2);
    assertThat(web.groupInstances("web-v001")).as("kept at size 0").isEmpty();

    AwsCli.Run v3 = web.deploy("v3", true);
    assertThat(v3.exit()).as(v3.stdout() + v3.stderr()).isEqualTo(1);
    // The report names the failing instances and the panic their console showed.
    assertThat(v3.stderr()).contains("web-v003").containsIgnoringCase("panic");
    assertThat(web.groups())
        .as("v3 destroyed, v2 serving, v1 kept")
        .containsExactly(Map.entry("web-v001", 0), Map.entry("web-v002", 2));
    assertThat(web.templateVersions()).containsExactly("web-v001", "web-v002");
    assertThat(web.targets()).containsOnlyKeys(v2Instances);
    assertThat(web.targets().values()).containsOnly("healthy");
    assertThat(web.answers("web-v002")).containsOnly(HttpGuest.body("v2"));

    AwsCli.Run v4 = web.deploy("v4", false);
    assertThat(v4.exit()).as(v4.stdout() + v4.stderr() + fake.log()).isZero();
    String v4Group = v4.json().path("group").asText();
    assertThat(v4.json().path("previous").asText()).isEqualTo("web-v002");
    assertThat(web.groups())
        .as("v2 kept at 0 (keepPrevious: 1), v1 destroyed")
        .containsExactly(Map.entry("web-v002", 0), Map.entry(v4Group, 2));
    assertThat(web.templateVersions()).containsExactly("web-v002", v4Group);
    assertThat(web.answers(v4Group)).containsOnly(HttpGuest.body("v4"));

    Fleet fleet = fleet();
    ServerGroup live =
        fleet.serverGroups(APP).stream().filter(ServerGroup::inService).findFirst().orElseThrow();
    assertThat(live.name()).isEqualTo(v4Group);
    List<InstanceState> states = fleet.instances(live);
    assertThat(states)
        .extracting(InstanceState::traffic)
        .containsOnly(InstanceState.Traffic.HEALTHY);
    String first = states.get(0).id();
    ConsoleChunk all = fleet.console(live, first, 0);
    assertThat(all.text()).contains("READY unideploy-http-guest v4");
    ConsoleChunk rest = fleet.console(live, first, all.next());
    assertThat(rest.next()).isGreaterThanOrEqualTo(all.next());
    assertThat(rest.text()).doesNotContain("READY unideploy-http-guest");

    String survivor = states.get(1).id();
    String goneIp = web.privateIp(first);
    fleet.terminate(live, first);
    assertThat(web.groups()).containsEntry(v4Group, 1);
    // Auto Scaling deregisters what it terminates: the load balancer no longer lists it.
    assertThat(web.targets()).containsOnlyKeys(survivor);
    await("the terminated instance's QEMU to stop", () -> !answersAt(goneIp));
    assertThat(HttpGuest.answer(web.privateIp(survivor))).isEqualTo(HttpGuest.body("v4"));
    assertThat(fleet.instances(live)).extracting(InstanceState::id).containsExactly(survivor);
  }

  private static boolean answersAt(String ip) {
    try {
      HttpGuest.answer(ip);
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  /**
   * The CLI as a user runs it, in a JVM of its own, killed (SIGKILL) twice in the middle of a
   * blue-green rollout at points the journal shows: in the new group's health gate (where a second
   * deploy of the app is refused, naming the first), and just after the new group went in service
   * beside the old one. The same command again finishes the rollout; then nothing in moto is
   * unknown to the journal and no QEMU of the fake outlives its instance.
   */
  @Test
  void killedMidRolloutTheSameCommandFinishesItAndLeavesNothingUnknown() throws Exception {
    FleetApp shop = new FleetApp("shop", fake, "127.2", dir);
    AwsCli.Run v1 = shop.deploy("v1", false);
    assertThat(v1.exit()).as(v1.stdout() + v1.stderr() + fake.log()).isZero();
    List<String> v1Instances = shop.groupInstances("shop-v001");
    assertThat(v1Instances).hasSize(2);

    try (ChildJvm child = shop.deployInChild("v2", "gate")) {
      assertThat(child.reaches(() -> reached(shop, Step.Action.GATE, false), TIMEOUT))
          .as("the child reached the health gate of shop-v002: %s", child.output())
          .isTrue();
      AwsCli.Run second = shop.deploy("v2", false);
      assertThat(second.exit()).as(second.stderr()).isNotZero();
      assertThat(second.stderr())
          .contains("another unideploy run for app 'shop' is in progress")
          .contains("pid " + child.pid() + " on " + LockOwner.current(Instant.now()).host())
          .containsPattern("since \\d{4}-\\d\\d-\\d\\dT");
      assertThat(shop.status().path("lock").path("pid").asLong())
          .as("status names the holder too")
          .isEqualTo(child.pid());
      child.kill();
    }
    RolloutRecord killed = shop.unfinished().orElseThrow();
    assertThat(killed.plan().target()).isEqualTo("shop-v002");
    assertThat(killed.done())
        .as("killed before the new group was attached")
        .doesNotContain(index(killed, Step.Action.ATTACH));
    assertThat(shop.groups()).containsOnlyKeys("shop-v001", "shop-v002");

    try (ChildJvm child = shop.deployInChild("v2", "attached")) {
      assertThat(child.reaches(() -> reached(shop, Step.Action.ATTACH, true), TIMEOUT))
          .as("the child put shop-v002 in service: %s", child.output())
          .isTrue();
      child.kill();
    }
    // Both releases are in the target group now; only the journal says which one is on its way in.
    assertThat(shop.targets()).containsKeys(v1Instances.toArray(String[]::new)).hasSize(4);
    assertThat(shop.unfinished()).map(r -> r.plan().id()).contains(killed.plan().id());

    AwsCli.Run finished = shop.deploy("v2", false);
    assertThat(finished.exit()).as(finished.stdout() + finished.stderr() + fake.log()).isZero();
    assertThat(finished.json().path("group").asText()).isEqualTo("shop-v002");
    assertThat(finished.stderr()).contains("continuing the rollout of shop-v002");
    List<RolloutRecord> rollouts = shop.rollouts();
    assertThat(rollouts).as("the killed runs started no rollout of their own").hasSize(2);
    assertThat(rollouts).allMatch(RolloutRecord::finished);
    assertThat(shop.groups()).containsExactly(Map.entry("shop-v001", 0), Map.entry("shop-v002", 2));
    assertThat(shop.templateVersions()).containsExactly("shop-v001", "shop-v002");
    List<String> v2Instances = shop.groupInstances("shop-v002");
    assertThat(shop.targets()).containsOnlyKeys(v2Instances);
    assertThat(shop.targets().values()).containsOnly("healthy");
    assertThat(shop.answers("shop-v002")).containsOnly(HttpGuest.body("v2")).hasSize(2);

    JsonNode status = shop.status();
    assertThat(status.path("serving")).extracting(JsonNode::asText).containsExactly("shop-v002");
    assertThat(status.has("unfinished")).isFalse();
    assertThat(status.has("lock")).isFalse();
    Set<String> statusGroups = new TreeSet<>();
    status.path("groups").forEach(g -> statusGroups.add(g.path("name").asText()));
    assertThat(statusGroups).containsExactly("shop-v001", "shop-v002");

    MotoInventory moto = MotoInventory.of(fake.endpoint());
    Set<String> known = new TreeSet<>();
    for (Path journal : journals()) {
      known.addAll(RolloutJournal.groupNames(FileJournal.read(journal)));
    }
    assertThat(moto.groups().keySet())
        .as("every Auto Scaling group is one a journal planned")
        .isSubsetOf(known);
    assertThat(moto.groups().values())
        .filteredOn(g -> "shop".equals(g.tags().get("unideploy:app")))
        .extracting(MotoInventory.Group::name)
        .containsExactlyInAnyOrderElementsOf(statusGroups);
    for (MotoInventory.TemplateVersion v : moto.templateVersions()) {
      MotoInventory.Group user = moto.groups().get(v.description());
      assertThat(user).as("the group launch template version %s was made for", v).isNotNull();
      assertThat(user.tags())
          .as("%s launches from it", user.name())
          .containsEntry("unideploy:launch-template-version", Long.toString(v.number()));
    }
    for (Map.Entry<String, Set<String>> tg : moto.targets().entrySet()) {
      Set<String> members = new TreeSet<>();
      moto.groups().values().stream()
          .filter(g -> g.targetGroups().contains(tg.getKey()))
          .forEach(g -> members.addAll(g.instances()));
      assertThat(tg.getValue())
          .as("targets of %s are instances of the groups attached to it", tg.getKey())
          .isEqualTo(members);
    }
    assertThat(moto.targets()).containsEntry(shop.net().targetGroup(), new TreeSet<>(v2Instances));
    Set<String> members = new TreeSet<>();
    moto.groups().values().forEach(g -> members.addAll(g.instances()));
    assertThat(moto.instances().keySet()).as("every instance is a group's").isEqualTo(members);
    List<String> tagged = new ArrayList<>();
    for (MotoInventory.Instance i : moto.instances().values()) {
      if ("true".equals(i.tags().get("unideploy:managed"))) {
        tagged.add(i.id());
        assertThat(moto.groups())
            .as("the group %s's tags name", i.id())
            .containsKey(i.tags().get("unideploy:group"));
        assertThat(moto.groups().get(i.tags().get("unideploy:group")).instances()).contains(i.id());
      }
    }
    assertThat(tagged).containsAll(v2Instances).doesNotContainAnyElementsOf(v1Instances);

    Set<String> running = new TreeSet<>();
    moto.instances().values().stream()
        .filter(i -> i.state().equals("running") || i.state().equals("pending"))
        .forEach(i -> running.add(i.id()));
    await(
        "the fake to stop the QEMUs of terminated instances",
        () -> running.containsAll(qemuInstances()));
    assertThat(qemuInstances()).containsAll(v2Instances).doesNotContainAnyElementsOf(v1Instances);
  }

  private static final Duration TIMEOUT = Duration.ofMinutes(3);
  private static final Pattern QEMU_INSTANCE = Pattern.compile("/instances/(i-[0-9a-f]+)/");

  /** The index of the first step of {@code action} on the rollout's new group. */
  private static int index(RolloutRecord r, Step.Action action) {
    List<Step> steps = r.plan().steps();
    for (int i = 0; i < steps.size(); i++) {
      if (steps.get(i).action() == action && r.plan().target().equals(steps.get(i).group())) {
        return i;
      }
    }
    throw new AssertionError("the plan has no " + action + " of " + r.plan().target());
  }

  /** Whether the unfinished rollout's first {@code action} step began ({@code done}: finished). */
  private static boolean reached(FleetApp app, Step.Action action, boolean done) {
    return app.unfinished()
        .map(r -> (done ? r.done() : r.started()).contains(index(r, action)))
        .orElse(false);
  }

  private static List<Path> journals() throws IOException {
    try (var files = Files.list(dir.resolve("state").resolve("journal"))) {
      return files.filter(f -> f.toString().endsWith(".jsonl")).toList();
    }
  }

  /** The instances whose QEMU the fake runs (its workdir is on QEMU's command line). */
  private static Set<String> qemuInstances() {
    Set<String> out = new TreeSet<>();
    try {
      for (String cmd : QemuProcesses.commandLines(dir.resolve("fake")).values()) {
        Matcher m = QEMU_INSTANCE.matcher(cmd);
        if (m.find()) {
          out.add(m.group(1));
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out;
  }
}
