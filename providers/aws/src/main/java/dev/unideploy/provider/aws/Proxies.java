package dev.unideploy.provider.aws;

import dev.unideploy.pipeline.UnideployException;
import java.net.URI;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * Whether the environment asks for an HTTP(S) proxy to reach an endpoint (HTTPS_PROXY / HTTP_PROXY
 * and NO_PROXY, as curl reads them, or the JDK's https.proxyHost / http.proxyHost and
 * http.nonProxyHosts). The EBS upload's own client connects directly, so a run in a network that
 * requires a proxy stops with a clear error instead of bypassing it.
 */
final class Proxies {
  private Proxies() {}

  /**
   * @throws UnideployException naming the setting and what to do, when a proxy applies to {@code
   *     endpoint}
   */
  static void refuseIfProxied(
      URI endpoint, UnaryOperator<String> env, UnaryOperator<String> props) {
    String setting = proxySetting(endpoint, env, props);
    if (setting != null) {
      throw new UnideployException(
          setting
              + " asks for a proxy to reach "
              + endpoint.getHost()
              + ", but the EBS direct upload connects directly; add the host to NO_PROXY if it is"
              + " reachable without the proxy, or set providers.aws.upload.method:"
              + " import-snapshot, which goes through the AWS SDK and its proxy settings");
    }
  }

  /** The name of the setting that applies a proxy to {@code endpoint}, or null. */
  static String proxySetting(URI endpoint, UnaryOperator<String> env, UnaryOperator<String> props) {
    String host = endpoint.getHost() == null ? "" : endpoint.getHost().toLowerCase(Locale.ROOT);
    boolean https = "https".equalsIgnoreCase(endpoint.getScheme());
    String[] vars =
        https
            ? new String[] {"HTTPS_PROXY", "https_proxy"}
            : new String[] {"HTTP_PROXY", "http_proxy"};
    for (String v : vars) {
      String value = env.apply(v);
      if (value != null && !value.isBlank() && !excluded(host, env)) {
        return v;
      }
    }
    String prop = https ? "https.proxyHost" : "http.proxyHost";
    String value = props.apply(prop);
    if (value != null
        && !value.isBlank()
        && !nonProxyHost(host, props.apply("http.nonProxyHosts"))) {
      return prop;
    }
    return null;
  }

  private static boolean excluded(String host, UnaryOperator<String> env) {
    for (String v : new String[] {"NO_PROXY", "no_proxy"}) {
      String list = env.apply(v);
      if (list == null) {
        continue;
      }
      for (String entry : list.split(",")) {
        String e = entry.strip().toLowerCase(Locale.ROOT);
        if (e.equals("*")) {
          return true;
        }
        String suffix = e.startsWith(".") ? e : "." + e;
        if (!e.isEmpty() && (host.equals(e.replaceFirst("^\\.", "")) || host.endsWith(suffix))) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean nonProxyHost(String host, String patterns) {
    if (patterns == null) {
      return false;
    }
    for (String p : patterns.split("\\|")) {
      String regex = p.strip().toLowerCase(Locale.ROOT).replace(".", "\\.").replace("*", ".*");
      if (!regex.isEmpty() && host.matches(regex)) {
        return true;
      }
    }
    return false;
  }
}
