package dev.unideploy.provider.gcp.api;

import dev.unideploy.pipeline.resilience.CallPolicy;
import java.util.function.Supplier;

/**
 * Makes one Google Cloud call through the run's {@link CallPolicy} (rate limit per API, retries of
 * transient errors) and turns a final failure into a {@link GcpCallException} that names the call
 * and says what to do.
 */
public final class GcpCall {
  private final CallPolicy policy;

  public GcpCall(CallPolicy policy) {
    this.policy = policy;
  }

  public CallPolicy policy() {
    return policy;
  }

  public <T> T call(String api, Supplier<T> call) {
    try {
      return policy.call(api, call);
    } catch (GcpCallException e) {
      throw e;
    } catch (RuntimeException e) {
      int status = GcpRetryable.httpStatus(e);
      throw new GcpCallException(
          api,
          status,
          api + " failed: " + GcpRetryable.describe(e) + "; " + hint(api, e, status),
          e);
    }
  }

  public void run(String api, Runnable call) {
    call(
        api,
        () -> {
          call.run();
          return null;
        });
  }

  private static String hint(String api, RuntimeException e, int status) {
    if (status == 401) {
      return "Google did not accept the credentials: run `gcloud auth application-default login`,"
          + " or check GOOGLE_APPLICATION_CREDENTIALS";
    }
    if (status == 403) {
      return "the credentials lack a permission for "
          + api
          + ": grant the roles docs/gcp.md lists for this feature";
    }
    if (status == 0 && String.valueOf(e.getMessage()).contains("credentials")) {
      return "no Google credentials found: run `gcloud auth application-default login` or set"
          + " GOOGLE_APPLICATION_CREDENTIALS to a key file";
    }
    if (status == 0) {
      return "the endpoint could not be reached: check the network, or providers.gcp.endpoints";
    }
    if (GcpRetryable.isRetryable(e)) {
      return "Google kept failing after retries: re-run later (the run resumes)";
    }
    return "fix the cause above and re-run (the run resumes)";
  }
}
