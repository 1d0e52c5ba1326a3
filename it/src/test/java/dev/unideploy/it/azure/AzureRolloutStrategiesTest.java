package dev.unideploy.it.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.unideploy.cli.Main;
import dev.unideploy.it.ChildJvm;
import dev.unideploy.it.QemuProcesses;
import dev.unideploy.it.RolloutJournalFile;
import dev.unideploy.it.guest.HttpGuest;
import dev.unideploy.pipeline.config.ConfigLoader;
import dev.unideploy.pipeline.events.Event;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.job.DeployJob;
import dev.unideploy.pipeline.job.PublishJob;
import dev.unideploy.pipeline.qemu.BootMode;
import dev.unideploy.pipeline.rollout.DeployResult;
import dev.unideploy.provider.azure.AzureProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy --provider azure} at two instances per scale set on the ARM fake: a CLI killed with
 * SIGKILL once its new scale set exists, killed again in that scale set's health gate, and finished
 * by the same command; a canary whose first step serves next to the old release; a panicking canary
 * rolled back at its first step while the old scale set serves at full size; a rolling deploy that
 * never has fewer healthy instances in the backend pool than minHealthy. After each: only scale
 * sets the journal knows, the pool holds exactly the serving release's instances, and no QEMU runs
 * for a deleted instance.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AzureRolloutStrategiesTest {
  private static final String SERVING = "unideploy-http-guest ";

  @TempDir static Path dir;
  private static ArmFake arm;
  private static String rg;
  private static String app;
  private static AzureLoadBalancer lb;
  private static RolloutJournalFile journal;

  /** Every scale set seen, by name: its uniqueId, which names its instances' QEMU folders. */
  private static final Map<String, String> uniqueIds = new ConcurrentHashMap<>();

  @BeforeAll
  static void loadBalancer() throws IOException {
    arm = ArmFake.get();
    rg = arm.newResourceGroup("strategies");
    app = AzurePublish.uniqueApp("st");
    lb = AzureLoadBalancer.create(arm, rg);
    journal = new RolloutJournalFile(dir.resolve("state"), app, "azure");
  }

  @AfterAll
  static void removeScaleSets() {
    if (arm == null) {
      return;
    }
    for (String name : scaleSets().keySet()) {
      arm.send("DELETE", lb.scaleSet(name) + "?api-version=2024-07-01", null);
    }
  }

  private static String group(int n) {
    return app + "-v%03d".formatted(n);
  }

  /** unideploy.yaml for release {@code version}; {@code deploy} is added to the deploy section. */
  private static Path config(String version, String tag, boolean panic, String deploy)
      throws Exception {
    Path file = dir.resolve(tag + "-" + System.nanoTime() + ".yaml");
    Files.writeString(
        file,
        AzurePublish.cliYaml(arm, app, version, rg, 0, lb.fleetYaml())
            + """
            image: %s
            state: %s
            deploy:
              instances: 2
              ports: [80]
              keepPrevious: 1
            %s
            health:
              serial: "READY unideploy-http-guest"
              http: /
              timeout: 4m
            """
                .formatted(
                    HttpGuest.image(tag, panic, BootMode.BIOS),
                    dir.resolve("state"),
                    deploy.indent(2).stripTrailing()));
    return file;
  }

  /** A deploy in this JVM; {@code onStep} sees each rollout step's line before the step runs. */
  private static DeployResult deploy(Path config, Consumer<String> onStep, List<String> steps)
      throws IOException {
    EventSink events =
        (Event e) -> {
          if (e instanceof LogEvent l && l.step().equals("rollout")) {
            steps.add(l.message());
            onStep.accept(l.message());
          }
        };
    // The rollout's gate is what must catch a bad release here, so publish skips its own boot.
    return new DeployJob(
            new AzureProvider(AzurePublish.credential(arm)),
            ConfigLoader.load(config),
            events,
            Clock.systemUTC())
        .run(new PublishJob.Options(null, false, false, false, null));
  }

  private static List<String> cli(Path config) {
    return List.of(
        "deploy",
        "--provider",
        "azure",
        "--config",
        config.toString(),
        "--no-verify",
        "--state",
        dir.resolve("state").toString(),
        "--output",
        "json");
  }

  /** The app's scale sets (tagged by unideploy) and their capacities, as ARM lists them. */
  private static Map<String, Integer> scaleSets() {
    JsonNode list =
        ArmFake.json(
            arm.send(
                "GET",
                arm.groupPath(rg)
                    + "/providers/Microsoft.Compute/virtualMachineScaleSets?api-version=2024-07-01",
                null));
    Map<String, Integer> out = new TreeMap<>();
    for (JsonNode s : list.path("value")) {
      if (app.equals(s.at("/tags/unideploy:app").asText())) {
        out.put(s.path("name").asText(), s.at("/sku/capacity").asInt());
        uniqueIds.put(s.path("name").asText(), s.at("/properties/uniqueId").asText());
      }
    }
    return out;
  }

  /** The instances ARM lists for a scale set ({@code <name>_<id>}); none when it is gone. */
  private static List<String> instances(String name) {
    JsonNode vms = lb.compute(lb.scaleSet(name) + "/virtualMachines");
    List<String> out = new ArrayList<>();
    if (vms != null) {
      vms.path("value").forEach(v -> out.add(v.path("name").asText()));
    }
    return out;
  }

  /**
   * The end state of a finished rollout: every scale set tagged for the app is one the journal
   * knows, with {@code sizes}; the pool holds exactly the serving one's instances, all healthy; and
   * every scale set ever seen runs a QEMU per listed instance and no other.
   */
  private static void consistent(Map<String, Integer> sizes, String serving, String answer)
      throws Exception {
    Map<String, Integer> sets = scaleSets();
    assertThat(sets).isEqualTo(sizes);
    assertThat(journal.groups()).containsAll(sets.keySet());
    List<String> live = instances(serving);
    assertThat(live).hasSize(sizes.get(serving));
    sets.keySet().stream()
        .filter(s -> !s.equals(serving))
        .forEach(s -> assertThat(instances(s)).as(s).isEmpty());
    assertThat(lb.members()).containsExactlyInAnyOrderElementsOf(live);
    assertThat(lb.awaitServed(SERVING + answer)).contains(SERVING + answer);
    for (var e : uniqueIds.entrySet()) {
      int want = sets.containsKey(e.getKey()) ? instances(e.getKey()).size() : 0;
      Path folder = arm.dataDir().resolve("vmss").resolve(e.getValue());
      long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (QemuProcesses.runningQemu(folder).size() != want && System.nanoTime() < end) {
        Thread.sleep(200); // a stopped instance's QEMU gets its ACPI grace period
      }
      assertThat(QemuProcesses.runningQemu(folder))
          .as("QEMUs of %s's instances", e.getKey())
          .hasSize(want);
    }
  }

  @Test
  @Order(1)
  void killedWhileCreatingAndInTheHealthGateTheRolloutIsFinishedByTheSameCommand()
      throws Exception {
    DeployResult v1 = deploy(config("1.0.0", "v1", false, ""), s -> {}, new ArrayList<>());
    assertThat(v1.group()).as(v1.toString()).isEqualTo(group(1));
    Path v2 = config("1.1.0", "v2", false, "");

    // Killed once ARM accepted the new scale set (its instances still booting), ...
    killWhen(v2, () -> journal.started("create", group(2)) && scaleSets().containsKey(group(2)));
    assertThat(journal.started("gate", group(2))).as("killed before the gate").isFalse();
    // ... then by the run that continued it, in the new scale set's health gate.
    killWhen(v2, () -> journal.started("gate", group(2)));
    assertThat(journal.lastOutcome()).isNull();
    assertThat(scaleSets()).containsOnlyKeys(group(1), group(2));

    try (ChildJvm again = child(v2, "finish")) {
      assertThat(again.await(Duration.ofMinutes(4))).as(again.output()).isZero();
      assertThat(again.output()).contains("continuing the rollout of " + group(2));
    }
    assertThat(journal.plans()).as("one rollout of v2, continued twice").hasSize(2);
    assertThat(journal.lastOutcome()).isEqualTo("deployed");
    consistent(Map.of(group(1), 0, group(2), 2), group(2), "v2");
  }

  private static ChildJvm child(Path config, String name) throws IOException {
    return ChildJvm.start(
        Main.class,
        cli(config),
        arm.cliCredentials(),
        dir.resolve("home"),
        dir.resolve(name + "-" + System.nanoTime() + ".log"));
  }

  /** {@code unideploy deploy} in its own JVM, killed with SIGKILL once {@code reached} holds. */
  private static void killWhen(Path config, BooleanSupplier reached) throws Exception {
    try (ChildJvm child = child(config, "killed")) {
      boolean hit = child.killWhen(reached, Duration.ofMinutes(4));
      assertThat(hit).as("killed at the chosen point: %s", child.output()).isTrue();
    }
  }

  @Test
  @Order(2)
  void aCanaryServesNextToTheOldReleaseAtItsFirstStep() throws Exception {
    List<String> steps = new ArrayList<>();
    List<String> atFirstStep = new ArrayList<>();
    DeployResult r =
        deploy(
            config("1.2.0", "v3", false, "strategy: canary\nsteps: [1, 100%]"),
            s -> {
              if (s.equals("resize " + group(3) + " to 2 instance(s)")) {
                atFirstStep.addAll(lb.healthyMembers());
              }
            },
            steps);
    assertThat(r.rolledBack()).as(r.toString()).isFalse();
    assertThat(r.group()).isEqualTo(group(3));
    assertThat(steps)
        .containsSubsequence(
            "create " + group(3) + " with 1 instance(s), not in service",
            "put " + group(3) + " in service",
            "wait until 1 instance(s) of " + group(3) + " are healthy behind the load balancer",
            "resize " + group(3) + " to 2 instance(s)",
            "wait until 2 instance(s) of " + group(3) + " are healthy behind the load balancer",
            "take " + group(2) + " out of service (drained)");
    assertThat(atFirstStep)
        .as("healthy pool members at the canary's first step")
        .containsExactlyInAnyOrder(group(2) + "_0", group(2) + "_1", group(3) + "_0");
    // keepPrevious: 1 keeps v2 at size 0 and destroys v1.
    consistent(Map.of(group(2), 0, group(3), 2), group(3), "v3");
  }

  @Test
  @Order(3)
  void aPanickingCanaryRollsBackAtItsFirstStepAndTheOldReleaseServesAtFullSize() throws Exception {
    List<String> steps = new ArrayList<>();
    DeployResult r =
        deploy(
            config("1.3.0", "v4", true, "strategy: canary\nsteps: [1, 100%]"),
            s -> scaleSets(), // notes v4's uniqueId while it exists
            steps);
    assertThat(r.rolledBack()).as(r.toString()).isTrue();
    assertThat(r.instances()).anySatisfy(i -> assertThat(i.detail()).contains("panic"));
    assertThat(steps).contains("create " + group(4) + " with 1 instance(s), not in service");
    assertThat(steps).noneMatch(s -> s.startsWith("resize " + group(4)));
    assertThat(uniqueIds).containsKey(group(4));
    assertThat(lb.healthyMembers()).containsExactlyInAnyOrder(group(3) + "_0", group(3) + "_1");
    consistent(Map.of(group(2), 0, group(3), 2), group(3), "v3");
  }

  @Test
  @Order(4)
  void aRollingDeployNeverHasFewerHealthyInstancesInServiceThanMinHealthy() throws Exception {
    List<String> steps = new ArrayList<>();
    Map<String, List<String>> healthyBefore = new LinkedHashMap<>();
    DeployResult r =
        deploy(
            config(
                "1.4.0",
                "v5",
                false,
                "strategy: rolling\nmaxSurge: 1\nmaxUnavailable: 0\nminHealthy: 2"),
            s -> healthyBefore.put(steps.size() + ": " + s, lb.healthyMembers()),
            steps);
    healthyBefore.put("end", lb.healthyMembers());
    assertThat(r.rolledBack()).as(r.toString()).isFalse();
    assertThat(steps)
        .containsSubsequence(
            "create " + group(5) + " with 1 instance(s), not in service",
            "put " + group(5) + " in service",
            "resize " + group(3) + " to 1 instance(s)",
            "resize " + group(5) + " to 2 instance(s)",
            "resize " + group(3) + " to 0 instance(s)",
            "take " + group(3) + " out of service (drained)");
    assertThat(healthyBefore)
        .as("healthy instances in the pool before each step")
        .allSatisfy((step, healthy) -> assertThat(healthy).as(step).hasSizeGreaterThanOrEqualTo(2));
    assertThat(healthyBefore.get("end"))
        .containsExactlyInAnyOrder(group(5) + "_0", group(5) + "_1");
    consistent(Map.of(group(3), 0, group(5), 2), group(5), "v5");
  }
}
