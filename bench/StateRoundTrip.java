import dev.unideploy.pipeline.config.ConfigLoader;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.state.AppLock;
import dev.unideploy.pipeline.state.Journal;
import dev.unideploy.pipeline.state.JournalEntry;
import dev.unideploy.pipeline.state.LockOwner;
import dev.unideploy.pipeline.state.StateStore;
import dev.unideploy.pipeline.state.StateStores;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;

/**
 * Benchmark harness for bench/state-lock.sh (run as a single-file source program on the CLI's
 * class path): opens the remote state that CONFIG names and times ROUNDS rounds of what a run does
 * around each job: take the app's lock (create-only write), append one journal entry (create-only
 * write of the next batch), release the lock (delete on its version). Prints one line: rounds,
 * median and mean milliseconds per round, after WARMUP untimed rounds.
 *
 * <p>Usage: {@code java -cp 'cli/target/unideploy.jar:cli/target/lib/*' bench/StateRoundTrip.java
 * CONFIG ROUNDS WARMUP}
 */
public final class StateRoundTrip {
  public static void main(String[] args) throws Exception {
    DeployConfig config = ConfigLoader.load(Path.of(args[0]));
    int rounds = Integer.parseInt(args[1]);
    int warmup = Integer.parseInt(args[2]);
    long[] nanos = new long[rounds];
    // Once per run, as JobSession does (it may look the host name up).
    LockOwner me = LockOwner.current(Instant.now());
    try (StateStore store = StateStores.open(config)) {
      Journal journal = store.journal(config.app() + "-bench");
      for (int i = -warmup; i < rounds; i++) {
        long start = System.nanoTime();
        try (AppLock lock = store.lock(config.app(), me, false)) {
          journal.append(new JournalEntry(Instant.now(), "bench", "round", Map.of("i", i)));
        }
        if (i >= 0) {
          nanos[i] = System.nanoTime() - start;
        }
      }
    }
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    System.out.printf(
        "rounds=%d median_ms=%.2f mean_ms=%.2f%n",
        rounds, sorted[rounds / 2] / 1e6, Arrays.stream(nanos).average().orElse(0) / 1e6);
  }
}
