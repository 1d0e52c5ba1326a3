package dev.unideploy.provider.aws.http;

import java.io.IOException;

/** A proxy that answered CONNECT with something other than 2xx: the tunnel was not opened. */
public final class ProxyTunnelException extends IOException {
  private static final long serialVersionUID = 1L;

  private final int status;

  ProxyTunnelException(int status, String message) {
    super(message);
    this.status = status;
  }

  /** The proxy's HTTP status (407: it wants credentials, 403: it refuses the destination). */
  public int status() {
    return status;
  }

  /** Whether another attempt may succeed: the proxy or what is behind it failed for now. */
  public boolean transientFailure() {
    return status == 502 || status == 503 || status == 504;
  }
}
