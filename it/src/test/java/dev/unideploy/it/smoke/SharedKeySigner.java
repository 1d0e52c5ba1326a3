package dev.unideploy.it.smoke;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Computes the Azure Storage Shared Key Authorization header for a blob request.
 *
 * <p>Follows https://learn.microsoft.com/rest/api/storageservices/authorize-with-shared-key
 * (version 2015-02-21 and later: an empty Content-Length line when the body is empty). The caller
 * sends x-ms-date rather than Date, because java.net.http does not let it set Date; so the Date
 * line is always empty.
 */
final class SharedKeySigner {

  /** The standard headers that take a fixed line of the string to sign, in order. */
  private static final List<String> STANDARD_HEADERS =
      List.of(
          "content-encoding",
          "content-language",
          "content-length",
          "content-md5",
          "content-type",
          "date",
          "if-modified-since",
          "if-match",
          "if-none-match",
          "if-unmodified-since",
          "range");

  private final String account;
  private final byte[] key;

  SharedKeySigner(String account, String base64Key) {
    this.account = account;
    this.key = Base64.getDecoder().decode(base64Key);
  }

  /**
   * The value of the Authorization header.
   *
   * @param headers every header the request will carry (names in any case), including
   *     Content-Length when the body is not empty
   */
  String authorization(String method, URI uri, Map<String, String> headers) {
    return "SharedKey " + account + ":" + sign(stringToSign(method, uri, headers));
  }

  String stringToSign(String method, URI uri, Map<String, String> headers) {
    Map<String, String> lower = new TreeMap<>();
    headers.forEach((name, value) -> lower.put(name.toLowerCase(Locale.ROOT), value.strip()));
    StringBuilder s = new StringBuilder(method).append('\n');
    for (String name : STANDARD_HEADERS) {
      String value = lower.getOrDefault(name, "");
      if (name.equals("content-length") && value.equals("0")) {
        value = "";
      }
      s.append(value).append('\n');
    }
    lower.forEach(
        (name, value) -> {
          if (name.startsWith("x-ms-")) {
            s.append(name).append(':').append(value).append('\n');
          }
        });
    // Path-style URLs (Azurite) already start with /account, so the account appears twice.
    s.append('/').append(account).append(uri.getRawPath());
    canonicalQuery(uri)
        .forEach(
            (name, values) ->
                s.append('\n').append(name).append(':').append(String.join(",", values)));
    return s.toString();
  }

  private static Map<String, List<String>> canonicalQuery(URI uri) {
    Map<String, List<String>> query = new TreeMap<>();
    String raw = uri.getRawQuery();
    if (raw == null || raw.isEmpty()) {
      return query;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq)).toLowerCase(Locale.ROOT);
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      query.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
    }
    query.values().forEach(values -> values.sort(null));
    return query;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  private String sign(String stringToSign) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return Base64.getEncoder()
          .encodeToString(mac.doFinal(stringToSign.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no HmacSHA256", e);
    }
  }
}
