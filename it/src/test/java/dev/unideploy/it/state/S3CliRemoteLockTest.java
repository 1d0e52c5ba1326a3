package dev.unideploy.it.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.it.aws.upload.EbsCheckingProxy;
import dev.unideploy.pipeline.config.ConfigLoader;
import dev.unideploy.pipeline.state.JournalEntry;
import dev.unideploy.pipeline.state.StateStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two CI runners sharing {@code state: s3://...}, each {@code java -jar unideploy.jar publish} in
 * its own JVM with its own empty home folder, against moto behind the EBS and precondition checking
 * proxies: two at once → one publishes, the other is refused naming it; a runner killed with
 * SIGKILL mid-upload → the next runner is refused while the dead one's lease runs, then takes the
 * lock over and resumes the same snapshot without re-sending a block the journal recorded.
 */
class CliRemoteLockTest {
  private static final Duration LEASE = Duration.ofSeconds(8);
  private static final int LOCK_REFUSED = 1;

  @TempDir Path dir;
  private EbsCheckingProxy ebs;
  private S3Backend backend;

  @BeforeEach
  void setUp() throws Exception {
    backend =
        new S3Backend(
            proxy -> {
              try {
                ebs = new EbsCheckingProxy(proxy);
                return ebs.endpoint();
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
  }

  @AfterEach
  void tearDown() {
    backend.proxy().releaseBlocks();
    backend.close();
    ebs.close();
  }

  private Path config(String app, String prefix, int concurrency) throws IOException {
    Path file = dir.resolve(app + "-" + prefix + ".yaml");
    Files.writeString(
        file,
        """
        app: %s
        version: "1.0.0"
        state: "%s"
        publish:
          keep: 0
        providers:
          aws:
            region: us-east-1
            endpoint: "%s"
            waits: {available: 60s, copy: 120s, pollInterval: 1s}
            retry: {maxAttempts: 3}
            upload: {concurrency: %d}
        """
            .formatted(app, backend.stateUrl(prefix, LEASE), backend.endpoint(), concurrency));
    return file;
  }

  /** A raw disk of {@code mib} MiB of random data: every 512 KiB EBS block carries data. */
  private Path disk(int mib) throws IOException {
    byte[] bytes = new byte[mib << 20];
    new Random(mib).nextBytes(bytes);
    Path file = dir.resolve("disk-" + mib + ".img");
    Files.write(file, bytes);
    return file;
  }

  private ChildJvm publish(Path config, Path disk, String runner) throws IOException {
    return ChildJvm.cli(
        List.of(
            "publish",
            "--output",
            "json",
            "--provider",
            "aws",
            "--image",
            disk.toString(),
            "--config",
            config.toString(),
            "--no-verify"),
        backend.childEnv(),
        dir.resolve("runner-" + runner),
        dir.resolve("runner-" + runner + ".log"));
  }

  @Test
  void twoRunnersPublishingOneAppAtOnceOneProceedsTheOtherNamesIt() throws Exception {
    String app = StateBackend.uniquePrefix("race");
    Path config = config(app, app, 32);
    Path disk = disk(2);
    // The first upload to start waits here, so whoever won is still publishing when the other
    // asks for the lock, however slowly either JVM starts.
    backend.proxy().holdBlocks();
    try (ChildJvm a = publish(config, disk, "a");
        ChildJvm b = publish(config, disk, "b")) {
      ChildJvm loser = firstToExit(a, b, Duration.ofSeconds(120));
      ChildJvm winner = loser == a ? b : a;
      backend.proxy().releaseBlocks();
      assertThat(loser.await(Duration.ofSeconds(5))).as(loser.output()).isEqualTo(LOCK_REFUSED);
      assertThat(loser.output())
          .contains("another unideploy run for app '" + app + "' is in progress")
          .contains("held by pid " + winner.pid() + " on ")
          .contains(" since ")
          .contains("re-run with --force-unlock");
      assertThat(winner.await(Duration.ofSeconds(180))).as(winner.output()).isZero();
      assertThat(winner.output()).containsPattern("\"imageId\"\\s*:\\s*\"ami-");
    }
    assertThat(backend.violations()).isEmpty();
    assertThat(ebs.violations()).isEmpty();
  }

  @Test
  void aRunnerKilledMidUploadIsTakenOverAfterItsLeaseAndTheUploadResumes() throws Exception {
    String app = StateBackend.uniquePrefix("kill");
    // Two blocks at a time, half a second each: the upload takes about six seconds, and the
    // journal records acknowledged blocks every two.
    Path config = config(app, app, 2);
    Path disk = disk(12);
    PreconditionProxy proxy = backend.proxy();
    proxy.slowBlocks(Duration.ofMillis(500));
    long killedPid;
    try (ChildJvm a = publish(config, disk, "a")) {
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (journaledBlocks(config).isEmpty()) {
        assertThat(System.nanoTime()).as(a.output()).isLessThan(deadline);
        Thread.sleep(50);
      }
      killedPid = a.pid();
      a.kill();
    }
    long killedAt = System.nanoTime();
    BitSet recorded = journaledBlocks(config);
    Set<String> snapshots =
        proxy.blockPuts().stream()
            .map(PreconditionProxy.BlockPut::snapshot)
            .collect(Collectors.toSet());
    assertThat(snapshots).hasSize(1);
    String snapshot = snapshots.iterator().next();
    int sentBefore = proxy.blockPuts().size();
    assertThat(recorded.cardinality()).isLessThan(24); // mid-upload, not after it

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
          .containsPattern("\"imageId\"\\s*:\\s*\"ami-");
    }
    List<PreconditionProxy.BlockPut> resumed =
        proxy.blockPuts().subList(sentBefore, proxy.blockPuts().size());
    assertThat(resumed).isNotEmpty().allMatch(p -> p.snapshot().equals(snapshot));
    for (PreconditionProxy.BlockPut p : resumed) {
      assertThat(recorded.get(p.block()))
          .as("block %d was journaled as acknowledged, yet sent again", p.block())
          .isFalse();
    }
    BitSet all = new BitSet();
    proxy.blockPuts().forEach(p -> all.set(p.block()));
    assertThat(all.cardinality()).as("every block of 12 MiB reached EBS").isEqualTo(24);
    assertThat(backend.violations()).isEmpty();
    assertThat(ebs.violations()).isEmpty();
  }

  /** The EBS blocks the remote journal records as acknowledged, read as another runner would. */
  private BitSet journaledBlocks(Path config) throws IOException {
    var loaded = ConfigLoader.load(config);
    BitSet blocks = new BitSet();
    try (StateStore store = backend.open(loaded)) {
      for (JournalEntry e : store.journal(loaded.app() + "-aws").entries()) {
        if (e.kind().equals("ebs-blocks-acknowledged")) {
          for (String part : ((String) e.data().get("blocks")).split(",")) {
            int dash = part.indexOf('-');
            int from = Integer.parseInt(dash < 0 ? part : part.substring(0, dash));
            int to = dash < 0 ? from : Integer.parseInt(part.substring(dash + 1));
            blocks.set(from, to + 1);
          }
        }
      }
    }
    return blocks;
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
