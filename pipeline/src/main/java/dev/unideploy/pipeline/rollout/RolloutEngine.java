package dev.unideploy.pipeline.rollout;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.spi.Fleet;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Runs a {@link RolloutPlan} as a journaled state machine: each step is journaled before and after
 * it runs, so a re-run after a crash at any point knows where it was ({@link #resume}). A step that
 * fails before the plan's COMMIT (a failed gate, the deadline, Ctrl-C, a provider error) rolls the
 * rollout back: the groups that served are restored and in service before the new ones leave, so
 * the app is never without a healthy group in service. After the COMMIT only clean-up remains; a
 * failure there is reported and finished by the next run.
 */
public final class RolloutEngine {
  private static final int ROLLBACK_ATTEMPTS = 3;

  private final Fleet fleet;
  private final HealthGate gate;
  private final RolloutJournal journal;
  private final EventSink events;
  private final RolloutClock clock;
  private final Cancellation cancellation;
  private final Runnable ownershipCheck;

  /**
   * @param ownershipCheck throws when this process no longer holds the app's lock (a remote lock
   *     can expire or be forced); run before every step
   */
  public RolloutEngine(
      Fleet fleet,
      HealthGate gate,
      RolloutJournal journal,
      EventSink events,
      RolloutClock clock,
      Cancellation cancellation,
      Runnable ownershipCheck) {
    this.fleet = fleet;
    this.gate = gate;
    this.journal = journal;
    this.events = events;
    this.clock = clock;
    this.cancellation = cancellation;
    this.ownershipCheck = ownershipCheck;
  }

  /** Journals and runs a new plan; {@code deadline} bounds everything before the COMMIT. */
  public Outcome run(RolloutPlan plan, Duration deadline) {
    journal.begin(plan);
    events.emit(
        LogEvent.info(
            "rollout",
            plan.kind().name().toLowerCase(java.util.Locale.ROOT)
                + " "
                + plan.target()
                + " ("
                + plan.strategy().cliName()
                + "): "
                + plan.steps().size()
                + " steps"));
    return forward(plan, Set.of(), new HashSet<>(), deadline);
  }

  /**
   * Finishes a rollout an earlier run left unfinished: a rollback in progress is completed; a
   * committed rollout finishes its clean-up; otherwise it continues when {@code continueForward}
   * (the same release is being deployed again) and is rolled back when not.
   */
  public Outcome resume(RolloutRecord record, boolean continueForward, Duration deadline) {
    RolloutPlan plan = record.plan();
    if (record.rollingBack()) {
      events.emit(
          LogEvent.warn(
              "rollout",
              "finishing the rollback of "
                  + plan.target()
                  + " that an earlier run began ("
                  + record.failure()
                  + ")"));
      executeRollback(plan, record.rollbackSteps(), record.rollbackDone());
      journal.end(plan.id(), Outcome.Status.ROLLED_BACK, record.failure());
      return new Outcome(plan, Outcome.Status.ROLLED_BACK, record.failure(), List.of());
    }
    boolean failedBefore = record.failure() != null;
    if (record.committed() || (continueForward && !failedBefore)) {
      events.emit(
          LogEvent.warn(
              "rollout",
              "continuing the rollout of "
                  + plan.target()
                  + " that an earlier run left unfinished ("
                  + record.done().size()
                  + " of "
                  + plan.steps().size()
                  + " steps done)"));
      return forward(plan, record.done(), new HashSet<>(record.started()), deadline);
    }
    String why =
        failedBefore
            ? record.failure()
            : "an earlier run was interrupted before " + plan.target() + " was committed";
    events.emit(LogEvent.warn("rollout", "rolling back " + plan.target() + ": " + why));
    return rollBack(plan, record.started(), why, List.of());
  }

  private Outcome forward(
      RolloutPlan plan, Set<Integer> done, Set<Integer> started, Duration deadline) {
    long deadlineNanos = clock.nanoTime() + deadline.toNanos();
    StepExecutor exec = new StepExecutor(fleet, plan);
    List<InstanceReport> lastTargetReports = List.of();
    int commit = plan.commitIndex();
    for (int i = 0; i < plan.steps().size(); i++) {
      if (done.contains(i)) {
        continue;
      }
      Step step = plan.steps().get(i);
      ownershipCheck.run();
      try {
        if (i < commit) {
          if (cancellation.requested()) {
            throw new UnideployException(cancellation.reason());
          }
          if (clock.nanoTime() - deadlineNanos >= 0) {
            throw new UnideployException(
                "the rollout passed its deadline of "
                    + deadline.toMinutes()
                    + " min (deploy.timeout)");
          }
        } else if (cancellation.requested()) {
          throw new UnideployException(
              cancellation.reason()
                  + " after "
                  + plan.target()
                  + " was committed: it serves; re-run to finish the clean-up");
        }
      } catch (UnideployException e) {
        if (i >= commit) {
          throw e;
        }
        return rollBack(plan, started, e.getMessage(), List.of());
      }
      events.emit(LogEvent.info("rollout", step.describe()));
      started.add(i);
      journal.step(plan.id(), false, i, RolloutJournal.STARTED, null);
      List<InstanceReport> reports;
      try {
        reports = exec.run(step, gate, i < commit ? deadlineNanos : Long.MAX_VALUE);
      } catch (RuntimeException e) {
        String why = message(e);
        journal.step(plan.id(), false, i, RolloutJournal.FAILED, why);
        if (i >= commit) {
          throw new UnideployException(
              plan.target()
                  + " is deployed and serves, but a clean-up step failed ("
                  + step.describe()
                  + ": "
                  + why
                  + "): re-run the same command to finish it",
              e);
        }
        List<InstanceReport> failed = e instanceof RolloutFailure f ? f.instances() : List.of();
        return rollBack(plan, started, why, failed);
      }
      journal.step(plan.id(), false, i, RolloutJournal.DONE, null);
      if (step.group() != null && step.group().equals(plan.target()) && !reports.isEmpty()) {
        lastTargetReports = reports;
      }
    }
    journal.end(plan.id(), Outcome.Status.DEPLOYED, null);
    events.emit(
        LogEvent.info("rollout", plan.target() + " serves " + plan.app() + " " + plan.version()));
    return new Outcome(plan, Outcome.Status.DEPLOYED, null, lastTargetReports);
  }

  private Outcome rollBack(
      RolloutPlan plan, Set<Integer> started, String reason, List<InstanceReport> failed) {
    List<Step> steps = RollbackPlanner.plan(plan, started);
    events.emit(
        LogEvent.warn(
            "rollback",
            "rolling back "
                + plan.target()
                + " ("
                + reason
                + ")"
                + (plan.previous().isEmpty()
                    ? ""
                    : "; " + String.join(", ", plan.previous()) + " keeps serving")));
    journal.rollback(plan.id(), reason, steps);
    executeRollback(plan, steps, Set.of());
    journal.end(plan.id(), Outcome.Status.ROLLED_BACK, reason);
    return new Outcome(plan, Outcome.Status.ROLLED_BACK, reason, failed);
  }

  private void executeRollback(RolloutPlan plan, List<Step> steps, Set<Integer> done) {
    // Ctrl-C asked for this rollback: it must not cut it short.
    HealthGate patient = gate.withCancellation(new Cancellation());
    StepExecutor exec = new StepExecutor(fleet, plan);
    for (int i = 0; i < steps.size(); i++) {
      if (done.contains(i)) {
        continue;
      }
      Step step = steps.get(i);
      ownershipCheck.run();
      events.emit(LogEvent.info("rollback", step.describe()));
      journal.step(plan.id(), true, i, RolloutJournal.STARTED, null);
      RuntimeException last = null;
      for (int attempt = 1; attempt <= ROLLBACK_ATTEMPTS; attempt++) {
        try {
          exec.run(step, patient, Long.MAX_VALUE);
          last = null;
          break;
        } catch (RolloutFailure e) {
          last = e; // A gate's verdict: trying again would only wait as long again.
          break;
        } catch (RuntimeException e) {
          last = e;
          if (attempt < ROLLBACK_ATTEMPTS) {
            events.emit(
                LogEvent.warn(
                    "rollback", step.describe() + " failed (" + message(e) + "); retrying"));
            pause(Duration.ofSeconds(attempt));
          }
        }
      }
      if (last != null) {
        journal.step(plan.id(), true, i, RolloutJournal.FAILED, message(last));
        throw new UnideployException(
            "rolling back "
                + plan.target()
                + " failed at '"
                + step.describe()
                + "': "
                + message(last)
                + "; fix the cause and re-run the same command (or unideploy rollback) to finish"
                + " the rollback",
            last);
      }
      journal.step(plan.id(), true, i, RolloutJournal.DONE, null);
    }
  }

  private void pause(Duration d) {
    try {
      clock.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // Finish the rollback first; the caller sees the flag.
    }
  }

  private static String message(RuntimeException e) {
    if (e instanceof RolloutFailure f) {
      return f.headline();
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
