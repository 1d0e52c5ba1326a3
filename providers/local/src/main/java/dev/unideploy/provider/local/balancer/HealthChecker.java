package dev.unideploy.provider.local.balancer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * The balancer's health check of one backend: an HTTP GET of the configured path expecting 2xx or
 * 3xx, or, without a path, a TCP connection that stays open. QEMU's user-mode port forwarding
 * accepts every connection itself and closes it at once when the guest does not listen, so a bare
 * connect proves nothing: the check waits a moment for the peer to close.
 */
final class HealthChecker {
  private static final int TIMEOUT_MILLIS = 2000;

  private final String httpPath;

  HealthChecker(String httpPath) {
    this.httpPath = httpPath;
  }

  /** Checks {@code m}; returns null when healthy, else why not. */
  String check(Pool.Member m) {
    try (Socket s = new Socket()) {
      s.connect(m.address, TIMEOUT_MILLIS);
      s.setSoTimeout(httpPath == null ? 300 : TIMEOUT_MILLIS);
      if (httpPath == null) {
        try {
          return s.getInputStream().read() < 0 ? "closed at once: nothing listens" : null;
        } catch (SocketTimeoutException e) {
          return null; // Open and quiet: something listens.
        }
      }
      OutputStream out = s.getOutputStream();
      out.write(
          ("GET "
                  + httpPath
                  + " HTTP/1.0\r\nHost: "
                  + m.backend.host()
                  + "\r\nUser-Agent: unideploy-balancer\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String line = statusLine(s.getInputStream());
      if (line == null) {
        return "no HTTP answer (closed)";
      }
      String[] parts = line.split(" ", 3);
      if (parts.length >= 2
          && parts[1].length() == 3
          && (parts[1].startsWith("2") || parts[1].startsWith("3"))) {
        return null;
      }
      return "GET " + httpPath + " answered " + line;
    } catch (IOException e) {
      return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
  }

  /** The first line of the answer (up to 200 bytes), or null when the peer closed first. */
  private static String statusLine(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0 && c != '\n' && sb.length() < 200) {
      if (c != '\r') {
        sb.append((char) c);
      }
    }
    return sb.length() == 0 ? null : sb.toString();
  }
}
