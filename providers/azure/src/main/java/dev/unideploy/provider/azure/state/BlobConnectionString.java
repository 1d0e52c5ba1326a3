package dev.unideploy.provider.azure.state;

import java.net.URI;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

/**
 * The parts of a storage connection string the state needs: the account, its blob endpoint, and
 * either the account key or a SAS
 * (https://learn.microsoft.com/azure/storage/common/storage-configure-connection-string). Parse
 * errors never quote the string: it holds a secret.
 *
 * @param key the account key (base64), or null when the string carries a SAS
 * @param sas the SAS query without its leading {@code ?}, or null
 */
record BlobConnectionString(String account, URI endpoint, String key, String sas) {
  /**
   * Azurite's documented default account and key, which {@code UseDevelopmentStorage=true} means.
   */
  private static final String DEV_ACCOUNT = "devstoreaccount1";

  private static final String DEV_KEY =
      "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

  @Override
  public String toString() {
    return "BlobConnectionString[account=" + account + ", endpoint=" + endpoint + "]";
  }

  /**
   * @throws IllegalArgumentException (saying which part is wrong, never quoting it) when {@code s}
   *     is not a connection string with an account, a blob endpoint, and a key or a SAS
   */
  static BlobConnectionString parse(String s) {
    Map<String, String> parts = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (String part : s.strip().split(";")) {
      if (part.isBlank()) {
        continue;
      }
      int eq = part.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("a part is not Name=Value");
      }
      parts.put(part.substring(0, eq).strip(), part.substring(eq + 1).strip());
    }
    if ("true".equalsIgnoreCase(parts.get("UseDevelopmentStorage"))) {
      return new BlobConnectionString(
          DEV_ACCOUNT, URI.create("http://127.0.0.1:10000/" + DEV_ACCOUNT), DEV_KEY, null);
    }
    String key = parts.get("AccountKey");
    String sas = parts.get("SharedAccessSignature");
    if (key != null) {
      decodeKey(key);
    } else if (sas != null && !sas.isEmpty()) {
      sas = sas.startsWith("?") ? sas.substring(1) : sas;
      try {
        URI.create("https://host/?" + sas);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("its SharedAccessSignature is not a URL query");
      }
    } else {
      throw new IllegalArgumentException("it has neither AccountKey nor SharedAccessSignature");
    }
    URI endpoint = endpoint(parts);
    String account = parts.get("AccountName");
    if (account == null || account.isEmpty()) {
      account = accountOf(endpoint);
    }
    return new BlobConnectionString(account, endpoint, key, key != null ? null : sas);
  }

  /** The key's bytes; an {@link IllegalArgumentException} that does not quote it otherwise. */
  static byte[] decodeKey(String key) {
    try {
      return Base64.getDecoder().decode(key);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the account key is not base64");
    }
  }

  private static URI endpoint(Map<String, String> parts) {
    String blob = parts.get("BlobEndpoint");
    String account = parts.get("AccountName");
    URI u;
    if (blob != null && !blob.isEmpty()) {
      u = uri(blob.endsWith("/") ? blob.substring(0, blob.length() - 1) : blob);
    } else if (account != null && !account.isEmpty()) {
      String protocol = parts.getOrDefault("DefaultEndpointsProtocol", "https");
      String suffix = parts.getOrDefault("EndpointSuffix", "core.windows.net");
      u = uri(protocol + "://" + account + ".blob." + suffix);
    } else {
      throw new IllegalArgumentException("it has neither BlobEndpoint nor AccountName");
    }
    if (u.getHost() == null || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))) {
      throw new IllegalArgumentException("its blob endpoint is not an http(s) URL");
    }
    return u;
  }

  private static URI uri(String s) {
    try {
      return new URI(s);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("its blob endpoint is not a URL");
    }
  }

  /**
   * The account an endpoint serves: the first path segment of an emulator's address
   * (http://127.0.0.1:10000/account), else the host's first label (account.blob.core.windows.net).
   */
  static String accountOf(URI endpoint) {
    String host = endpoint.getHost();
    boolean pathStyle = host.equals("localhost") || host.startsWith("[") || host.matches("[0-9.]+");
    if (pathStyle) {
      String path = endpoint.getPath() == null ? "" : endpoint.getPath();
      String first = path.replaceFirst("^/", "").split("/", 2)[0];
      if (first.isEmpty()) {
        throw new IllegalArgumentException("its blob endpoint names no account");
      }
      return first;
    }
    return host.split("\\.", 2)[0];
  }
}
