package dev.unideploy.provider.gcp.api;

import java.io.IOException;

/**
 * A Google API answered an HTTP error to a call made on Google's HTTP client directly (the
 * resumable upload, object reads). Carries the status only: the message of the client's own
 * exception names the URL, and a resumable session URL is a credential.
 */
public final class HttpStatusException extends IOException {
  private final int status;

  public HttpStatusException(int status, String message) {
    super("HTTP " + status + (message == null || message.isEmpty() ? "" : " " + message));
    this.status = status;
  }

  public int status() {
    return status;
  }

  /** 408, 429 and 5xx: worth another attempt. */
  public boolean isTransient() {
    return status == 408 || status == 429 || status >= 500;
  }
}
