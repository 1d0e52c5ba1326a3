package dev.unideploy.provider.aws.importsnap;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.events.ProgressEvent;
import dev.unideploy.pipeline.resilience.CallPolicy;
import dev.unideploy.pipeline.resilience.Deadline;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.SnapshotTaskDetail;

/**
 * Polls DescribeImportSnapshotTasks until the task is {@code completed} (or ends otherwise, or the
 * deadline passes), reporting AWS's percentage and status messages as they change.
 */
final class ImportTaskWatcher {
  private final Ec2Client ec2;
  private final CallPolicy policy;
  private final EventSink events;

  ImportTaskWatcher(Ec2Client ec2, CallPolicy policy, EventSink events) {
    this.ec2 = ec2;
    this.policy = policy;
    this.events = events;
  }

  /** The task's current detail, or null when AWS no longer lists it (older than 7 days). */
  SnapshotTaskDetail describe(String taskId) {
    return policy
        .call(
            "DescribeImportSnapshotTasks",
            () -> ec2.describeImportSnapshotTasks(r -> r.importTaskIds(taskId)))
        .importSnapshotTasks()
        .stream()
        .filter(t -> taskId.equals(t.importTaskId()))
        .map(t -> t.snapshotTaskDetail())
        .findFirst()
        .orElse(null);
  }

  /** Waits for a terminal state and returns the last detail (status completed, deleted...). */
  SnapshotTaskDetail await(String taskId, Duration timeout, Duration poll) {
    AtomicReference<SnapshotTaskDetail> last = new AtomicReference<>();
    AtomicReference<String> lastSaid = new AtomicReference<>("");
    new Deadline("import snapshot task " + taskId, timeout, poll)
        .await(
            () -> {
              SnapshotTaskDetail d = describe(taskId);
              if (d == null) {
                throw new UnideployException(
                    "import task "
                        + taskId
                        + " is no longer listed by AWS; re-run to import the disk again");
              }
              last.set(d);
              String said = d.status() + " " + Objects.toString(d.statusMessage(), "");
              if (!said.equals(lastSaid.getAndSet(said))) {
                events.emit(LogEvent.info("upload", "import " + taskId + ": " + said.strip()));
              }
              int pct = percent(d.progress());
              if (pct >= 0) {
                events.emit(
                    ProgressEvent.of("import-snapshot", pct, 100, ProgressEvent.Unit.ITEMS));
              }
              return isTerminal(d.status());
            },
            () -> last.get() == null ? "not yet described" : state(last.get()),
            "ImportSnapshot takes 5 to 60 minutes; raise the import deadline, or re-run later:"
                + " the run resumes waiting for the same task");
    return last.get();
  }

  static boolean isTerminal(String status) {
    return "completed".equals(status) || "deleted".equals(status) || "deleting".equals(status);
  }

  static String state(SnapshotTaskDetail d) {
    return d.status()
        + (d.progress() == null ? "" : " " + d.progress() + "%")
        + (d.statusMessage() == null ? "" : " (" + d.statusMessage() + ")");
  }

  private static int percent(String progress) {
    try {
      return progress == null ? -1 : Math.min(100, Integer.parseInt(progress.strip()));
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
