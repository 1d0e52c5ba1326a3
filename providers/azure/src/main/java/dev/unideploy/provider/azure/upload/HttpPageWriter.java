package dev.unideploy.provider.azure.upload;

import dev.unideploy.pipeline.resilience.CallPolicy;
import dev.unideploy.provider.azure.core.StorageRest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * Put Page and Get Page Ranges on a blob reached by a SAS URL, as plain blocking HTTP requests on
 * the JDK's {@link HttpURLConnection} (keep-alive connections, fixed-length bodies). The SAS in the
 * URL is the whole authorisation, so no request needs signing; skipping the storage SDK's reactive
 * pipeline for the one call made hundreds of times halves the upload's CPU (BENCHMARKS.md, "Azure
 * upload"). Transient failures (I/O errors, 408, 429, 500, 503) are retried by {@link CallPolicy}.
 * See https://learn.microsoft.com/rest/api/storageservices/put-page and get-page-ranges.
 */
public final class HttpPageWriter implements PageWriter {
  private final String url;
  private final CallPolicy policy;
  private final int timeoutMillis;

  /**
   * @param sasUrl the blob's URL with its SAS query (never logged: errors name the blob path only)
   */
  public HttpPageWriter(String sasUrl, CallPolicy policy, Duration timeout) {
    if (URI.create(sasUrl).getRawQuery() == null) {
      throw new IllegalArgumentException("the blob URL has no SAS query");
    }
    this.url = sasUrl;
    this.policy = policy;
    this.timeoutMillis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
  }

  /** Whether a failure of these calls is worth another attempt. */
  public static boolean retryable(Throwable t) {
    if (t instanceof PageWriteException p) {
      int s = p.status();
      return s == 408 || s == 429 || s == 500 || s == 503;
    }
    return t instanceof UncheckedIOException;
  }

  @Override
  public void putPages(long offset, byte[] buf, int length) {
    if (length > PagePlan.WINDOW || length % PagePlan.PAGE != 0 || offset % PagePlan.PAGE != 0) {
      throw new IllegalArgumentException(
          "Put Page of " + length + " bytes at " + offset + " breaks Azure's 512 B / 4 MiB rules");
    }
    String md5 = Base64.getEncoder().encodeToString(SdkPageWriter.md5(buf, length));
    policy.run("PutPage", () -> put(offset, buf, length, md5));
  }

  private void put(long offset, byte[] buf, int length, String md5) {
    HttpURLConnection c = open(url + "&comp=page", "PUT");
    c.setRequestProperty("x-ms-page-write", "update");
    c.setRequestProperty("x-ms-range", "bytes=" + offset + "-" + (offset + length - 1));
    c.setRequestProperty("Content-MD5", md5);
    c.setDoOutput(true);
    c.setFixedLengthStreamingMode(length);
    try {
      try (OutputStream out = c.getOutputStream()) {
        out.write(buf, 0, length);
      }
      int status = c.getResponseCode();
      if (status != 201) {
        throw failure(c, status, "Put Page at " + offset);
      }
      StorageRest.drain(c.getInputStream());
    } catch (IOException e) {
      c.disconnect();
      throw new UncheckedIOException("Put Page at " + offset + " to " + blobPath() + " failed", e);
    }
  }

  @Override
  public List<long[]> pageRanges() {
    return policy.call("GetPageRanges", this::listRanges);
  }

  private List<long[]> listRanges() {
    List<long[]> out = new ArrayList<>();
    String marker = null;
    do {
      String query = url + "&comp=pagelist" + (marker == null ? "" : "&marker=" + encode(marker));
      HttpURLConnection c = open(query, "GET");
      try {
        int status = c.getResponseCode();
        if (status != 200) {
          throw failure(c, status, "Get Page Ranges");
        }
        byte[] xml;
        try (InputStream in = c.getInputStream()) {
          xml = in.readAllBytes();
        }
        Document doc = StorageRest.parse(xml);
        NodeList ranges = doc.getElementsByTagName("PageRange");
        for (int i = 0; i < ranges.getLength(); i++) {
          Element r = (Element) ranges.item(i);
          long start = Long.parseLong(text(r, "Start"));
          long end = Long.parseLong(text(r, "End"));
          out.add(new long[] {start, end + 1});
        }
        NodeList next = doc.getElementsByTagName("NextMarker");
        marker = next.getLength() == 0 ? null : next.item(0).getTextContent().strip();
        if (marker != null && marker.isEmpty()) {
          marker = null;
        }
      } catch (IOException e) {
        c.disconnect();
        throw new UncheckedIOException("Get Page Ranges of " + blobPath() + " failed", e);
      } catch (SAXException | NumberFormatException e) {
        throw new IllegalStateException(
            "Get Page Ranges of " + blobPath() + " answered bad XML", e);
      }
    } while (marker != null);
    out.sort((a, b) -> Long.compare(a[0], b[0]));
    return out;
  }

  private HttpURLConnection open(String target, String method) {
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create(target).toURL().openConnection();
      c.setRequestMethod(method);
      c.setConnectTimeout(timeoutMillis);
      c.setReadTimeout(timeoutMillis);
      c.setUseCaches(false);
      c.setRequestProperty("x-ms-version", StorageRest.VERSION);
      return c;
    } catch (IOException e) {
      throw new UncheckedIOException("could not reach " + blobPath(), e);
    }
  }

  private PageWriteException failure(HttpURLConnection c, int status, String what)
      throws IOException {
    String code = c.getHeaderField("x-ms-error-code");
    InputStream err = c.getErrorStream();
    if (err != null) {
      StorageRest.drain(err);
    }
    return new PageWriteException(
        status,
        code,
        what + " on " + blobPath() + ": HTTP " + status + (code == null ? "" : " " + code));
  }

  /** The blob's path without the SAS, for messages. */
  private String blobPath() {
    return URI.create(url).getPath();
  }

  private static String text(Element parent, String tag) {
    return parent.getElementsByTagName(tag).item(0).getTextContent().strip();
  }

  private static String encode(String s) {
    return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** A Put Page or Get Page Ranges answered with an error status. */
  public static final class PageWriteException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String code;

    PageWriteException(int status, String code, String message) {
      super(message);
      this.status = status;
      this.code = code;
    }

    public int status() {
      return status;
    }

    public String code() {
      return code;
    }
  }
}
