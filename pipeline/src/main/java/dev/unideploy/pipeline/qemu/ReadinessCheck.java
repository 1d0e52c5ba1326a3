package dev.unideploy.pipeline.qemu;

import java.util.Objects;

/**
 * What "the guest is up" means: a line on the serial console, an HTTP answer, or an accepted TCP
 * connection on a forwarded guest port.
 */
public sealed interface ReadinessCheck {

  /** Ready when the console matcher's readiness pattern matches a line. */
  record Console() implements ReadinessCheck {}

  /** Ready when {@code GET path} on the forwarded guest port answers with a 2xx or 3xx status. */
  record Http(int guestPort, String path) implements ReadinessCheck {
    public Http {
      Objects.requireNonNull(path, "path");
      if (!path.startsWith("/")) {
        path = "/" + path;
      }
    }
  }

  /** Ready when the guest accepts a TCP connection on {@code guestPort}. */
  record Tcp(int guestPort) implements ReadinessCheck {}

  /** The guest port a network check needs forwarded, or -1. */
  default int guestPort() {
    if (this instanceof Http h) {
      return h.guestPort();
    }
    if (this instanceof Tcp t) {
      return t.guestPort();
    }
    return -1;
  }

  /** For messages: "console pattern", "HTTP GET :8080/health", "TCP :22". */
  default String describe() {
    if (this instanceof Http h) {
      return "HTTP GET guest port " + h.guestPort() + h.path();
    }
    if (this instanceof Tcp t) {
      return "TCP connect to guest port " + t.guestPort();
    }
    return "console readiness pattern";
  }
}
