package dev.unideploy.pipeline.qemu;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Probes a guest port through QEMU's user-mode network forward.
 *
 * <p>A hostfwd port accepts every host connection at once, before the guest has answered, and only
 * then connects to the guest (libslirp {@code tcp_listen}/{@code tcp_connect}). So a bare TCP
 * connect proves nothing: the TCP probe asks QEMU ({@code info usernet}) whether the guest side of
 * that very connection reached ESTABLISHED, and the HTTP probe requires a status line back. The
 * local provider's health checks use {@link #describeHttp} so they judge HTTP readiness the same
 * way.
 */
public final class NetworkProbe {
  private static final Duration IO_TIMEOUT = Duration.ofSeconds(2);
  private static final Pattern STATUS_LINE = Pattern.compile("^HTTP/\\d(?:\\.\\d)? (\\d{3})\\b");
  private static final Pattern USERNET_ROW =
      Pattern.compile("^\\s*TCP\\[([A-Z_]+)\\]\\s+-?\\d+\\s+(\\S+)\\s+(\\d+)\\s+\\S+\\s+(\\d+)");

  private NetworkProbe() {}

  /** True when a GET on the forwarded port answers with a 2xx or 3xx status. */
  static boolean http(int hostPort, String path) {
    try {
      return isReady(
          httpStatus(new InetSocketAddress(InetAddress.getLoopbackAddress(), hostPort), path));
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * The outcome of a GET on the forwarded port, for health reports: {@code HTTP 200} (ready when
   * 2xx or 3xx, see {@link #isReadyHttp}), or why no status came back.
   */
  public static String describeHttp(int hostPort, String path) {
    return describeHttp(new InetSocketAddress(InetAddress.getLoopbackAddress(), hostPort), path);
  }

  /** The outcome of a GET on {@code address}, as {@link #describeHttp(int, String)}. */
  public static String describeHttp(InetSocketAddress address, String path) {
    try {
      Optional<Integer> status = httpStatus(address, path);
      return status.isPresent() ? "HTTP " + status.get() : "no HTTP status line in the answer";
    } catch (IOException e) {
      return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
  }

  /** Whether a {@link #describeHttp} outcome counts as ready: a 2xx or 3xx status. */
  public static boolean isReadyHttp(String outcome) {
    return outcome.startsWith("HTTP 2") || outcome.startsWith("HTTP 3");
  }

  private static boolean isReady(Optional<Integer> status) {
    return status.isPresent() && status.get() >= 200 && status.get() < 400;
  }

  private static Optional<Integer> httpStatus(InetSocketAddress address, String path)
      throws IOException {
    try (Socket s = connect(address)) {
      OutputStream out = s.getOutputStream();
      out.write(
          ("GET "
                  + path
                  + " HTTP/1.0\r\nHost: "
                  + address.getHostString()
                  + "\r\nUser-Agent: unideploy-health\r\n"
                  + "Connection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return statusOf(readLine(s.getInputStream()));
    }
  }

  /** True when the guest accepted the connection QEMU made on our behalf. */
  static boolean tcp(QemuProcess qemu, int hostPort) throws InterruptedException {
    try (Socket s = connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), hostPort))) {
      // The guest answers the forwarded SYN within milliseconds when it listens; under TCG give
      // it a few polls before calling it not ready. The connection stays open meanwhile.
      for (int i = 0; i < 5; i++) {
        Optional<String> table = qemu.hmp("info usernet", IO_TIMEOUT);
        if (table.isEmpty()) {
          return false;
        }
        if (guestEstablished(table.get(), hostPort)) {
          return true;
        }
        Thread.sleep(100);
      }
      return false;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Whether an {@code info usernet} table shows a connection forwarded from {@code hostPort} in
   * state ESTABLISHED on the guest side. libslirp lists forwarded connections with the forward's
   * host address and port as "source" (not the client's ephemeral port), next to the HOST_FORWARD
   * listener row; a guest that does not listen leaves it in SYN_SENT.
   */
  static boolean guestEstablished(String usernet, int hostPort) {
    for (String line : usernet.split("\\R")) {
      Matcher m = USERNET_ROW.matcher(line);
      if (m.find()
          && Integer.parseInt(m.group(3)) == hostPort
          && m.group(1).equals("ESTABLISHED")) {
        return true;
      }
    }
    return false;
  }

  static Optional<Integer> statusOf(String line) {
    if (line == null) {
      return Optional.empty();
    }
    Matcher m = STATUS_LINE.matcher(line);
    return m.find() ? Optional.of(Integer.parseInt(m.group(1))) : Optional.empty();
  }

  private static Socket connect(InetSocketAddress address) throws IOException {
    Socket s = new Socket();
    try {
      s.connect(address, (int) IO_TIMEOUT.toMillis());
      s.setSoTimeout((int) IO_TIMEOUT.toMillis());
      return s;
    } catch (IOException e) {
      s.close();
      throw e;
    }
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int b;
    while ((b = in.read()) >= 0 && b != '\n' && sb.length() < 1024) {
      sb.append((char) b);
    }
    return sb.length() == 0 && b < 0 ? null : sb.toString();
  }
}
