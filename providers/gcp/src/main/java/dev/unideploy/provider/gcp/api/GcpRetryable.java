package dev.unideploy.provider.gcp.api;

import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.StatusCode;
import dev.unideploy.pipeline.resilience.CallPolicy;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Decides which Google Cloud errors are worth another attempt under a {@link CallPolicy}: 429 (rate
 * limits, quota per minute), 5xx, timeouts and network failures. Everything else (invalid argument,
 * permission denied, not found, already exists, a stale fingerprint) fails at once.
 *
 * <p>Google asks clients to retry 429 and 5xx with exponential backoff:
 * https://cloud.google.com/compute/docs/api/best-practices#exponential-backoff and
 * https://cloud.google.com/storage/docs/retry-strategy.
 */
public final class GcpRetryable implements Predicate<Throwable> {

  public static final GcpRetryable INSTANCE = new GcpRetryable();

  private static final Set<StatusCode.Code> TRANSIENT =
      Set.of(
          StatusCode.Code.RESOURCE_EXHAUSTED,
          StatusCode.Code.UNAVAILABLE,
          StatusCode.Code.INTERNAL,
          StatusCode.Code.DEADLINE_EXCEEDED);

  private GcpRetryable() {}

  public static CallPolicy policy(CallPolicy.Settings settings) {
    return new CallPolicy(settings, INSTANCE);
  }

  @Override
  public boolean test(Throwable t) {
    return isRetryable(t);
  }

  public static boolean isRetryable(Throwable t) {
    if (t instanceof ApiException api) {
      // Over REST the HTTP status decides: gax maps statuses it has no code for (412, for one) to
      // UNKNOWN, which must not be retried blindly.
      if (api.getStatusCode().getTransportCode() instanceof Integer http) {
        return http == 408 || http == 429 || http >= 500;
      }
      if (TRANSIENT.contains(api.getStatusCode().getCode())) {
        return true;
      }
      return hasIoCause(t);
    }
    if (t instanceof java.io.UncheckedIOException u) {
      return isRetryable(u.getCause());
    }
    if (t instanceof HttpStatusException h) {
      return h.isTransient();
    }
    return t instanceof IOException && !(t instanceof InterruptedIOException);
  }

  private static boolean hasIoCause(Throwable t) {
    for (Throwable c = t.getCause(); c != null; c = c.getCause()) {
      if (c instanceof IOException && !(c instanceof InterruptedIOException)) {
        return true;
      }
    }
    return false;
  }

  /** The HTTP status of a failure, or 0 when there was no answer. */
  public static int httpStatus(Throwable t) {
    if (t instanceof ApiException api
        && api.getStatusCode().getTransportCode() instanceof Integer code) {
      return code;
    }
    if (t instanceof java.io.UncheckedIOException u) {
      return httpStatus(u.getCause());
    }
    if (t instanceof HttpStatusException h) {
      return h.status();
    }
    return 0;
  }

  /**
   * One line for an error message: the status and Google's message, never headers, tokens or
   * request bodies.
   */
  public static String describe(Throwable t) {
    if (t instanceof ApiException api) {
      String msg = api.getMessage();
      return api.getStatusCode().getCode() + (msg == null ? "" : ": " + firstLine(msg));
    }
    Throwable root = t;
    while (root.getCause() != null && root.getMessage() == null) {
      root = root.getCause();
    }
    return root.getMessage() == null
        ? root.getClass().getSimpleName()
        : firstLine(root.getMessage());
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
