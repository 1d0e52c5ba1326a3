package dev.unideploy.it.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.it.ChildJvm;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.state.JournalEntry;
import dev.unideploy.pipeline.state.StateStore;
import dev.unideploy.pipeline.state.remote.ObjectJournal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What remote state promises, held against one emulator per subclass: concurrent appenders lose
 * nothing, two runs of one app never both proceed, a killed holder's lease runs out and the next
 * run resumes from the journal, a run that loses its lock stops before its next step, and a torn or
 * foreign object is named without anything being lost.
 */
abstract class RemoteStateContractTest {
  static final Duration LEASE = Duration.ofSeconds(8);

  @TempDir Path dir;
  StateBackend backend;

  abstract StateBackend newBackend() throws Exception;

  @BeforeEach
  void setUp() throws Exception {
    backend = newBackend();
  }

  @AfterEach
  void tearDown() throws Exception {
    backend.close();
  }

  private static JournalEntry entry(String step, int n) {
    return new JournalEntry(Instant.now(), step, "append", Map.of("n", n));
  }

  @Test
  void twentyConcurrentAppendersLoseNothingAndAllReadersSeeOneOrder() throws Exception {
    String prefix = StateBackend.uniquePrefix("appenders");
    DeployConfig config = backend.config(dir, "web", prefix, LEASE);
    int writers = 20;
    int each = 5;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    CyclicBarrier start = new CyclicBarrier(writers);
    List<Future<?>> done = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      int writer = w;
      done.add(
          pool.submit(
              () -> {
                // Each writer its own store, client and connections: 20 separate "machines".
                try (StateStore store = backend.open(config)) {
                  var journal = store.journal("web-aws");
                  start.await();
                  for (int i = 0; i < each; i++) {
                    journal.append(entry("w" + writer, i));
                  }
                }
                return null;
              }));
    }
    for (Future<?> f : done) {
      f.get();
    }
    pool.shutdown();

    List<JournalEntry> all;
    List<JournalEntry> again;
    try (StateStore a = backend.open(config);
        StateStore b = backend.open(config)) {
      all = a.journal("web-aws").entries();
      again = b.journal("web-aws").entries();
    }
    assertThat(all).hasSize(writers * each);
    Set<String> seen = new HashSet<>();
    for (JournalEntry e : all) {
      assertThat(seen.add(e.step() + "#" + e.data().get("n"))).as("twice: %s", e).isTrue();
    }
    for (int w = 0; w < writers; w++) {
      String step = "w" + w;
      assertThat(all.stream().filter(e -> e.step().equals(step)).map(e -> e.data().get("n")))
          .as("writer %d's entries in its own order", w)
          .containsExactlyElementsOf(IntStream.range(0, each).boxed().toList());
    }
    assertThat(again).as("a second reader sees the same order").isEqualTo(all);
    assertThat(backend.violations()).isEmpty();
  }

  @Test
  void twoRunsOfOneAppAtOnceOneProceedsTheOtherNamesIt() throws Exception {
    String prefix = StateBackend.uniquePrefix("two-runs");
    Path config = backend.configFile(dir, "web", prefix, LEASE);
    Path control = Files.createDirectories(dir.resolve("control"));
    try (ChildJvm a = run(config, control, "a", false);
        ChildJvm b = run(config, control, "b", false)) {
      // Both started together: exactly one takes the lock.
      ChildJvm winner = null;
      ChildJvm loser = null;
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (winner == null && System.nanoTime() < deadline) {
        if (a.output().contains("LOCKED")) {
          winner = a;
          loser = b;
        } else if (b.output().contains("LOCKED")) {
          winner = b;
          loser = a;
        } else {
          Thread.sleep(20);
        }
      }
      assertThat(winner).as(a.output() + "\n---\n" + b.output()).isNotNull();
      assertThat(loser.await(Duration.ofSeconds(60))).as(loser.output()).isEqualTo(3);
      assertThat(loser.output())
          .contains("REFUSED another unideploy run for app 'web' is in progress")
          .contains("held by pid " + winner.pid() + " on ")
          .contains("--force-unlock")
          .doesNotContain("LOCKED");
      Files.createFile(control.resolve("go-1"));
      Files.createFile(control.resolve("go-2"));
      assertThat(winner.await(Duration.ofSeconds(60))).as(winner.output()).isZero();
      assertThat(winner.output()).contains("RUN step-1", "RUN step-2", "DONE");
    }
    // Released on exit: the next run takes it at once.
    Files.createFile(control.resolve("go-3")); // unused: both steps are done
    try (ChildJvm next = run(config, control, "c", false)) {
      assertThat(next.await(Duration.ofSeconds(60))).as(next.output()).isZero();
      assertThat(next.output()).contains("SKIP step-1", "SKIP step-2", "DONE");
      assertThat(next.output()).doesNotContain("WARN");
    }
    assertThat(backend.violations()).isEmpty();
  }

  @Test
  void aKilledHoldersLeaseRunsOutAndTheNextRunResumesFromTheJournal() throws Exception {
    String prefix = StateBackend.uniquePrefix("kill-9");
    Path config = backend.configFile(dir, "web", prefix, LEASE);
    Path control = Files.createDirectories(dir.resolve("control"));
    long killedPid;
    try (ChildJvm a = run(config, control, "a", false, "4")) {
      assertThat(a.awaitLine("RUN step-1", Duration.ofSeconds(60))).as(a.output()).isTrue();
      Files.createFile(control.resolve("go-1"));
      Files.createFile(control.resolve("go-2"));
      assertThat(a.awaitLine("RUN step-3", Duration.ofSeconds(60))).as(a.output()).isTrue();
      killedPid = a.pid();
      a.kill(); // in step 3: steps 1 and 2 are journaled done, 3 only started
    }
    long killedAt = System.nanoTime();
    // While the dead holder's lease runs, the next run is refused, naming it.
    try (ChildJvm early = run(config, control, "b", false, "4")) {
      assertThat(early.await(Duration.ofSeconds(60))).as(early.output()).isEqualTo(3);
      assertThat(early.output()).contains("held by pid " + killedPid);
    }
    assertThat(Duration.ofNanos(System.nanoTime() - killedAt)).isLessThan(LEASE);
    // Once it has run out, the next run takes the lock over and resumes at step 3.
    Thread.sleep(LEASE.plusSeconds(2).toMillis());
    Files.createFile(control.resolve("go-3"));
    Files.createFile(control.resolve("go-4"));
    try (ChildJvm c = run(config, control, "c", false, "4")) {
      assertThat(c.await(Duration.ofSeconds(60))).as(c.output()).isZero();
      assertThat(c.output())
          .contains("WARN took over the expired lock of pid " + killedPid)
          .contains("SKIP step-1", "SKIP step-2", "RUN step-3", "RUN step-4", "DONE");
    }
    try (StateStore store = backend.open(backend.config(dir, "web", prefix, LEASE))) {
      List<String> log =
          store.journal("web-local").entries().stream()
              .map(e -> e.step() + ":" + e.kind())
              .toList();
      assertThat(log)
          .containsExactly(
              "step-1:started",
              "step-1:done",
              "step-2:started",
              "step-2:done",
              "step-3:started",
              "lock:expired-lock-taken-over",
              "step-3:started",
              "step-3:done",
              "step-4:started",
              "step-4:done");
    }
    assertThat(backend.violations()).isEmpty();
  }

  @Test
  void aRunWhoseLockIsForcedAwayStopsBeforeItsNextStep() throws Exception {
    String prefix = StateBackend.uniquePrefix("forced");
    Path config = backend.configFile(dir, "web", prefix, LEASE);
    Path control = Files.createDirectories(dir.resolve("control"));
    try (ChildJvm a = run(config, control, "a", false, "3")) {
      assertThat(a.awaitLine("RUN step-1", Duration.ofSeconds(60))).as(a.output()).isTrue();
      try (ChildJvm b = run(config, control, "b", true, "3")) {
        assertThat(b.awaitLine("LOCKED", Duration.ofSeconds(60))).as(b.output()).isTrue();
        assertThat(b.output()).contains("WARN forced the lock away from pid " + a.pid());
        // a learns at its next renewal (a third of the lease), then stops at its next record.
        Thread.sleep(LEASE.dividedBy(3).plusSeconds(1).toMillis());
        Files.createFile(control.resolve("go-1"));
        assertThat(a.await(Duration.ofSeconds(60))).as(a.output()).isEqualTo(4);
        assertThat(a.output())
            .contains("LOST this run lost the deploy lock of app 'web'")
            .contains("taken over by pid " + b.pid())
            .doesNotContain("RUN step-2");
        Files.createFile(control.resolve("go-2"));
        Files.createFile(control.resolve("go-3"));
        assertThat(b.await(Duration.ofSeconds(60))).as(b.output()).isZero();
      }
    }
    try (StateStore store = backend.open(backend.config(dir, "web", prefix, LEASE))) {
      List<String> log =
          store.journal("web-local").entries().stream()
              .map(e -> e.step() + ":" + e.kind())
              .toList();
      assertThat(log).containsSubsequence("step-1:started", "lock:forced-unlock", "step-1:started");
      assertThat(log).doesNotContain("step-2:failed").containsOnlyOnce("step-1:done");
    }
    assertThat(backend.violations()).isEmpty();
  }

  @Test
  void aTornOrForeignObjectIsNamedAndNothingIsLost() throws Exception {
    String prefix = StateBackend.uniquePrefix("damaged");
    DeployConfig config = backend.config(dir, "web", prefix, LEASE);
    String folder = prefix + "/journal/web-aws/";
    try (StateStore store = backend.open(config)) {
      ObjectJournal j = (ObjectJournal) store.journal("web-aws");
      j.append(entry("hash", 1));
      j.append(entry("upload", 2));
    }
    // A foreign object in the journal's folder.
    backend.putRaw(folder + "README.txt", "notes".getBytes(StandardCharsets.UTF_8));
    List<String> before = backend.listRaw(prefix + "/");
    try (StateStore store = backend.open(config)) {
      assertThatThrownBy(() -> store.journal("web-aws"))
          .isInstanceOf(UnideployException.class)
          .hasMessageContaining(
              backend.scheme() + "://" + backend.root() + "/" + folder + "README.txt")
          .hasMessageContaining("unideploy did not write")
          .hasMessageContaining("nothing was changed");
    }
    assertThat(backend.listRaw(prefix + "/")).containsExactlyInAnyOrderElementsOf(before);

    // A torn batch: what a copy cut short leaves.
    String other = prefix + "/journal/api-aws/";
    try (StateStore store = backend.open(config)) {
      store.journal("api-aws").append(entry("hash", 1));
    }
    backend.putRaw(
        other + "e-000000000002.json",
        "{\"format\":\"unideploy-journal-batch/1\",\"journal\":\"api-aws\",\"seq\":2,\"bat"
            .getBytes(StandardCharsets.UTF_8));
    List<String> beforeTorn = backend.listRaw(prefix + "/");
    try (StateStore store = backend.open(config)) {
      assertThatThrownBy(() -> store.journal("api-aws"))
          .hasMessageContaining(other + "e-000000000002.json")
          .hasMessageContaining("is not a whole journal batch")
          .hasMessageContaining("nothing was changed");
      // The untouched journal of the same store still reads in full.
      assertThat(store.journal("web-local").entries()).isEmpty();
    }
    assertThat(backend.listRaw(prefix + "/")).containsExactlyInAnyOrderElementsOf(beforeTorn);
    assertThat(backend.violations()).isEmpty();
  }

  private ChildJvm run(Path config, Path control, String name, boolean force, String... steps)
      throws Exception {
    List<String> args = new ArrayList<>();
    args.add(config.toString());
    args.add(steps.length > 0 ? steps[0] : "2");
    args.add(control.toString());
    if (force) {
      args.add("force");
    }
    return ChildJvm.start(
        StateRunMain.class,
        args,
        backend.childEnv(),
        dir.resolve("runner-" + name),
        dir.resolve("runner-" + name + ".log"));
  }
}
