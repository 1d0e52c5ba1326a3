package dev.unideploy.provider.aws.http;

import dev.unideploy.pipeline.UnideployException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * Which HTTP proxy, if any, carries the connections to AWS endpoints of one scheme, read where the
 * AWS SDK reads it: the JVM's {@code https.proxyHost}, {@code https.proxyPort}, {@code
 * https.proxyUser}, {@code https.proxyPassword} and {@code http.nonProxyHosts} when {@code
 * https.proxyHost} is set, else {@code https_proxy} / {@code HTTPS_PROXY} and {@code no_proxy} /
 * {@code NO_PROXY} (lower case first, as the SDK does); {@code http.*} and {@code HTTP_PROXY} for
 * {@code http://} endpoints.
 *
 * <p>The SDK's Apache client, left to itself, reads the {@code http} settings for every endpoint
 * (its proxy scheme defaults to http: https://github.com/aws/aws-sdk-java-v2/issues/3868), so
 * HTTPS_PROXY alone would not reach it. Here the settings follow the endpoint's scheme, as the
 * JDK's and curl's do, and unideploy hands the SDK's clients this same selection: every AWS call of
 * a run takes the same route. Loopback hosts never go through a proxy, which could not reach this
 * machine's loopback anyway.
 */
public final class ProxySelection {
  private static final ProxySelection DIRECT = new ProxySelection(null, List.of());

  private final ProxyRoute proxy;
  private final List<String> bypass;
  private final List<Pattern> bypassPatterns;

  private ProxySelection(ProxyRoute proxy, List<String> bypass) {
    this.proxy = proxy;
    this.bypass = List.copyOf(bypass);
    this.bypassPatterns = bypass.stream().map(Pattern::compile).toList();
  }

  /** No proxy at all. */
  public static ProxySelection direct() {
    return DIRECT;
  }

  /**
   * The selection for endpoints of {@code scheme} ("https" or "http").
   *
   * @param env environment variables ({@code System::getenv} in production)
   * @param props JVM system properties ({@code System::getProperty} in production)
   * @throws UnideployException when a setting does not hold a usable proxy URL (the value is not
   *     repeated: it may hold a password)
   */
  public static ProxySelection resolve(
      String scheme, UnaryOperator<String> env, UnaryOperator<String> props) {
    String s = "http".equalsIgnoreCase(scheme) ? "http" : "https";
    String hostProperty = s + ".proxyHost";
    String host = blankToNull(props.apply(hostProperty));
    if (host != null) {
      int port = port(props.apply(s + ".proxyPort"), s + ".proxyPort", 80);
      ProxyRoute route =
          new ProxyRoute(
              host,
              port,
              blankToNull(props.apply(s + ".proxyUser")),
              props.apply(s + ".proxyPassword"),
              hostProperty);
      String nonProxy = props.apply("http.nonProxyHosts");
      return new ProxySelection(
          route, withLoopback(nonProxy == null ? List.of() : globs(nonProxy)));
    }
    String variable = s + "_proxy";
    for (String name : List.of(variable, variable.toUpperCase(Locale.ROOT))) {
      String value = blankToNull(env.apply(name));
      if (value != null) {
        ProxyRoute route = parseUrl(value.strip(), name);
        String noProxy = blankToNull(env.apply("no_proxy"));
        if (noProxy == null) {
          noProxy = blankToNull(env.apply("NO_PROXY"));
        }
        return new ProxySelection(
            route, withLoopback(noProxy == null ? List.of() : noProxyList(noProxy)));
      }
    }
    return DIRECT;
  }

  /** The proxy named by the settings, whatever hosts it excludes. */
  public Optional<ProxyRoute> proxy() {
    return Optional.ofNullable(proxy);
  }

  /** The proxy connections to {@code host} go through, or empty when they go directly. */
  public Optional<ProxyRoute> routeFor(String host) {
    if (proxy == null) {
      return Optional.empty();
    }
    String h = normalise(host);
    for (Pattern p : bypassPatterns) {
      if (p.matcher(h).matches()) {
        return Optional.empty();
      }
    }
    return Optional.of(proxy);
  }

  /**
   * The hosts that bypass the proxy as regular expressions over the lower-case host name: the form
   * the SDK's {@code ProxyConfiguration.nonProxyHosts} takes.
   */
  public Set<String> bypassPatterns() {
    return new LinkedHashSet<>(bypass);
  }

  @Override
  public String toString() {
    return proxy == null ? "direct" : proxy + " except " + bypass;
  }

  /** {@code http://[user[:password]@]host[:port][/]}; without a scheme, http is meant (curl). */
  private static ProxyRoute parseUrl(String value, String source) {
    String text = value.contains("://") ? value : "http://" + value;
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw notAProxy(source);
    }
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http")) {
      throw new UnideployException(
          source
              + " names a "
              + scheme
              + ":// proxy; unideploy's AWS calls reach proxies over plain http:// and tunnel TLS"
              + " through them with CONNECT: give the proxy's http:// address");
    }
    if (uri.getHost() == null
        || (uri.getRawPath() != null
            && !uri.getRawPath().isEmpty()
            && !uri.getRawPath().equals("/"))
        || uri.getRawQuery() != null) {
      throw notAProxy(source);
    }
    String user = null;
    String password = null;
    if (uri.getUserInfo() != null) {
      String info = uri.getUserInfo();
      int colon = info.indexOf(':');
      user = colon < 0 ? info : info.substring(0, colon);
      password = colon < 0 ? null : info.substring(colon + 1);
    }
    String host = uri.getHost();
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new ProxyRoute(host, uri.getPort() == -1 ? 80 : uri.getPort(), user, password, source);
  }

  private static UnideployException notAProxy(String source) {
    return new UnideployException(
        source
            + " is not a proxy URL: write it like http://proxy.example.com:3128, with"
            + " user:password@ before the host when the proxy asks for them");
  }

  private static int port(String value, String key, int fallback) {
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      int p = Integer.parseInt(value.strip());
      if (p >= 1 && p <= 65535) {
        return p;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UnideployException(key + " '" + value + "' is not a port number (1-65535)");
  }

  /** http.nonProxyHosts: {@code |}-separated host names, each may start or end with {@code *}. */
  private static List<String> globs(String list) {
    List<String> out = new ArrayList<>();
    for (String g : list.split("\\|")) {
      String p = normalise(g.strip());
      if (!p.isEmpty()) {
        out.add(Pattern.quote(p).replace("*", "\\E.*\\Q"));
      }
    }
    return out;
  }

  /**
   * NO_PROXY as curl reads it: comma-separated host names or addresses; {@code *} alone means every
   * host; a name also covers its subdomains; a leading dot or {@code *.} changes nothing; a {@code
   * :port} suffix is ignored (a proxy applies per host here). CIDR ranges are not read.
   */
  private static List<String> noProxyList(String list) {
    List<String> out = new ArrayList<>();
    for (String entry : list.split(",")) {
      String e = normalise(entry.strip());
      if (e.equals("*")) {
        return List.of(".*");
      }
      if (e.startsWith("*.")) {
        e = e.substring(2);
      } else if (e.startsWith(".")) {
        e = e.substring(1);
      }
      int colon = e.lastIndexOf(':');
      if (colon > 0 && e.indexOf(':') == colon) {
        e = e.substring(0, colon); // host:port, not an IPv6 address
      }
      if (!e.isEmpty()) {
        out.add("(.*\\.)?" + Pattern.quote(e));
      }
    }
    return out;
  }

  private static List<String> withLoopback(List<String> patterns) {
    List<String> all = new ArrayList<>(patterns);
    all.add("localhost|.*\\.localhost|127(\\.\\d{1,3}){3}|::1|0:0:0:0:0:0:0:1");
    return all;
  }

  private static String normalise(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    return h;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
