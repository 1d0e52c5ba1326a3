package dev.unideploy.provider.azure.state;

import dev.unideploy.provider.azure.core.StorageRest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.w3c.dom.NodeList;

/**
 * Blob service requests on one container as plain blocking HTTP on the JDK's {@link
 * HttpURLConnection} (keep-alive connections, fixed-length bodies), each signed by a {@link
 * BlobAuthorization} and bounded in time and in the bytes it reads. Why not the storage SDK's
 * client: building it and its first calls made remote state add 6.1% to a publish (median 6314 vs
 * 5953 ms), these calls 1.9% (bench/state-overhead.sh on Azurite, 5+5 runs, same session).
 */
final class BlobHttp {
  /** Error bodies are only read for their {@code <Code>}: a few hundred bytes. */
  private static final int ERROR_BODY_LIMIT = 64 << 10;

  private final String containerUrl;
  private final BlobAuthorization auth;
  private final Duration timeout;

  /**
   * @param endpoint the account's blob endpoint ({@code https://account.blob.core.windows.net}, or
   *     an emulator's {@code http://127.0.0.1:10000/account})
   */
  BlobHttp(URI endpoint, String container, BlobAuthorization auth, Duration timeout) {
    String e = endpoint.toString();
    this.containerUrl = (e.endsWith("/") ? e : e + "/") + container;
    this.auth = auth;
    this.timeout = timeout;
  }

  /** An answer: its status, the headers the store reads, and at most the body's first bytes. */
  record Answer(
      int status,
      byte[] body,
      boolean truncated,
      long length,
      String etag,
      String lastModified,
      String date,
      String errorCode) {}

  /** A request on blob {@code key} ({@code query} without SAS, or null). */
  Answer blob(
      String method,
      String key,
      String query,
      Map<String, String> headers,
      byte[] body,
      long limit) {
    return send(method, containerUrl + "/" + path(key), query, headers, body, limit);
  }

  /** A request on the container itself ({@code restype=container&...}). */
  Answer container(String method, String query, long limit) {
    return send(method, containerUrl, query, Map.of(), null, limit);
  }

  private Answer send(
      String method,
      String base,
      String query,
      Map<String, String> extra,
      byte[] body,
      long limit) {
    String sas = auth.sasQuery();
    String q = query == null ? sas : sas == null ? query : query + "&" + sas;
    URL url = url(q == null ? base : base + "?" + q);
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(
        "x-ms-date",
        DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC)));
    headers.put("x-ms-version", StorageRest.VERSION);
    headers.putAll(extra);
    // HttpURLConnection sends Content-Length itself (fixed-length mode), and none without a body.
    // The service signs an absent and a zero length alike, as empty; the SDK's signer reads an
    // absent one as "null", so a request without a body is signed with "0".
    headers.put("Content-Length", Integer.toString(body == null ? 0 : body.length));
    auth.sign(url, method, headers);
    long deadline = System.nanoTime() + timeout.toNanos();
    HttpURLConnection c = open(url, method);
    headers.forEach(
        (name, value) -> {
          if (!name.equals("Content-Length")) {
            c.setRequestProperty(name, value);
          }
        });
    try {
      if (body != null) {
        c.setDoOutput(true);
        c.setFixedLengthStreamingMode(body.length);
        try (OutputStream out = c.getOutputStream()) {
          out.write(body);
        }
      }
      int status = c.getResponseCode();
      InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
      long length = c.getContentLengthLong();
      long bound = status >= 400 ? ERROR_BODY_LIMIT : limit;
      byte[] data = new byte[0];
      boolean truncated = length > bound;
      if (in != null && truncated) {
        c.disconnect();
      } else if (in != null) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        truncated = read(in, buf, bound, deadline);
        data = buf.toByteArray();
        if (truncated) {
          c.disconnect();
        }
      }
      String code = c.getHeaderField("x-ms-error-code");
      if (code == null && status >= 400) {
        code = errorCode(data);
      }
      return new Answer(
          status,
          data,
          truncated,
          length,
          c.getHeaderField("ETag"),
          c.getHeaderField("Last-Modified"),
          c.getHeaderField("Date"),
          code);
    } catch (IOException e) {
      c.disconnect();
      String why = String.valueOf(e.getMessage());
      throw new UncheckedIOException(
          new IOException(
              method
                  + " "
                  + URI.create(base).getPath()
                  + " failed: "
                  + (sas == null ? why : why.replace(sas, "(SAS)"))));
    }
  }

  /** Reads up to {@code bound} bytes; true when more followed (the rest is not read). */
  private boolean read(InputStream in, ByteArrayOutputStream out, long bound, long deadline)
      throws IOException {
    byte[] chunk = new byte[64 << 10];
    try (in) {
      int n;
      while ((n = in.read(chunk)) >= 0) {
        if (System.nanoTime() - deadline > 0) {
          throw new IOException("no whole answer within " + timeout.toSeconds() + " s");
        }
        if (out.size() + (long) n > bound) {
          return true;
        }
        out.write(chunk, 0, n);
      }
      return false;
    }
  }

  /** The {@code <Code>} of an error body, or null when it has none or is not XML. */
  static String errorCode(byte[] body) {
    if (body.length == 0) {
      return null;
    }
    try {
      NodeList code = StorageRest.parse(body).getElementsByTagName("Code");
      return code.getLength() == 0 ? null : code.item(0).getTextContent().strip();
    } catch (org.xml.sax.SAXException | IOException e) {
      return null;
    }
  }

  private HttpURLConnection open(URL url, String method) {
    try {
      HttpURLConnection c = (HttpURLConnection) url.openConnection();
      c.setRequestMethod(method);
      int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
      c.setConnectTimeout(millis);
      c.setReadTimeout(millis);
      c.setUseCaches(false);
      return c;
    } catch (IOException e) {
      throw new UncheckedIOException("could not open a connection to " + url.getHost(), e);
    }
  }

  private static URL url(String s) {
    try {
      return URI.create(s).toURL();
    } catch (IllegalArgumentException | java.net.MalformedURLException e) {
      // The URL may hold a SAS, and so may the exception's message: neither is passed on.
      throw new IllegalArgumentException(
          "the blob endpoint and SAS of AZURE_STORAGE_CONNECTION_STRING do not make a valid URL");
    }
  }

  /**
   * A blob name as a URL path segment, slashes percent-encoded too, as the storage SDK sends it
   * (the service decodes the path before it checks the signature).
   */
  static String path(String key) {
    return encode(key);
  }

  static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
