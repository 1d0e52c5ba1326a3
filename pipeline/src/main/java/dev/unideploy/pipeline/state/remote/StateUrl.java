package dev.unideploy.pipeline.state.remote;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.DurationText;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A remote {@code state:} location, {@code scheme://authority/prefix?option=value}: the bucket (or
 * account), the prefix under which journals and locks live, and options such as {@code lease=60s}.
 * The prefix becomes part of object keys, so it is held to a plain character set.
 *
 * @param authority the bucket ({@code s3}, {@code gs}) or storage account ({@code azblob})
 * @param path the rest of the path without leading or trailing slashes; may be empty
 */
public record StateUrl(String scheme, String authority, String path, Map<String, String> params) {

  /** How long a lock holder may stay silent before another run may take the lock over. */
  public static final Duration DEFAULT_LEASE = Duration.ofSeconds(60);

  /** Below this, the renewal period (a third) leaves no room for a slow request. */
  public static final Duration MIN_LEASE = Duration.ofSeconds(6);

  private static final Duration MAX_LEASE = Duration.ofHours(1);
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._=+-]{1,200}");

  /**
   * Parses {@code uri}; {@code extra} names the options its store accepts beyond {@code lease}.
   *
   * @throws UnideployException naming what is wrong and how the URL should look
   */
  public static StateUrl parse(URI uri, String example, Set<String> extra) {
    String scheme = uri.getScheme();
    String authority = uri.getRawAuthority();
    if (authority == null || authority.isBlank() || uri.getRawUserInfo() != null) {
      throw bad(uri, "it names no bucket or account", example);
    }
    String raw = uri.getRawPath() == null ? "" : uri.getRawPath();
    String path = URLDecoder.decode(raw, StandardCharsets.UTF_8);
    while (path.startsWith("/")) {
      path = path.substring(1);
    }
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    if (!path.isEmpty()) {
      for (String segment : path.split("/", -1)) {
        if (!SEGMENT.matcher(segment).matches() || segment.equals(".") || segment.equals("..")) {
          throw bad(
              uri,
              "the prefix '"
                  + path
                  + "' has an empty, '.', '..' or unusual segment (use letters, digits and . _ - =)",
              example);
        }
      }
    }
    Map<String, String> params = new LinkedHashMap<>();
    if (uri.getRawQuery() != null && !uri.getRawQuery().isEmpty()) {
      Set<String> known = new TreeSet<>(extra);
      known.add("lease");
      for (String pair : uri.getRawQuery().split("&")) {
        int eq = pair.indexOf('=');
        String key =
            URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
        String value =
            eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        if (!known.contains(key)) {
          throw bad(
              uri, "option '" + printable(key) + "' is not known (known: " + known + ")", example);
        }
        params.put(key, value);
      }
    }
    if (uri.getRawFragment() != null) {
      throw bad(uri, "it has a #fragment", example);
    }
    StateUrl url = new StateUrl(scheme, authority, path, Map.copyOf(params));
    url.lease(); // checked here, where the URL enters
    return url;
  }

  /** The lease of locks ({@code ?lease=}), 60 s by default. */
  public Duration lease() {
    String text = params.get("lease");
    if (text == null) {
      return DEFAULT_LEASE;
    }
    Duration d;
    try {
      d = DurationText.parse(text);
    } catch (IllegalArgumentException e) {
      throw new UnideployException("state option lease: " + e.getMessage());
    }
    if (d.compareTo(MIN_LEASE) < 0 || d.compareTo(MAX_LEASE) > 0) {
      throw new UnideployException(
          "state option lease="
              + text
              + " is out of range: use 6s to 1h (a dead run's lock frees after this long; the"
              + " holder renews it every third of it)");
    }
    return d;
  }

  private static String printable(String s) {
    return s.length() > 40 || !SEGMENT.matcher(s).matches() ? "(unprintable)" : s;
  }

  /** The prefix of every key: the path and a slash, or nothing. */
  public String keyPrefix() {
    return path.isEmpty() ? "" : path + "/";
  }

  /** The location without options, for messages and results. */
  public String display() {
    return scheme + "://" + authority + (path.isEmpty() ? "" : "/" + path);
  }

  private static UnideployException bad(URI uri, String why, String example) {
    // Only scheme, host and path: a query or user part may hold a token that must not be shown.
    String shown =
        uri.getScheme()
            + "://"
            + (uri.getHost() == null ? "" : uri.getHost())
            + (uri.getRawPath() == null ? "" : uri.getRawPath());
    return new UnideployException(
        "state location '" + shown + "' cannot be used: " + why + "; write it like " + example);
  }
}
