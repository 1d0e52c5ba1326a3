package dev.unideploy.provider.aws.http;

import java.net.ProtocolException;

/**
 * A response body larger than the caller allowed: nothing past the limit was read, and the
 * connection is closed rather than reused.
 */
public final class ResponseTooLargeException extends ProtocolException {
  private final long declaredBytes;

  /**
   * @param declaredBytes the body's Content-Length, or -1 when it had none (chunked, or to the end
   *     of the stream)
   */
  ResponseTooLargeException(long declaredBytes, int limit) {
    super(
        (declaredBytes >= 0 ? "response body of " + declaredBytes + " bytes" : "response body")
            + " is over the limit of "
            + limit
            + " bytes");
    this.declaredBytes = declaredBytes;
  }

  /** The body's declared length, or -1 when it had none. */
  public long declaredBytes() {
    return declaredBytes;
  }
}
