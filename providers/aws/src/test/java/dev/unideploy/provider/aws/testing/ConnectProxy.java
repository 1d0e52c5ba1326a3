package dev.unideploy.provider.aws.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A small HTTP proxy for tests, as corporate proxies behave: CONNECT tunnels (RFC 9110, section
 * 9.3.6) and absolute-form requests, basic credentials required when given (407 otherwise), and
 * names under {@code .invalid} resolved to 127.0.0.1, so a client can reach such a host only
 * through this proxy (the name resolves nowhere else). Records every request it was asked.
 */
public final class ConnectProxy implements AutoCloseable {
  /** What a client asked: method, target ({@code host:port} or a URL), Proxy-Authorization. */
  public record Request(String method, String target, String authorization) {}

  private final ServerSocket server;
  private final String expectedAuthorization;
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private final Thread acceptor;

  /**
   * @param userAndPassword {@code user:password} the proxy requires, or null for none
   */
  public ConnectProxy(String userAndPassword) throws IOException {
    this.expectedAuthorization =
        userAndPassword == null
            ? null
            : "Basic "
                + Base64.getEncoder()
                    .encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8));
    this.server = new ServerSocket();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    this.acceptor = new Thread(this::accept, "connect-proxy");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public int port() {
    return server.getLocalPort();
  }

  public List<Request> requests() {
    return List.copyOf(requests);
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        open.add(client);
        Thread t = new Thread(() -> serve(client), "connect-proxy-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void serve(Socket client) {
    try (client) {
      InputStream in = client.getInputStream();
      OutputStream out = client.getOutputStream();
      String requestLine = line(in);
      if (requestLine == null) {
        return;
      }
      Map<String, String> headers = new LinkedHashMap<>();
      for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
        int colon = h.indexOf(':');
        headers.put(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
      }
      String[] parts = requestLine.split(" ");
      String auth = header(headers, "Proxy-Authorization");
      requests.add(new Request(parts[0], parts[1], auth));
      if (expectedAuthorization != null && !expectedAuthorization.equals(auth)) {
        out.write(
            ("HTTP/1.1 407 Proxy Authentication Required\r\n"
                    + "Proxy-Authenticate: Basic realm=\"test\"\r\n"
                    + "Content-Length: 0\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        return;
      }
      if (parts[0].equals("CONNECT")) {
        int colon = parts[1].lastIndexOf(':');
        try (Socket target =
            connect(
                parts[1].substring(0, colon), Integer.parseInt(parts[1].substring(colon + 1)))) {
          out.write(
              "HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          pipe(client, target);
        }
        return;
      }
      // Absolute form: one request per connection, forwarded in origin form.
      URI uri = URI.create(parts[1]);
      try (Socket target = connect(uri.getHost(), uri.getPort() == -1 ? 80 : uri.getPort())) {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        String path = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        head.writeBytes(
            (parts[0] + " " + path + " " + parts[2] + "\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        for (Map.Entry<String, String> h : headers.entrySet()) {
          String name = h.getKey().toLowerCase(Locale.ROOT);
          if (!name.startsWith("proxy-") && !name.equals("connection")) {
            head.writeBytes(
                (h.getKey() + ": " + h.getValue() + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
          }
        }
        head.writeBytes("Connection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        target.getOutputStream().write(head.toByteArray());
        target.getOutputStream().flush();
        pipe(client, target);
      }
    } catch (IOException e) {
      // the client or the target went away: the tunnel ends
    } finally {
      open.remove(client);
    }
  }

  private static Socket connect(String host, int port) throws IOException {
    String h = host.toLowerCase(Locale.ROOT);
    InetAddress address =
        h.endsWith(".invalid") ? InetAddress.getLoopbackAddress() : InetAddress.getByName(host);
    return new Socket(address, port);
  }

  /** Copies both ways until either side closes. */
  private static void pipe(Socket a, Socket b) throws IOException {
    Thread back =
        new Thread(
            () -> {
              try {
                b.getInputStream().transferTo(a.getOutputStream());
              } catch (IOException ignored) {
                // one side closed
              } finally {
                try {
                  a.shutdownOutput();
                } catch (IOException ignored) {
                  // already closed
                }
              }
            },
            "connect-proxy-back");
    back.setDaemon(true);
    back.start();
    try {
      a.getInputStream().transferTo(b.getOutputStream());
      b.shutdownOutput();
      back.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String header(Map<String, String> headers, String name) {
    for (Map.Entry<String, String> h : headers.entrySet()) {
      if (h.getKey().equalsIgnoreCase(name)) {
        return h.getValue();
      }
    }
    return null;
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int b; (b = in.read()) >= 0; ) {
      if (b == '\n') {
        return sb.toString().replaceAll("\r$", "");
      }
      sb.append((char) b);
    }
    return sb.length() == 0 ? null : sb.toString();
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : new ArrayList<>(open)) {
      s.close();
    }
  }
}
