package dev.unideploy.provider.aws.http;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ProtocolException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Opens a tunnel to {@code host:port} through an HTTP proxy on a socket connected to the proxy:
 * CONNECT (RFC 9110, section 9.3.6, https://www.rfc-editor.org/rfc/rfc9110#section-9.3.6), with
 * basic credentials sent with the request when the proxy URL carries them, as curl does.
 *
 * <p>Written here rather than left to the JDK's {@code new Socket(Proxy)}: that tunnel takes proxy
 * credentials only from the JVM-wide {@link java.net.Authenticator}, and the JDK disables Basic for
 * tunnels by default ({@code jdk.http.auth.tunneling.disabledSchemes}, 8u111 release notes,
 * https://www.oracle.com/java/technologies/javase/8u111-relnotes.html), the scheme corporate
 * proxies ask for.
 */
final class ProxyTunnel {
  private static final int MAX_HEAD = 16 * 1024;

  private ProxyTunnel() {}

  /**
   * Sends CONNECT and reads the proxy's answer; returns when the tunnel is open.
   *
   * @throws ProxyTunnelException when the proxy answers other than 2xx (the message says what to
   *     do, and never holds the credentials)
   */
  static void open(Socket socket, String host, int port, ProxyRoute proxy, int timeoutMillis)
      throws IOException {
    String authority = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    StringBuilder request = new StringBuilder(256);
    request.append("CONNECT ").append(authority).append(" HTTP/1.1\r\n");
    request.append("Host: ").append(authority).append("\r\n");
    String authorization = proxy.basicAuthorization();
    if (authorization != null) {
      request
          .append("Proxy-Authorization: ")
          .append(HeaderValues.checked("Proxy-Authorization", authorization))
          .append("\r\n");
    }
    request.append("\r\n");
    socket.setSoTimeout(timeoutMillis);
    OutputStream out = socket.getOutputStream();
    out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
    out.flush();

    // Read byte by byte: whatever follows the answer's head belongs to the tunnel (TLS), and a
    // buffered read could swallow it. The head is a few hundred bytes, once per connection.
    InputStream in = socket.getInputStream();
    String status = readLine(in, proxy);
    int code = statusCode(status, proxy);
    int headBytes = status.length();
    for (String line = readLine(in, proxy); !line.isEmpty(); line = readLine(in, proxy)) {
      headBytes += line.length();
      if (headBytes > MAX_HEAD) {
        throw new ProtocolException(
            "the proxy at " + proxy.address() + " sent an oversized answer");
      }
    }
    if (code / 100 != 2) {
      throw new ProxyTunnelException(code, refusal(code, status, authority, proxy));
    }
  }

  private static String refusal(int code, String status, String authority, ProxyRoute proxy) {
    String what =
        "the proxy at "
            + proxy.address()
            + " (from "
            + proxy.source()
            + ") answered CONNECT "
            + authority
            + " with "
            + printable(status.length() > 9 ? status.substring(9) : status);
    if (code == 407) {
      return what
          + (proxy.hasCredentials()
              ? "; it refused the user name and password given with "
                  + proxy.source()
                  + ": correct them"
              : "; it asks for a user name and password: give them in the proxy URL,"
                  + " http://user:password@host:port (or with https.proxyUser and"
                  + " https.proxyPassword)");
    }
    if (code == 403 || code == 405) {
      return what
          + "; the proxy does not let this machine reach that host: ask for it to be allowed,"
          + " or add the host to NO_PROXY if it is reachable without the proxy";
    }
    return what + "; check the proxy, then re-run";
  }

  private static int statusCode(String line, ProxyRoute proxy) throws ProtocolException {
    if (line.startsWith("HTTP/1.") && line.length() >= 12 && line.charAt(8) == ' ') {
      try {
        return Integer.parseInt(line.substring(9, 12));
      } catch (NumberFormatException e) {
        // reported below
      }
    }
    throw new ProtocolException(
        "the proxy at "
            + proxy.address()
            + " did not answer CONNECT with HTTP: "
            + printable(line));
  }

  private static String readLine(InputStream in, ProxyRoute proxy) throws IOException {
    StringBuilder line = new StringBuilder(64);
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException(
            "the proxy at " + proxy.address() + " closed the connection during CONNECT");
      }
      if (b == '\n') {
        int n = line.length();
        if (n > 0 && line.charAt(n - 1) == '\r') {
          line.setLength(n - 1);
        }
        return line.toString();
      }
      if (line.length() >= MAX_HEAD) {
        throw new ProtocolException("the proxy at " + proxy.address() + " sent an oversized line");
      }
      line.append((char) b);
    }
  }

  private static String printable(String s) {
    String t = s.length() > 80 ? s.substring(0, 80) + "..." : s;
    return t.replaceAll("[^\\x20-\\x7e]", "?");
  }
}
