package dev.unideploy.provider.gcp.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.api.client.http.ByteArrayContent;
import com.google.api.client.http.GenericUrl;
import com.google.api.client.http.HttpRequest;
import com.google.api.client.http.HttpRequestFactory;
import com.google.api.client.http.HttpResponse;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.state.remote.ObjectStore;
import dev.unideploy.pipeline.state.remote.StoredObject;
import dev.unideploy.provider.gcp.api.GcpCall;
import dev.unideploy.provider.gcp.api.GcpCallException;
import dev.unideploy.provider.gcp.api.HttpStatusException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Remote state objects in a Cloud Storage bucket, written with generation preconditions: {@code
 * ifGenerationMatch=0} creates only a new name, {@code ifGenerationMatch=<generation>} replaces or
 * deletes only the generation last read; both answer 412 otherwise
 * (https://cloud.google.com/storage/docs/request-preconditions). Plain JSON API calls
 * (https://cloud.google.com/storage/docs/json_api/v1/objects) on the HTTP client the tarball upload
 * uses, each through the call policy, which retries transient failures: the calls are idempotent
 * under their preconditions. The storage client library cost a publish 0.7 s to build and make its
 * first call, for five calls.
 */
final class GcsObjectStore implements ObjectStore {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String JSON_TYPE = "application/json";

  private final HttpRequestFactory requests;
  private final String root;
  private final String bucket;
  private final GcpCall calls;
  private final ServerClock clock = new ServerClock();

  GcsObjectStore(HttpRequestFactory requests, URI storageRoot, String bucket, GcpCall calls) {
    this.requests = requests;
    String r = storageRoot.toString();
    this.root = r.endsWith("/") ? r.substring(0, r.length() - 1) : r;
    this.bucket = bucket;
    this.calls = calls;
  }

  @Override
  public Optional<StoredObject> get(String key) {
    // Metadata, then the bytes of that generation: if it changed in between, read again.
    for (int attempt = 0; attempt < 3; attempt++) {
      Optional<JsonNode> meta = call("objects.get", key, () -> metadata(key));
      if (meta.isEmpty()) {
        return Optional.empty();
      }
      long size = meta.get().path("size").asLong(0);
      if (size > MAX_OBJECT_BYTES) {
        throw new UnideployException(
            url(key)
                + " is "
                + size
                + " bytes, far more than any state object: it is not one unideploy wrote;"
                + " move it out of the state prefix");
      }
      String generation = meta.get().path("generation").asText();
      Optional<byte[]> data = call("objects.get", key, () -> media(key, generation));
      if (data.isPresent()) {
        return Optional.of(
            new StoredObject(
                data.get(),
                generation,
                Instant.parse(meta.get().path("updated").asText()),
                clock.now()));
      }
    }
    throw new UnideployException(
        url(key) + " kept changing while it was read: another writer is rewriting it");
  }

  @Override
  public Optional<String> createIfAbsent(String key, byte[] data) {
    return call("objects.insert", key, () -> insert(key, data, "0"));
  }

  @Override
  public Optional<String> replaceIfMatch(String key, byte[] data, String version) {
    return call("objects.insert", key, () -> insert(key, data, version));
  }

  @Override
  public boolean deleteIfMatch(String key, String version) {
    return call(
        "objects.delete",
        key,
        () -> {
          HttpResponse r =
              send(requests.buildDeleteRequest(object(key, "ifGenerationMatch=" + version)));
          try {
            int code = r.getStatusCode();
            if (code == 412 || code == 404) {
              return false;
            }
            ok(r, 200, 204);
            return true;
          } finally {
            r.disconnect();
          }
        });
  }

  @Override
  public List<String> list(String prefix) {
    return call(
        "objects.list",
        prefix,
        () -> {
          List<String> keys = new ArrayList<>();
          String pageToken = null;
          do {
            String query =
                "prefix="
                    + encode(prefix)
                    + "&fields=items(name),nextPageToken"
                    + (pageToken == null ? "" : "&pageToken=" + encode(pageToken));
            JsonNode page = json(requests.buildGetRequest(bucketUrl("/o?" + query)));
            page.path("items").forEach(i -> keys.add(i.path("name").asText()));
            pageToken = page.path("nextPageToken").asText(null);
          } while (pageToken != null && !pageToken.isEmpty());
          keys.sort(null);
          return keys;
        });
  }

  @Override
  public String url(String key) {
    return "gs://" + bucket + "/" + key;
  }

  private Optional<JsonNode> metadata(String key) throws IOException {
    HttpResponse r = send(requests.buildGetRequest(object(key, null)));
    try {
      if (r.getStatusCode() == 404) {
        return Optional.empty();
      }
      ok(r, 200);
      try (InputStream in = r.getContent()) {
        return Optional.of(JSON.readTree(in));
      }
    } finally {
      r.disconnect();
    }
  }

  /** The bytes of {@code generation}; empty when the object changed or went meanwhile. */
  private Optional<byte[]> media(String key, String generation) throws IOException {
    HttpResponse r =
        send(requests.buildGetRequest(object(key, "alt=media&ifGenerationMatch=" + generation)));
    try {
      if (r.getStatusCode() == 412 || r.getStatusCode() == 404) {
        return Optional.empty();
      }
      ok(r, 200);
      try (InputStream in = r.getContent()) {
        return Optional.of(in.readNBytes((int) MAX_OBJECT_BYTES + 1));
      }
    } finally {
      r.disconnect();
    }
  }

  /** Writes {@code key} if its generation is {@code generation} ("0": absent); the new one. */
  private Optional<String> insert(String key, byte[] data, String generation) throws IOException {
    GenericUrl u =
        new GenericUrl(
            root
                + "/upload/storage/v1/b/"
                + encode(bucket)
                + "/o?uploadType=media&name="
                + encode(key)
                + "&ifGenerationMatch="
                + generation);
    HttpResponse r = send(requests.buildPostRequest(u, new ByteArrayContent(JSON_TYPE, data)));
    try {
      if (r.getStatusCode() == 412 || (r.getStatusCode() == 404 && !generation.equals("0"))) {
        return Optional.empty();
      }
      ok(r, 200);
      try (InputStream in = r.getContent()) {
        return Optional.of(JSON.readTree(in).path("generation").asText());
      }
    } finally {
      r.disconnect();
    }
  }

  private JsonNode json(HttpRequest request) throws IOException {
    HttpResponse r = send(request);
    try {
      ok(r, 200);
      try (InputStream in = r.getContent()) {
        return JSON.readTree(in);
      }
    } finally {
      r.disconnect();
    }
  }

  private HttpResponse send(HttpRequest request) throws IOException {
    request.setThrowExceptionOnExecuteError(false);
    HttpResponse r = request.execute();
    clock.record(r.getHeaders().getDate());
    return r;
  }

  private static void ok(HttpResponse r, int... expected) throws HttpStatusException {
    for (int e : expected) {
      if (r.getStatusCode() == e) {
        return;
      }
    }
    throw new HttpStatusException(r.getStatusCode(), r.getStatusMessage());
  }

  private GenericUrl object(String key, String query) {
    return bucketUrl("/o/" + encode(key).replace("+", "%20") + (query == null ? "" : "?" + query));
  }

  private GenericUrl bucketUrl(String rest) {
    return new GenericUrl(root + "/storage/v1/b/" + encode(bucket) + rest);
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private <T> T call(String api, String key, IoCall<T> body) {
    try {
      return calls.call(
          "storage." + api,
          () -> {
            try {
              return body.run();
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    } catch (GcpCallException e) {
      throw new UnideployException(
          api + " on " + url(key) + " failed: " + e.getMessage() + hint(e.httpStatus()), e);
    }
  }

  private static String hint(int status) {
    return switch (status) {
      case 401, 403 ->
          "; the state needs storage.objects.get, create, delete and list on the bucket"
              + " (roles/storage.objectUser), see docs/state.md";
      case 404 -> "; create the bucket first, or fix its name in state:";
      default -> "";
    };
  }

  @FunctionalInterface
  private interface IoCall<T> {
    T run() throws IOException;
  }
}
