package dev.unideploy.provider.aws.http;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * An HTTP proxy that connections tunnel through with CONNECT, the setting it came from (for
 * messages), and the basic credentials it asks for, if any. Never prints the password.
 *
 * @param source the setting that named the proxy, such as {@code HTTPS_PROXY} or {@code
 *     https.proxyHost}
 */
public record ProxyRoute(String host, int port, String username, String password, String source) {

  public ProxyRoute {
    if (host == null || host.isEmpty() || port < 1 || port > 65535) {
      throw new IllegalArgumentException(source + " does not name a proxy host and port");
    }
  }

  /** {@code host:port}, as messages show the proxy. */
  public String address() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  /** Whether a user name (and password) is sent to the proxy. */
  public boolean hasCredentials() {
    return username != null && !username.isEmpty();
  }

  /** The Proxy-Authorization value for basic credentials (RFC 7617), or null without them. */
  String basicAuthorization() {
    if (!hasCredentials()) {
      return null;
    }
    String pair = username + ":" + (password == null ? "" : password);
    return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "ProxyRoute["
        + address()
        + " from "
        + source
        + (hasCredentials() ? ", user " + username + ", password ***" : "")
        + "]";
  }
}
