package dev.unideploy.it.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.unideploy.it.ChildJvm;
import dev.unideploy.it.QemuProcesses;
import dev.unideploy.it.guest.HttpGuest;
import dev.unideploy.pipeline.qemu.BootMode;
import dev.unideploy.pipeline.rollout.RolloutJournal;
import dev.unideploy.pipeline.rollout.RolloutRecord;
import dev.unideploy.pipeline.rollout.Step;
import dev.unideploy.pipeline.state.DeploymentLock;
import dev.unideploy.pipeline.state.FileJournal;
import dev.unideploy.pipeline.state.LockOwner;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local provider's stable endpoint, end to end with the HTTP guest under TCG: v1 is deployed,
 * v2 replaces it blue-green while a client sends requests to the endpoint the whole time (none
 * fails), v3 panics and is rolled back by itself (v2 still answers at the same address), {@code
 * unideploy rollback} brings v1 back, and {@code status} and {@code history} tell the story; a
 * deploy killed mid-rollout is finished by the next run while a second one is refused.
 */
class StableEndpointTest {
  @TempDir Path tmp;

  @AfterEach
  void stopAll() throws Exception {
    Cli.run("instances", "stop", "--all", "--home", tmp.resolve("home").toString());
    assertThat(QemuProcesses.mentioning(tmp)).as("QEMU processes left running").isEmpty();
  }

  private Path config() throws IOException {
    Path file = tmp.resolve("unideploy.yaml");
    Files.writeString(
        file,
        String.join(
            "\n",
            "app: web",
            "health:",
            "  serial: \"^READY unideploy-http-guest\"",
            "  http: /",
            "  timeout: 240s",
            "deploy:",
            "  strategy: blue-green",
            "  instances: 1",
            "  ports: [80]",
            "  keepPrevious: 1",
            "providers:",
            "  local:",
            "    accelerator: tcg",
            "    memory: 256",
            ""));
    return file;
  }

  private String[] args(String command, String... more) throws IOException {
    List<String> a =
        new java.util.ArrayList<>(
            List.of(
                command,
                "--provider",
                "local",
                "--config",
                config().toString(),
                "--home",
                tmp.resolve("home").toString(),
                "--state",
                tmp.resolve("state").toString(),
                "--output",
                "json"));
    a.addAll(List.of(more));
    return a.toArray(String[]::new);
  }

  private Cli.Run deploy(String tag, boolean panic, String version) throws Exception {
    return Cli.run(deployArgs(tag, panic, version));
  }

  private String[] deployArgs(String tag, boolean panic, String version) throws Exception {
    Path image = HttpGuest.image(tag, panic, BootMode.BIOS);
    // A copy in the test's folder, so that QemuProcesses finds the guests this test started.
    Path mine = tmp.resolve(tag + ".img");
    Files.copy(image, mine, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    return args("deploy", "--image", mine.toString(), "--version", version, "--no-verify");
  }

  @Test
  void blueGreenAndRollbackAreSeenFromOneAddress() throws Exception {
    Cli.Run v1 = deploy("v1", false, "1");
    assertThat(v1.code()).as(v1.out()).isZero();
    URI endpoint = URI.create(v1.json().at("/endpoint").asText());
    assertThat(endpoint.getHost()).isEqualTo("127.0.0.1");
    assertThat(EndpointClient.get(endpoint)).isEqualTo(HttpGuest.body("v1"));

    // v2, blue-green, while a client keeps asking the endpoint.
    Cli.Run v2;
    EndpointClient client = EndpointClient.start(endpoint);
    try {
      v2 = deploy("v2", false, "2");
    } finally {
      client.close();
    }
    assertThat(v2.code()).as(v2.out()).isZero();
    JsonNode r2 = v2.json();
    assertThat(r2.at("/endpoint").asText()).isEqualTo(endpoint.toString());
    assertThat(r2.at("/previous").asText()).isEqualTo("web-v001");
    assertThat(client.failures()).as("requests that failed during the switch").isEmpty();
    assertThat(client.answers().keySet())
        .as("answers during the switch: " + client.answers())
        .containsExactlyInAnyOrder(HttpGuest.body("v1"), HttpGuest.body("v2"));
    assertThat(EndpointClient.get(endpoint)).isEqualTo(HttpGuest.body("v2"));

    // v3 panics at boot: the gate fails, the rollout rolls back by itself, v2 keeps serving.
    Cli.Run v3 = deploy("v3", true, "3");
    assertThat(v3.code()).as(v3.out()).isEqualTo(1);
    JsonNode r3 = v3.json();
    assertThat(r3.at("/outcome").asText()).isEqualTo("rolled-back");
    assertThat(r3.at("/group").asText()).isEqualTo("web-v003");
    assertThat(r3.at("/reason").asText()).isNotBlank();
    assertThat(EndpointClient.get(endpoint)).isEqualTo(HttpGuest.body("v2"));

    // An explicit rollback puts the kept v1 back behind the same address.
    Cli.Run back = Cli.run(args("rollback"));
    assertThat(back.code()).as(back.out()).isZero();
    assertThat(back.json().at("/group").asText()).isEqualTo("web-v001");
    assertThat(EndpointClient.get(endpoint)).isEqualTo(HttpGuest.body("v1"));

    JsonNode status = Cli.run(args("status")).json();
    assertThat(status.at("/serving").toString()).contains("web-v001").doesNotContain("web-v002");
    assertThat(status.at("/endpoint").asText()).isEqualTo(endpoint.toString());
    assertThat(status.at("/groups").toString()).doesNotContain("web-v003");

    JsonNode history = Cli.run(args("history")).json().at("/rollouts");
    assertThat(history).hasSize(4);
    assertThat(history.at("/0/kind").asText()).isEqualTo("rollback");
    assertThat(history.at("/0/group").asText()).isEqualTo("web-v001");
    assertThat(history.at("/1/version").asText()).isEqualTo("3");
    assertThat(history.at("/1/outcome").asText()).isEqualTo("rolled-back");
    assertThat(history.at("/2/version").asText()).isEqualTo("2");
    assertThat(history.at("/2/outcome").asText()).isEqualTo("deployed");
    assertThat(history.at("/3/version").asText()).isEqualTo("1");
    assertThat(history.at("/3/outcome").asText()).isEqualTo("deployed");
  }

  /**
   * A deploy is killed with SIGKILL while its new group is in the health gate; meanwhile a second
   * deploy of the app is refused naming the first (also with {@code --force-unlock}, which cannot
   * take an OS lock from a live process); the same command again finishes the rollout. The client
   * of the stable endpoint never sees a failure: the balancer is a process of its own (setsid), so
   * it outlives the CLI that started it and keeps forwarding to v1 until v2 takes over.
   */
  @Test
  void aDeployKilledInItsHealthGateIsFinishedByTheNextRunAndNeverRunsTwice() throws Exception {
    Cli.Run v1 = deploy("v1", false, "1");
    assertThat(v1.code()).as(v1.out()).isZero();
    URI endpoint = URI.create(v1.json().at("/endpoint").asText());
    List<String> deployV2 = List.of(deployArgs("v2", false, "2"));
    Path state = tmp.resolve("state");
    Path journal = state.resolve("journal").resolve("web-local.jsonl");

    // The balancer runs in a session of its own (setsid), started by the first deploy: the CLI's
    // death does not reach it, and no later run needs to start another.
    long balancer = balancerPid();
    EndpointClient client = EndpointClient.start(endpoint);
    Cli.Run again;
    try {
      try (ChildJvm first =
          ChildJvm.cli(deployV2, Map.of(), tmp.resolve("jvm-a"), tmp.resolve("a.log"))) {
        // The journal, not a sleep, says when: the new group runs and its gate has begun.
        awaitGateStarted(journal, "2", first);
        // Frozen there (SIGSTOP), it keeps the lock however fast the guest gets healthy.
        signal(first.pid(), "STOP");
        LockOwner holder = DeploymentLock.holder(state, "web").orElseThrow();
        assertThat(holder.pid()).isEqualTo(first.pid());
        JsonNode during = Cli.run(args("status")).json();
        assertThat(during.at("/lock/pid").asLong()).isEqualTo(first.pid());

        try (ChildJvm second =
            ChildJvm.cli(deployV2, Map.of(), tmp.resolve("jvm-b"), tmp.resolve("b.log"))) {
          assertThat(second.await(Duration.ofSeconds(120))).as(second.output()).isEqualTo(1);
          assertThat(second.output())
              .contains("another unideploy run for app 'web' is in progress")
              .contains("held by " + holder.describe())
              .contains("pid " + first.pid() + " on " + holder.host() + " since ");
        }
        List<String> forced = new ArrayList<>(deployV2);
        forced.add("--force-unlock");
        try (ChildJvm third =
            ChildJvm.cli(forced, Map.of(), tmp.resolve("jvm-c"), tmp.resolve("c.log"))) {
          assertThat(third.await(Duration.ofSeconds(120))).as(third.output()).isEqualTo(1);
          assertThat(third.output())
              .contains("held by " + holder.describe())
              .contains("--force-unlock cannot take a local lock from a live process");
        }
        first.kill(); // SIGKILL, delivered to a stopped process too: nothing runs on the way out.
      }
      assertThat(DeploymentLock.holder(state, "web")).as("the kernel released the lock").isEmpty();

      // What the killed run left: v2 started and recorded, not in service; v1 still serves.
      JsonNode left = Cli.run(args("status")).json();
      assertThat(left.at("/unfinished/group").asText()).isEqualTo("web-v002");
      assertThat(left.at("/serving").toString()).contains("web-v001").doesNotContain("web-v002");
      assertThat(qemuPids()).as("QEMU runs only what the records name").isEqualTo(recordedPids());

      again = Cli.run(deployV2.toArray(String[]::new));
    } finally {
      client.close();
    }
    assertThat(again.code()).as(again.out()).isZero();
    JsonNode r = again.json();
    assertThat(r.at("/outcome").asText()).isEqualTo("deployed");
    assertThat(r.at("/group").asText()).isEqualTo("web-v002");
    assertThat(r.at("/endpoint").asText()).isEqualTo(endpoint.toString());

    assertThat(client.failures()).as("requests that failed at any time").isEmpty();
    assertThat(client.answers().keySet())
        .as("answers: " + client.answers())
        .contains(HttpGuest.body("v1"))
        .isSubsetOf(HttpGuest.body("v1"), HttpGuest.body("v2"));
    assertThat(EndpointClient.get(endpoint)).isEqualTo(HttpGuest.body("v2"));
    assertThat(balancerPid()).as("the same balancer process throughout").isEqualTo(balancer);

    // One consistent end: v2 alone serves, v1 is kept at size 0 (keepPrevious 1), nothing else.
    JsonNode status = Cli.run(args("status")).json();
    assertThat(status.at("/unfinished").isMissingNode()).as(status.toString()).isTrue();
    assertThat(status.at("/serving").toString()).isEqualTo("[\"web-v002\"]");
    Map<String, JsonNode> groups = new java.util.TreeMap<>();
    status.at("/groups").forEach(g -> groups.put(g.at("/name").asText(), g));
    assertThat(groups).containsOnlyKeys("web-v001", "web-v002");
    assertThat(groups.get("web-v001").at("/size").asInt()).isZero();
    assertThat(groups.get("web-v001").at("/inService").asBoolean()).isFalse();
    assertThat(groups.get("web-v002").at("/size").asInt()).isEqualTo(1);
    assertThat(RolloutJournal.groupNames(FileJournal.read(journal)))
        .as("groups the journal knows")
        .containsAll(groups.keySet());
    List<Long> qemu = qemuPids();
    assertThat(qemu).as("QEMU runs only what the records name").isEqualTo(recordedPids());
    assertThat(qemu).as("v2's one instance").hasSize(1);
    JsonNode history = Cli.run(args("history")).json().at("/rollouts");
    assertThat(history).as(history.toString()).hasSize(2);
    assertThat(history.at("/0/version").asText()).isEqualTo("2");
    assertThat(history.at("/0/outcome").asText()).isEqualTo("deployed");
  }

  /** Waits until the journal shows the rollout of {@code version} begin its first health gate. */
  private static void awaitGateStarted(Path journal, String version, ChildJvm cli)
      throws Exception {
    long end = System.nanoTime() + Duration.ofSeconds(180).toNanos();
    while (System.nanoTime() - end < 0) {
      for (RolloutRecord r : RolloutJournal.records(FileJournal.read(journal))) {
        List<Step> steps = r.plan().steps();
        if (r.plan().version().equals(version)
            && r.started().stream().anyMatch(i -> steps.get(i).action() == Step.Action.GATE)) {
          assertThat(r.done()).as("killed before the gate passed").hasSize(1);
          return;
        }
      }
      assertThat(cli.alive()).as("the deploy exited early: " + cli.output()).isTrue();
      Thread.sleep(20);
    }
    throw new AssertionError("the rollout's gate did not begin within 180 s: " + cli.output());
  }

  private static void signal(long pid, String signal) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start();
    assertThat(kill.waitFor()).as("kill -" + signal + " " + pid).isZero();
  }

  /** The pid of the app's running load balancer, as the local fleet recorded it. */
  private long balancerPid() throws IOException {
    Path file = tmp.resolve("home").resolve("balancers").resolve("web").resolve("balancer.json");
    long pid =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(file.toFile())
            .at("/pid")
            .asLong();
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive))
        .as("balancer running")
        .contains(true);
    return pid;
  }

  /** The QEMU processes running an image of this test, sorted. */
  private List<Long> qemuPids() throws Exception {
    return QemuProcesses.mentioning(tmp).stream().sorted().toList();
  }

  /** The pids of the instances the local records list as running, sorted. */
  private List<Long> recordedPids() throws Exception {
    JsonNode list =
        Cli.run("instances", "list", "--home", tmp.resolve("home").toString(), "--output", "json")
            .json();
    List<Long> pids = new ArrayList<>();
    list.at("/instances").forEach(i -> pids.add(i.at("/attributes/pid").asLong()));
    return pids.stream().sorted().toList();
  }
}
