package dev.unideploy.provider.gcp.upload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.api.client.http.ByteArrayContent;
import com.google.api.client.http.GenericUrl;
import com.google.api.client.http.HttpRequest;
import com.google.api.client.http.HttpRequestFactory;
import com.google.api.client.http.HttpResponse;
import dev.unideploy.provider.gcp.api.GcpCall;
import dev.unideploy.provider.gcp.api.HttpStatusException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link ObjectStore} on the Cloud Storage JSON API, over the same authenticated HTTP client as the
 * upload, each call through the run's call policy. Three calls (objects.get, objects.delete and
 * objects.compose) do not justify the storage client library, which cost 0.7 s to build and make
 * its first call, and some sixty jars (gRPC, OpenTelemetry) the upload never uses. See
 * https://cloud.google.com/storage/docs/json_api/v1/objects.
 */
public final class JsonObjects implements ObjectStore {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpRequestFactory requests;
  private final String root;
  private final GcpCall calls;

  public JsonObjects(HttpRequestFactory requests, URI storageRoot, GcpCall calls) {
    this.requests = requests;
    String r = storageRoot.toString();
    this.root = r.endsWith("/") ? r.substring(0, r.length() - 1) : r;
    this.calls = calls;
  }

  @Override
  public Optional<StoredObject> get(String bucket, String object) {
    return calls.call("storage.objects.get", () -> unchecked(() -> read(bucket, object)));
  }

  @Override
  public boolean delete(String bucket, String object) {
    return calls.call("storage.objects.delete", () -> unchecked(() -> remove(bucket, object)));
  }

  /** See https://cloud.google.com/storage/docs/json_api/v1/objects/compose. */
  @Override
  public StoredObject compose(
      String bucket,
      String destination,
      List<String> sources,
      String contentType,
      Map<String, String> metadata) {
    return calls.call(
        "storage.objects.compose",
        () -> unchecked(() -> join(bucket, destination, sources, contentType, metadata)));
  }

  private Optional<StoredObject> read(String bucket, String object) throws IOException {
    HttpRequest request = requests.buildGetRequest(url(bucket, object));
    return answer(request, true);
  }

  private StoredObject join(
      String bucket,
      String destination,
      List<String> sources,
      String contentType,
      Map<String, String> metadata)
      throws IOException {
    Map<String, Object> resource = new LinkedHashMap<>();
    resource.put("contentType", contentType);
    resource.put("metadata", metadata);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("sourceObjects", sources.stream().map(s -> Map.of("name", s)).toList());
    body.put("destination", resource);
    HttpRequest request =
        requests.buildPostRequest(
            new GenericUrl(url(bucket, destination).build() + "/compose"),
            new ByteArrayContent("application/json; charset=UTF-8", JSON.writeValueAsBytes(body)));
    return answer(request, false)
        .orElseThrow(() -> new IOException("a source of " + destination + " is missing"));
  }

  /** The object a GET or compose answers with; empty for 404 when {@code missingIsEmpty}. */
  private Optional<StoredObject> answer(HttpRequest request, boolean missingIsEmpty)
      throws IOException {
    request.setThrowExceptionOnExecuteError(false);
    HttpResponse response = request.execute();
    try {
      if (missingIsEmpty && response.getStatusCode() == 404) {
        return Optional.empty();
      }
      if (response.getStatusCode() != 200) {
        throw new HttpStatusException(response.getStatusCode(), response.getStatusMessage());
      }
      try (InputStream in = response.getContent()) {
        JsonNode o = JSON.readTree(in);
        Map<String, String> metadata = new LinkedHashMap<>();
        o.path("metadata")
            .properties()
            .forEach(e -> metadata.put(e.getKey(), e.getValue().asText()));
        return Optional.of(
            new StoredObject(o.path("size").asLong(-1), o.path("crc32c").asText(null), metadata));
      }
    } finally {
      response.disconnect();
    }
  }

  private boolean remove(String bucket, String object) throws IOException {
    HttpRequest request = requests.buildDeleteRequest(url(bucket, object));
    request.setThrowExceptionOnExecuteError(false);
    HttpResponse response = request.execute();
    try {
      int code = response.getStatusCode();
      if (code == 404) {
        return false;
      }
      if (code != 200 && code != 204) {
        throw new HttpStatusException(code, response.getStatusMessage());
      }
      return true;
    } finally {
      response.disconnect();
    }
  }

  private GenericUrl url(String bucket, String object) {
    return new GenericUrl(
        root
            + "/storage/v1/b/"
            + URLEncoder.encode(bucket, StandardCharsets.UTF_8)
            + "/o/"
            + URLEncoder.encode(object, StandardCharsets.UTF_8).replace("+", "%20"));
  }

  /** An I/O call, its IOException wrapped so the call policy sees it (and may retry it). */
  private static <T> T unchecked(IoCall<T> call) {
    try {
      return call.run();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @FunctionalInterface
  private interface IoCall<T> {
    T run() throws IOException;
  }
}
