package dev.unideploy.provider.aws.call;

import dev.unideploy.pipeline.resilience.CallPolicy;
import java.io.IOException;
import java.util.Set;
import java.util.function.Predicate;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * Decides which AWS SDK errors are worth another attempt under a {@link CallPolicy}: throttling,
 * 5xx, client-side timeouts, network failures, and a clock-skew refusal that the SDK corrected its
 * signing clock from. Everything else (validation, access denied, not found, a missing credential)
 * fails at once, because repeating it cannot help.
 *
 * <p>AWS asks callers to retry 5xx and the throttling codes: see "Error codes for the Amazon EC2
 * API" (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html).
 */
public final class AwsRetryable implements Predicate<Throwable> {

  /** The shared instance; the predicate holds no state. */
  public static final AwsRetryable INSTANCE = new AwsRetryable();

  /** Error codes AWS services use for "slow down" or "try again", beyond HTTP 429 and 5xx. */
  private static final Set<String> TRANSIENT_CODES =
      Set.of(
          "Throttling",
          "ThrottlingException",
          "ThrottledException",
          "RequestThrottledException",
          "RequestThrottled",
          "TooManyRequestsException",
          "RequestLimitExceeded",
          "BandwidthLimitExceeded",
          "SlowDown",
          "PriorRequestNotComplete",
          "EC2ThrottledException",
          "ConcurrentLimitExceededException",
          "InternalError",
          "InternalFailure",
          "InternalServerException",
          "ServiceUnavailable",
          "Unavailable",
          "RequestTimeout",
          "RequestTimeoutException",
          "IDPCommunicationError");

  private AwsRetryable() {}

  /** A {@link CallPolicy} with the given settings that retries what this predicate accepts. */
  public static CallPolicy policy(CallPolicy.Settings settings) {
    return new CallPolicy(settings, INSTANCE);
  }

  @Override
  public boolean test(Throwable t) {
    return isRetryable(t);
  }

  /** Whether {@code t} is worth another attempt. */
  public static boolean isRetryable(Throwable t) {
    if (t instanceof AwsServiceException service) {
      int status = service.statusCode();
      if (status == 429 || status >= 500) {
        return true;
      }
      String code = errorCode(service);
      return (code != null && TRANSIENT_CODES.contains(code))
          || service.isThrottlingException()
          || correctableClockSkew(service);
    }
    if (t instanceof AbortedException) {
      // The calling thread was interrupted (Ctrl-C, shutdown): never retry.
      return false;
    }
    if (t instanceof ApiCallAttemptTimeoutException || t instanceof ApiCallTimeoutException) {
      return true;
    }
    if (t instanceof SdkClientException) {
      // Only when the cause is I/O (reset, refused, read timeout): a missing credential or a
      // malformed request is also an SdkClientException and will not heal by itself.
      for (Throwable c = t.getCause(); c != null; c = c.getCause()) {
        if (c instanceof IOException) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * A refusal of a request signed with a clock more than 5 minutes off AWS's, whose answer carries
   * AWS's Date. When an SDK call fails so, the SDK has already moved that client's signing clock to
   * AWS's Date, whatever its retry strategy (its {@code RetryableStage} adjusts on every failed
   * response), so the next attempt is signed right. Without a Date there is nothing to correct
   * from, and another attempt would be refused the same way.
   */
  private static boolean correctableClockSkew(AwsServiceException service) {
    return service.isClockSkewException()
        && service.awsErrorDetails() != null
        && service.awsErrorDetails().sdkHttpResponse() != null
        && service.awsErrorDetails().sdkHttpResponse().firstMatchingHeader("Date").isPresent();
  }

  /** The AWS error code of {@code t}, or null when it is not a service error. */
  public static String errorCode(Throwable t) {
    if (t instanceof AwsServiceException service && service.awsErrorDetails() != null) {
      return service.awsErrorDetails().errorCode();
    }
    return null;
  }

  /**
   * A one-line description of an AWS failure for an error message: the error code and AWS's
   * message, never request ids, bodies or credentials.
   */
  public static String describe(Throwable t) {
    if (t instanceof AwsServiceException service && service.awsErrorDetails() != null) {
      String code = service.awsErrorDetails().errorCode();
      String msg = service.awsErrorDetails().errorMessage();
      return (code == null ? "HTTP " + service.statusCode() : code)
          + (msg == null ? "" : ": " + msg);
    }
    Throwable root = t;
    while (root.getCause() != null && root.getMessage() == null) {
      root = root.getCause();
    }
    String msg = root.getMessage();
    return msg == null ? root.getClass().getSimpleName() : msg;
  }
}
