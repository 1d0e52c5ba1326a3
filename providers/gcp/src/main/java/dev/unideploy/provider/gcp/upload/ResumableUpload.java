package dev.unideploy.provider.gcp.upload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.api.client.http.ByteArrayContent;
import com.google.api.client.http.EmptyContent;
import com.google.api.client.http.GenericUrl;
import com.google.api.client.http.HttpRequest;
import com.google.api.client.http.HttpRequestFactory;
import com.google.api.client.http.HttpResponse;
import dev.unideploy.provider.gcp.api.HttpStatusException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Cloud Storage JSON API's resumable upload, on Google's HTTP client: start a session, send
 * chunks with {@code Content-Range}, ask how much the service has persisted, finish with the total
 * and the CRC32C of the whole object.
 *
 * <p>The protocol is written out here, not left to the storage library, because a resume must
 * continue a session started by an earlier process, at the offset the service acknowledged; the
 * library's writer can only resume within one process. See
 * https://cloud.google.com/storage/docs/performing-resumable-uploads.
 */
final class ResumableUpload {
  /** Chunks other than the last must be multiples of this. */
  static final int GRANULE = 256 * 1024;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern RANGE = Pattern.compile("bytes=0-(\\d+)");

  private final HttpRequestFactory requests;
  private final String root;

  /**
   * @param requests authenticated requests (the caller sets timeouts and credentials)
   * @param storageRoot https://storage.googleapis.com, or an emulator's root URL
   */
  ResumableUpload(HttpRequestFactory requests, URI storageRoot) {
    this.requests = requests;
    String r = storageRoot.toString();
    this.root = r.endsWith("/") ? r.substring(0, r.length() - 1) : r;
  }

  /** Where a session stands: bytes persisted, or the finished object. */
  record Status(long persisted, JsonNode object) {
    boolean complete() {
      return object != null;
    }
  }

  /** The session is gone (expired after a week, cancelled, or unknown to the service). */
  static final class SessionGoneException extends IOException {
    SessionGoneException(int status) {
      super("the resumable upload session is gone (HTTP " + status + ")");
    }

    SessionGoneException(String why) {
      super(why);
    }
  }

  /** Starts a session for {@code bucket/object}; returns its URI (a bearer capability). */
  URI start(String bucket, String object, Map<String, String> metadata) throws IOException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", object);
    body.put("contentType", "application/gzip");
    body.put("metadata", metadata);
    GenericUrl url =
        new GenericUrl(
            root
                + "/upload/storage/v1/b/"
                + URLEncoder.encode(bucket, StandardCharsets.UTF_8)
                + "/o?uploadType=resumable");
    HttpRequest request =
        requests.buildPostRequest(
            url,
            new ByteArrayContent("application/json; charset=UTF-8", JSON.writeValueAsBytes(body)));
    request.getHeaders().set("X-Upload-Content-Type", "application/gzip");
    request.setThrowExceptionOnExecuteError(false);
    HttpResponse response = request.execute();
    try {
      if (response.getStatusCode() != 200) {
        throw new HttpStatusException(response.getStatusCode(), response.getStatusMessage());
      }
      String location = response.getHeaders().getLocation();
      if (location == null) {
        throw new IOException("Cloud Storage started no upload session (no Location header)");
      }
      return URI.create(location);
    } finally {
      response.disconnect();
    }
  }

  /** How many bytes the service holds for the session, or the object when it is complete. */
  Status query(URI session) throws IOException {
    HttpRequest request = requests.buildPutRequest(new GenericUrl(session), new EmptyContent());
    request.getHeaders().setContentRange("bytes */*");
    return send(request);
  }

  /**
   * Sends {@code len} bytes of {@code data} from {@code from}, at stream {@code offset}. With
   * {@code total >= 0} this is the last chunk: the service then checks {@code crc32c} (base64,
   * big-endian) and answers with the object.
   */
  Status put(URI session, long offset, byte[] data, int from, int len, long total, String crc32c)
      throws IOException {
    HttpRequest request =
        requests.buildPutRequest(
            new GenericUrl(session),
            len == 0
                ? new EmptyContent()
                : new ByteArrayContent("application/octet-stream", data, from, len));
    String size = total >= 0 ? Long.toString(total) : "*";
    request
        .getHeaders()
        .setContentRange(
            len == 0
                ? "bytes */" + size
                : "bytes " + offset + "-" + (offset + len - 1) + "/" + size);
    if (total >= 0 && crc32c != null) {
      request.getHeaders().set("x-goog-hash", List.of("crc32c=" + crc32c));
    }
    return send(request);
  }

  /** Cancels a session; the service then forgets the bytes it held (answer 499, or 404). */
  void cancel(URI session) throws IOException {
    HttpRequest request = requests.buildDeleteRequest(new GenericUrl(session));
    request.setThrowExceptionOnExecuteError(false);
    request.execute().disconnect();
  }

  private Status send(HttpRequest request) throws IOException {
    request.setThrowExceptionOnExecuteError(false);
    request.setFollowRedirects(false);
    HttpResponse response = request.execute();
    try {
      int code = response.getStatusCode();
      if (code == 308) {
        Object range = response.getHeaders().get("range");
        String value = range instanceof List<?> l && !l.isEmpty() ? String.valueOf(l.get(0)) : null;
        if (value == null && range instanceof String s) {
          value = s;
        }
        if (value == null) {
          return new Status(0, null);
        }
        Matcher m = RANGE.matcher(value.trim());
        if (!m.matches()) {
          throw new IOException("Cloud Storage answered an unreadable Range header: " + value);
        }
        return new Status(Long.parseLong(m.group(1)) + 1, null);
      }
      if (code == 200 || code == 201) {
        try (InputStream in = response.getContent()) {
          JsonNode object = JSON.readTree(in);
          return new Status(object.path("size").asLong(-1), object);
        }
      }
      if (code == 404 || code == 410 || code == 499) {
        throw new SessionGoneException(code);
      }
      // Not HttpResponseException: its message carries the URL, and a session URL is a secret.
      throw new HttpStatusException(code, response.getStatusMessage());
    } finally {
      response.disconnect();
    }
  }
}
