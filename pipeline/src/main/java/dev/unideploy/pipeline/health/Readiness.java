package dev.unideploy.pipeline.health;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * How an instance proves it is ready, judged from outside as boot verification does: a regex on its
 * serial console, an HTTP GET answered 2xx/3xx, and/or a TCP connect, on the host port that
 * forwards {@code port}. Every configured check must pass; none configured means "QEMU runs".
 *
 * @param serial regex searched for in each serial console line
 * @param http path for an HTTP GET, such as {@code /health}
 * @param tcp whether a TCP connect must succeed
 * @param port guest port the HTTP/TCP probes use; default the first forwarded port
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Readiness(
    @JsonProperty("serial") String serial,
    @JsonProperty("http") String http,
    @JsonProperty("tcp") Boolean tcp,
    @JsonProperty("port") Integer port) {

  public static final Readiness NONE = new Readiness(null, null, null, null);

  @JsonCreator
  public Readiness {
    if (serial != null && serial.isEmpty()) {
      serial = null;
    }
    if (serial != null) {
      try {
        Pattern.compile(serial);
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException(
            "ready.serial '" + serial + "' is not a valid regex: " + e.getDescription(), e);
      }
    }
    if (http != null && !http.startsWith("/")) {
      throw new IllegalArgumentException(
          "ready.http must be a path starting with '/', was " + http);
    }
    if (Boolean.FALSE.equals(tcp)) {
      tcp = null;
    }
  }

  /** True when a network probe needs a forwarded port. */
  @JsonIgnore
  public boolean needsPort() {
    return http != null || tcp != null;
  }

  /** True when nothing but a running QEMU is asked for. */
  @JsonIgnore
  public boolean isEmpty() {
    return serial == null && !needsPort();
  }

  /** A short description for logs: {@code serial /READY/ + http :8080/health}. */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    if (serial != null) {
      sb.append("serial /").append(serial).append('/');
    }
    if (http != null) {
      sb.append(sb.length() == 0 ? "" : " + ").append("http :").append(port).append(http);
    }
    if (tcp != null) {
      sb.append(sb.length() == 0 ? "" : " + ").append("tcp :").append(port);
    }
    return sb.length() == 0 ? "QEMU running" : sb.toString();
  }

  /** This readiness with the probe port defaulted to {@code firstPort} when unset. */
  public Readiness withDefaultPort(Integer firstPort) {
    if (port != null || !needsPort()) {
      return this;
    }
    if (firstPort == null) {
      throw new IllegalArgumentException(
          "an HTTP or TCP readiness probe needs a forwarded port: set providers.local.ports (or"
              + " --port) or ready.port");
    }
    return new Readiness(serial, http, tcp, firstPort);
  }
}
