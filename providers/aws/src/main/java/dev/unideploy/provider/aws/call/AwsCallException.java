package dev.unideploy.provider.aws.call;

import dev.unideploy.pipeline.UnideployException;

/** An AWS call that failed for good, with the API, region and AWS error code for callers. */
public final class AwsCallException extends UnideployException {
  private static final long serialVersionUID = 1L;

  private final String api;
  private final String region;
  private final String errorCode;

  public AwsCallException(
      String api, String region, String errorCode, String message, Throwable cause) {
    super(message, cause);
    this.api = api;
    this.region = region;
    this.errorCode = errorCode;
  }

  public String api() {
    return api;
  }

  public String region() {
    return region;
  }

  /** AWS's error code (such as {@code InvalidAMIID.NotFound}), or null for client-side failures. */
  public String errorCode() {
    return errorCode;
  }

  public boolean hasCode(String code) {
    return code.equals(errorCode);
  }
}
