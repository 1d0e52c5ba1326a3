package dev.unideploy.provider.gcp.api;

import com.google.cloud.compute.v1.Errors;
import com.google.cloud.compute.v1.Operation;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.resilience.Deadline;
import java.time.Duration;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Waits for a Compute Engine operation (global, zonal or regional) to be DONE, with a deadline, and
 * reports an operation that ended with an error by its HTTP status, error codes and messages, as
 * Compute Engine puts them in the DONE operation
 * (https://cloud.google.com/compute/docs/api/how-tos/api-requests-responses#handling_api_responses).
 */
public final class OperationWaiter {
  private final GcpCall calls;
  private final EventSink events;
  private final Duration pollInterval;

  public OperationWaiter(GcpCall calls, EventSink events, Duration pollInterval) {
    this.calls = calls;
    this.events = events;
    this.pollInterval = pollInterval;
  }

  /**
   * Polls {@code get} (operation name → operation) until DONE.
   *
   * @param what what the operation does, for messages ("importing image hello-1-0-0")
   * @return the DONE operation
   * @throws UnideployException when it ends with an error, or the deadline passes
   */
  public Operation await(
      String step,
      String what,
      Operation started,
      Function<String, Operation> get,
      Duration timeout) {
    Operation[] last = {started};
    if (started.getStatus() != Operation.Status.DONE) {
      events.emit(LogEvent.debug(step, what + ": operation " + started.getName()));
      new Deadline(what, timeout, pollInterval)
          .await(
              () -> {
                last[0] = calls.call("operations.get", () -> get.apply(started.getName()));
                return last[0].getStatus() == Operation.Status.DONE;
              },
              () -> last[0].getStatus() + " " + last[0].getProgress() + "%",
              "the operation "
                  + started.getName()
                  + " may still finish; re-run the same command to pick it up");
    }
    Operation done = last[0];
    if (done.hasError() && done.getError().getErrorsCount() > 0) {
      throw new OperationFailedException(what, done);
    }
    return done;
  }

  /** An operation that finished with an error. */
  public static final class OperationFailedException extends UnideployException {
    private final int httpStatus;

    OperationFailedException(String what, Operation op) {
      super(
          what
              + " failed: "
              + (op.getHttpErrorStatusCode() > 0
                  ? "HTTP " + op.getHttpErrorStatusCode() + " " + op.getHttpErrorMessage() + ", "
                  : "")
              + op.getError().getErrorsList().stream()
                  .map(OperationFailedException::describe)
                  .collect(Collectors.joining("; ")));
      this.httpStatus = op.getHttpErrorStatusCode();
    }

    private static String describe(Errors e) {
      return e.getCode() + ": " + e.getMessage();
    }

    public int httpStatus() {
      return httpStatus;
    }
  }
}
