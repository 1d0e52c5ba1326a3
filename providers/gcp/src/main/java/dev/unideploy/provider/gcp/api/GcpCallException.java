package dev.unideploy.provider.gcp.api;

import dev.unideploy.pipeline.UnideployException;

/** A Google Cloud call that failed for good: names the API and carries the HTTP status. */
public final class GcpCallException extends UnideployException {
  private final String api;
  private final int httpStatus;

  public GcpCallException(String api, int httpStatus, String message, Throwable cause) {
    super(message, cause);
    this.api = api;
    this.httpStatus = httpStatus;
  }

  public String api() {
    return api;
  }

  /** The HTTP status the service answered, or 0 when there was no answer. */
  public int httpStatus() {
    return httpStatus;
  }

  public boolean notFound() {
    return httpStatus == 404;
  }

  public boolean conflict() {
    return httpStatus == 409;
  }

  public boolean preconditionFailed() {
    return httpStatus == 412;
  }
}
