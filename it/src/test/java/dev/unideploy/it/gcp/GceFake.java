package dev.unideploy.it.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.unideploy.it.EmulatorEnv;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A plain HTTP client of the Compute Engine fake, for tests that look at the REST API itself, and
 * its test-only control paths (faults, the request log, operation timing).
 */
public final class GceFake {
  public static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final URI root;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  public GceFake(URI root) {
    this.root = root;
  }

  public static GceFake fromEnv() {
    return new GceFake(EmulatorEnv.get().gceEndpoint());
  }

  public URI root() {
    return root;
  }

  /** A project name no other test uses. */
  public static String newProject(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** One answer: status and body (null when empty). */
  public record Answer(int status, JsonNode body) {
    public Answer ok() {
      assertThat(status).as("HTTP status, body: %s", body).isBetween(200, 299);
      return this;
    }
  }

  public Answer call(String method, String path, Object body) {
    String text;
    try {
      text = body == null ? null : body instanceof String s ? s : JSON.writeValueAsString(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    HttpRequest.Builder b =
        HttpRequest.newBuilder(root.resolve(path))
            .timeout(TIMEOUT)
            .header("Content-Type", "application/json");
    b.method(
        method,
        text == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(text));
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      JsonNode node = r.body().isEmpty() ? null : JSON.readTree(r.body());
      return new Answer(r.statusCode(), node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public Answer get(String path) {
    return call("GET", path, null);
  }

  public Answer post(String path, Object body) {
    return call("POST", path, body);
  }

  /** The path of a link the fake wrote (https://www.googleapis.com/compute/v1/...). */
  public static String pathOf(String link) {
    int at = link.indexOf("/compute/v1/");
    return link.substring(at);
  }

  /** Polls an operation until DONE; returns every status seen, in order, and the last answer. */
  public List<String> awaitOperation(JsonNode operation, Duration timeout, JsonNode[] last) {
    List<String> seen = new ArrayList<>();
    seen.add(operation.path("status").asText());
    String path = pathOf(operation.path("selfLink").asText());
    long end = System.nanoTime() + timeout.toNanos();
    JsonNode op = operation;
    while (!"DONE".equals(op.path("status").asText())) {
      assertThat(System.nanoTime() - end).as("operation %s did not finish", path).isNegative();
      sleep(20);
      op = get(path).ok().body();
      String status = op.path("status").asText();
      if (!status.equals(seen.get(seen.size() - 1))) {
        seen.add(status);
      }
    }
    if (last != null) {
      last[0] = op;
    }
    return seen;
  }

  /** Waits for an operation and returns it DONE. */
  public JsonNode done(JsonNode operation) {
    JsonNode[] last = new JsonNode[1];
    awaitOperation(operation, Duration.ofSeconds(120), last);
    return last[0];
  }

  public void fault(String method, int status, int times) {
    post("/_fake/faults", Map.of("method", method, "status", status, "times", times)).ok();
  }

  public void action(String method, String action) {
    post("/_fake/faults", Map.of("method", method, "action", action, "times", 1)).ok();
  }

  /** The next call of {@code method} starts its operation, which then ends DONE with an error. */
  public void failOperation(String method, int status, String code, String message) {
    post(
            "/_fake/faults",
            Map.of(
                "method",
                method,
                "action",
                "fail-operation",
                "status",
                status,
                "code",
                code,
                "message",
                message))
        .ok();
  }

  public void clearFaults() {
    call("DELETE", "/_fake/faults", null).ok();
  }

  public void opStepSeconds(double seconds) {
    post("/_fake/settings", Map.of("opStepSeconds", seconds)).ok();
  }

  /** Every API call so far: method id, HTTP method, path, query, status. */
  public List<JsonNode> requests() {
    List<JsonNode> all = new ArrayList<>();
    get("/_fake/requests").ok().body().path("requests").forEach(all::add);
    return all;
  }

  /** The API calls so far whose path mentions {@code project}. */
  public List<JsonNode> requests(String project) {
    return requests().stream()
        .filter(r -> r.path("path").asText().contains("/projects/" + project + "/"))
        .toList();
  }

  public static ObjectNode object() {
    return JSON.createObjectNode();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
