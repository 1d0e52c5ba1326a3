package dev.unideploy.pipeline.qemu;

/**
 * A TCP port of the guest reachable on the host's loopback interface through QEMU user-mode
 * networking ({@code hostfwd}). A host port of 0 asks the launcher to pick a free one.
 */
public record PortForward(int hostPort, int guestPort) {
  public PortForward {
    if (hostPort < 0 || hostPort > 65535) {
      throw new IllegalArgumentException("host port must be 0..65535, was " + hostPort);
    }
    if (guestPort < 1 || guestPort > 65535) {
      throw new IllegalArgumentException("guest port must be 1..65535, was " + guestPort);
    }
  }

  /** A forward of {@code guestPort} to a free host port chosen at launch. */
  public static PortForward toGuest(int guestPort) {
    return new PortForward(0, guestPort);
  }

  /** Parses {@code HOST:GUEST} or a bare {@code PORT} (same number on both sides). */
  public static PortForward parse(String text) {
    String t = text.trim();
    try {
      int colon = t.indexOf(':');
      if (colon < 0) {
        int p = Integer.parseInt(t);
        return new PortForward(p, p);
      }
      return new PortForward(
          Integer.parseInt(t.substring(0, colon)), Integer.parseInt(t.substring(colon + 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "bad port forward '" + text + "': expected HOST:GUEST (e.g. 8080:80) or PORT", e);
    }
  }

  /** QEMU's {@code hostfwd} value; binds the loopback address only, never all interfaces. */
  public String hostfwd() {
    return "tcp:127.0.0.1:" + hostPort + "-:" + guestPort;
  }
}
