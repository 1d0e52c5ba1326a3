package dev.unideploy.it.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.it.ChildJvm;
import dev.unideploy.pipeline.config.ConfigLoader;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.state.JournalEntry;
import dev.unideploy.pipeline.state.StateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two CI runners sharing a remote {@code state:}, each {@code java -jar unideploy.jar publish} in
 * its own JVM with its own empty home folder, against an emulator behind a {@link
 * PreconditionProxy} that logs (and paces) the upload units the store acknowledged: two at once →
 * one publishes, the other is refused naming it; a runner killed with SIGKILL mid-upload → the next
 * runner is refused while the dead one's lease runs, then takes the lock over and resumes the same
 * upload without re-sending a unit the journal recorded. One subclass per store and provider.
 */
abstract class CliRemoteLockTest {
  static final Duration LEASE = Duration.ofSeconds(8);
  private static final int LOCK_REFUSED = 1;

  @TempDir Path dir;

  /** The provider that publishes ({@code aws}, {@code azure}). */
  abstract String provider();

  /** The store holding the state, with the proxy that sees the upload. */
  abstract StateBackend backend();

  /** The {@code providers:} section (indented by two) that uploads {@code concurrency} at once. */
  abstract String providersYaml(int concurrency);

  /** The environment a runner has (credentials, connection strings): the store's, by default. */
  Map<String, String> runnerEnv() {
    return backend().childEnv();
  }

  /** A disk whose upload takes {@code units} upload units, each carrying data. */
  abstract Path disk(Path dir, int units) throws IOException;

  /** The journal kind recording acknowledged units, and the units one entry records. */
  abstract String acknowledgedKind();

  abstract void addAcknowledged(JournalEntry e, BitSet units);

  /** What a published image id looks like in the JSON result. */
  abstract String imageIdPattern();

  /** Units in the disk the kill test uploads: enough that the journal records some mid-upload. */
  int killUnits() {
    return 24;
  }

  /** How long the proxy holds each unit in the kill test: the upload takes several seconds. */
  Duration slowUnit() {
    return Duration.ofMillis(500);
  }

  private Path config(String app, int concurrency) throws IOException {
    Path file = dir.resolve(app + ".yaml");
    Files.writeString(
        file,
        "app: %s\nversion: \"1.0.0\"\nstate: \"%s\"\npublish:\n  keep: 0\nproviders:\n%s"
            .formatted(app, backend().stateUrl(app, LEASE), providersYaml(concurrency)));
    return file;
  }

  private ChildJvm publish(Path config, Path disk, String runner) throws IOException {
    return ChildJvm.cli(
        List.of(
            "publish",
            "--output",
            "json",
            "--provider",
            provider(),
            "--image",
            disk.toString(),
            "--config",
            config.toString(),
            "--no-verify"),
        runnerEnv(),
        dir.resolve("runner-" + runner),
        dir.resolve("runner-" + runner + ".log"));
  }

  @Test
  void twoRunnersPublishingOneAppAtOnceOneProceedsTheOtherNamesIt() throws Exception {
    String app = StateBackend.uniquePrefix("race");
    Path config = config(app, 32);
    Path disk = disk(dir, 4);
    // The first upload to start waits here, so whoever won is still publishing when the other
    // asks for the lock, however slowly either JVM starts.
    backend().proxy().holdBlocks();
    try (ChildJvm a = publish(config, disk, "a");
        ChildJvm b = publish(config, disk, "b")) {
      ChildJvm loser = firstToExit(a, b, Duration.ofSeconds(120));
      ChildJvm winner = loser == a ? b : a;
      backend().proxy().releaseBlocks();
      assertThat(loser.await(Duration.ofSeconds(5))).as(loser.output()).isEqualTo(LOCK_REFUSED);
      assertThat(loser.output())
          .contains("another unideploy run for app '" + app + "' is in progress")
          .contains("held by pid " + winner.pid() + " on ")
          .contains(" since ")
          .contains("re-run with --force-unlock");
      assertThat(winner.await(Duration.ofSeconds(180))).as(winner.output()).isZero();
      assertThat(winner.output()).containsPattern(imageIdPattern());
    } finally {
      backend().proxy().releaseBlocks();
    }
    assertThat(backend().violations()).isEmpty();
  }

  @Test
  void aRunnerKilledMidUploadIsTakenOverAfterItsLeaseAndTheUploadResumes() throws Exception {
    String app = StateBackend.uniquePrefix("kill");
    // Two units at a time, each held by the proxy: the upload takes several seconds, and the
    // journal records acknowledged units in batches while it runs.
    int units = killUnits();
    Path config = config(app, 2);
    Path disk = disk(dir, units);
    PreconditionProxy proxy = backend().proxy();
    proxy.slowBlocks(slowUnit());
    long killedPid;
    try (ChildJvm a = publish(config, disk, "a")) {
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (journaledUnits(config).isEmpty()) {
        assertThat(System.nanoTime()).as(a.output()).isLessThan(deadline);
        Thread.sleep(50);
      }
      killedPid = a.pid();
      a.kill();
    }
    long killedAt = System.nanoTime();
    BitSet recorded = journaledUnits(config);
    Set<String> targets =
        proxy.blockPuts().stream()
            .map(PreconditionProxy.BlockPut::snapshot)
            .collect(Collectors.toSet());
    assertThat(targets).hasSize(1);
    String target = targets.iterator().next();
    int sentBefore = proxy.blockPuts().size();
    assertThat(recorded.cardinality()).isLessThan(units); // mid-upload, not after it

    // While the dead runner's lease runs, a fresh runner is refused, naming it.
    try (ChildJvm early = publish(config, disk, "b")) {
      assertThat(early.await(Duration.ofSeconds(60))).as(early.output()).isEqualTo(LOCK_REFUSED);
      assertThat(early.output()).contains("held by pid " + killedPid + " on ");
    }
    assertThat(Duration.ofNanos(System.nanoTime() - killedAt)).isLessThan(LEASE);

    // Once it has run out, another fresh runner takes the lock over and resumes the upload.
    Thread.sleep(LEASE.plusSeconds(2).toMillis());
    proxy.slowBlocks(Duration.ZERO);
    try (ChildJvm c = publish(config, disk, "c")) {
      assertThat(c.await(Duration.ofSeconds(180))).as(c.output()).isZero();
      assertThat(c.output())
          .contains("took over the expired lock of pid " + killedPid)
          .containsPattern(imageIdPattern());
    }
    List<PreconditionProxy.BlockPut> resumed =
        proxy.blockPuts().subList(sentBefore, proxy.blockPuts().size());
    assertThat(resumed).isNotEmpty().allMatch(p -> p.snapshot().equals(target));
    for (PreconditionProxy.BlockPut p : resumed) {
      assertThat(recorded.get(p.block()))
          .as("unit %d was journaled as acknowledged, yet sent again", p.block())
          .isFalse();
    }
    BitSet all = new BitSet();
    proxy.blockPuts().forEach(p -> all.set(p.block()));
    assertThat(all.get(0, units).cardinality()).as("every unit reached the store").isEqualTo(units);
    assertThat(backend().violations()).isEmpty();
  }

  /** A disk of {@code units} units of {@code unitBytes} random (incompressible) bytes each. */
  static Path randomDisk(Path dir, int units, int unitBytes) throws IOException {
    byte[] bytes = new byte[units * unitBytes];
    new Random(units).nextBytes(bytes);
    return Files.write(dir.resolve("disk-" + units + ".img"), bytes);
  }

  /** The units the remote journal records as acknowledged, read as another runner would. */
  private BitSet journaledUnits(Path config) throws IOException {
    DeployConfig loaded = ConfigLoader.load(config);
    BitSet units = new BitSet();
    try (StateStore store = backend().open(loaded)) {
      for (JournalEntry e : store.journal(loaded.app() + "-" + provider()).entries()) {
        if (e.kind().equals(acknowledgedKind())) {
          addAcknowledged(e, units);
        }
      }
    }
    return units;
  }

  private static ChildJvm firstToExit(ChildJvm a, ChildJvm b, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!a.alive()) {
        return a;
      }
      if (!b.alive()) {
        return b;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("neither run finished:\n" + a.output() + "\n---\n" + b.output());
  }
}
