package dev.unideploy.provider.azure.core;

import com.azure.core.util.polling.LongRunningOperationStatus;
import com.azure.core.util.polling.PollResponse;
import com.azure.core.util.polling.SyncPoller;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.resilience.Deadline;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Waits for an Azure long-running operation (the SDK polls {@code Azure-AsyncOperation} or {@code
 * Location}) at our own interval and under a deadline, and turns its failure into an error that
 * carries Azure's code and message.
 */
public final class Lro {
  private Lro() {}

  public static <T> T await(
      SyncPoller<?, T> poller, String what, Duration timeout, Duration interval) {
    try {
      AtomicReference<PollResponse<?>> last = new AtomicReference<>(poller.poll());
      new Deadline(what, timeout, interval)
          .await(
              () ->
                  last.get().getStatus().isComplete()
                      || last.updateAndGet(r -> poller.poll()).getStatus().isComplete(),
              () -> String.valueOf(last.get().getStatus()),
              "raise providers.azure.waits.operation, or re-run to go on waiting");
      if (last.get().getStatus() != LongRunningOperationStatus.SUCCESSFULLY_COMPLETED) {
        // The final result carries the operation's error{code,message} as a ManagementException.
        poller.getFinalResult();
        throw new UnideployException(
            what + " ended " + last.get().getStatus() + "; re-run to try again");
      }
      return poller.getFinalResult();
    } catch (UnideployException e) {
      throw e;
    } catch (RuntimeException e) {
      throw failed(what, e);
    }
  }

  /** An error for a failed call or operation: Azure's code and message, and what to do. */
  public static UnideployException failed(String what, Throwable e) {
    return new UnideployException(
        what + " failed: " + AzureErrors.describe(e) + "; " + AzureErrors.hint(e), e);
  }
}
