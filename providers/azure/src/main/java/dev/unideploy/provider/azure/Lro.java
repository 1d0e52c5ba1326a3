package dev.unideploy.provider.azure;

import com.azure.core.util.polling.LongRunningOperationStatus;
import com.azure.core.util.polling.PollResponse;
import com.azure.core.util.polling.SyncPoller;
import dev.unideploy.pipeline.UnideployException;
import java.time.Duration;

/**
 * Waits for an Azure long-running operation (the SDK polls {@code Azure-AsyncOperation} or {@code
 * Location}) at our own interval and under a deadline, and turns its failure into an error that
 * carries Azure's code and message.
 */
public final class Lro {
  private Lro() {}

  public static <T> T await(
      SyncPoller<?, T> poller, String what, Duration timeout, Duration interval) {
    long end = System.nanoTime() + timeout.toNanos();
    try {
      PollResponse<?> r = poller.poll();
      while (!r.getStatus().isComplete()) {
        if (System.nanoTime() - end >= 0) {
          throw new UnideployException(
              "timed out after "
                  + timeout.toSeconds()
                  + " s waiting for "
                  + what
                  + " (last state: "
                  + r.getStatus()
                  + "); raise providers.azure.waits.operation, or re-run to go on waiting");
        }
        Thread.sleep(interval.toMillis());
        r = poller.poll();
      }
      if (r.getStatus() != LongRunningOperationStatus.SUCCESSFULLY_COMPLETED) {
        // The final result carries the operation's error{code,message} as a ManagementException.
        poller.getFinalResult();
        throw new UnideployException(what + " ended " + r.getStatus() + "; re-run to try again");
      }
      return poller.getFinalResult();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnideployException(
          "interrupted while waiting for " + what + "; re-run to resume", e);
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
