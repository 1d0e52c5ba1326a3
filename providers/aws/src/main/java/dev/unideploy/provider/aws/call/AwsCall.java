package dev.unideploy.provider.aws.call;

import dev.unideploy.pipeline.resilience.CallPolicy;
import java.util.Set;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * Makes one AWS call through the run's {@link CallPolicy} (rate limit per region and API, retries
 * of transient errors) and turns a final failure into an {@link AwsCallException} that names the
 * API and region and says what to do.
 */
public final class AwsCall {
  private static final Set<String> DENIED =
      Set.of(
          "UnauthorizedOperation",
          "AccessDenied",
          "AccessDeniedException",
          "OptInRequired",
          "Blocked");

  private final CallPolicy policy;

  public AwsCall(CallPolicy policy) {
    this.policy = policy;
  }

  public <T> T call(String region, String api, Supplier<T> call) {
    try {
      return policy.call(region + ":" + api, call);
    } catch (AwsCallException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new AwsCallException(
          api,
          region,
          AwsRetryable.errorCode(e),
          api + " in " + region + " failed: " + AwsRetryable.describe(e) + "; " + hint(api, e),
          e);
    }
  }

  public void run(String region, String api, Runnable call) {
    call(
        region,
        api,
        () -> {
          call.run();
          return null;
        });
  }

  private static String hint(String api, RuntimeException e) {
    String code = AwsRetryable.errorCode(e);
    if (code != null && DENIED.contains(code)) {
      return "the credentials lack a permission for "
          + api
          + ": grant it as docs/aws-iam.md shows for this feature";
    }
    if ("AuthFailure".equals(code)
        || "InvalidClientTokenId".equals(code)
        || "UnrecognizedClientException".equals(code)
        || "ExpiredToken".equals(code)) {
      return "AWS did not accept the credentials: check AWS_PROFILE / providers.aws.credentials"
          + " and that the keys or session are current";
    }
    if (code == null && e instanceof SdkClientException) {
      String m = String.valueOf(e.getMessage());
      if (m.contains("credentials")) {
        return "no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,"
            + " or providers.aws.credentials.profile";
      }
      return "the endpoint could not be reached: check the network, or providers.aws.endpoint";
    }
    if (AwsRetryable.isRetryable(e)) {
      return "AWS kept failing after retries: re-run later (the run resumes)";
    }
    return "fix the cause above and re-run (the run resumes)";
  }
}
