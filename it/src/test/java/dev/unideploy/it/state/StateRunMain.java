package dev.unideploy.it.state;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.ConfigLoader;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.job.JobSession;
import dev.unideploy.pipeline.publish.StepRunner;
import dev.unideploy.pipeline.spi.Providers;
import dev.unideploy.pipeline.state.Journal;
import dev.unideploy.pipeline.state.LockLostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/**
 * A deploy-shaped run in its own JVM, so that tests can run two at once and kill one with SIGKILL:
 * it opens a {@link JobSession} (the app's lock and journal, as publish and deploy do), then runs
 * {@code steps} steps through a {@link StepRunner}, skipping those the journal records as done (how
 * a re-run resumes). Step {@code i} waits until the file {@code go-i} appears in the control
 * folder, so the test decides when each step ends. {@code StateRunMain <config> <steps> <control>
 * [force]}. Prints {@code LOCKED}, {@code WARN ...}, {@code SKIP step-i}, {@code RUN step-i},
 * {@code DONE}, or {@code REFUSED ...} (exit 3) / {@code LOST ...} (exit 4).
 */
public final class StateRunMain {
  private StateRunMain() {}

  public static void main(String[] args) throws Exception {
    DeployConfig config = ConfigLoader.load(Path.of(args[0]));
    int steps = Integer.parseInt(args[1]);
    Path control = Path.of(args[2]);
    boolean force = args.length > 3 && args[3].equals("force");
    EventSink events =
        e -> {
          if (e instanceof LogEvent l && l.level() == LogEvent.Level.WARN) {
            say("WARN " + l.message());
          }
        };
    JobSession session;
    try {
      session = JobSession.open(Providers.named("local"), config, events, Clock.systemUTC(), force);
    } catch (UnideployException e) {
      say("REFUSED " + e.getMessage());
      System.exit(3);
      return;
    }
    try (session) {
      say("LOCKED pid=" + ProcessHandle.current().pid());
      Journal journal = session.context().journal();
      StepRunner runner = new StepRunner(events, journal, Clock.systemUTC());
      for (int i = 1; i <= steps; i++) {
        String step = "step-" + i;
        if (journal.last(step, "done").isPresent()) {
          say("SKIP " + step);
          continue;
        }
        Path go = control.resolve("go-" + i);
        runner.run(
            step,
            "running " + step,
            () -> {
              say("RUN " + step);
              awaitFile(go);
              return null;
            });
      }
      say("DONE");
    } catch (LockLostException e) {
      say("LOST " + e.getMessage());
      System.exit(4);
    }
  }

  private static void awaitFile(Path file) {
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (!Files.exists(file)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("nobody created " + file);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  private static synchronized void say(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
