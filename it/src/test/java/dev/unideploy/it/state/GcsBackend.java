package dev.unideploy.it.state;

import dev.unideploy.it.EmulatorEnv;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.state.StateStore;
import dev.unideploy.pipeline.state.StateStores;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** State in a fake-gcs-server bucket, reached through a {@link PreconditionProxy}. */
final class GcsBackend extends StateBackend {
  private static final Pattern NAME = Pattern.compile("\"name\"\\s*:\\s*\"([^\"]+)\"");

  private final String bucket = uniquePrefix("unideploy-state");
  private final URI gcs = EmulatorEnv.get().gcsEndpoint();
  private final PreconditionProxy proxy;
  private final HttpClient http = HttpClient.newHttpClient();

  GcsBackend() throws Exception {
    proxy = new PreconditionProxy(PreconditionProxy.Dialect.GCS, gcs);
    send(
        HttpRequest.newBuilder(gcs.resolve("/storage/v1/b?project=unideploy-test"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + bucket + "\"}"))
            .build());
  }

  private String send(HttpRequest r) throws Exception {
    HttpResponse<String> resp = http.send(r, HttpResponse.BodyHandlers.ofString());
    if (resp.statusCode() / 100 != 2) {
      throw new IllegalStateException(r.uri() + " answered " + resp.statusCode() + resp.body());
    }
    return resp.body();
  }

  @Override
  String scheme() {
    return "gs";
  }

  @Override
  String root() {
    return bucket;
  }

  @Override
  String providersYaml() {
    return "  gcp: {credentials: none, endpoints: {storage: \"" + proxy.endpoint() + "\"}}\n";
  }

  @Override
  Map<String, String> childEnv() {
    return Map.of();
  }

  @Override
  StateStore open(DeployConfig config) {
    return StateStores.open(config);
  }

  @Override
  void putRaw(String key, byte[] data) throws Exception {
    send(
        HttpRequest.newBuilder(
                gcs.resolve(
                    "/upload/storage/v1/b/"
                        + bucket
                        + "/o?uploadType=media&name="
                        + URLEncoder.encode(key, StandardCharsets.UTF_8)))
            .POST(HttpRequest.BodyPublishers.ofByteArray(data))
            .build());
  }

  @Override
  List<String> listRaw(String prefix) throws Exception {
    String body =
        send(
            HttpRequest.newBuilder(
                    gcs.resolve(
                        "/storage/v1/b/"
                            + bucket
                            + "/o?prefix="
                            + URLEncoder.encode(prefix, StandardCharsets.UTF_8)))
                .GET()
                .build());
    List<String> names = new ArrayList<>();
    Matcher m = NAME.matcher(body);
    while (m.find()) {
      if (m.group(1).startsWith(prefix)) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  @Override
  List<String> violations() {
    return proxy.violations();
  }

  @Override
  PreconditionProxy proxy() {
    return proxy;
  }

  @Override
  public void close() {
    proxy.close();
  }
}
