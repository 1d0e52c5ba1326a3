package dev.unideploy.it.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Replays recorded real ARM traffic (it/src/test/resources/recordings/azure) against the ARM fake
 * and checks that it answers like Azure did: the same status codes, the long-running-operation
 * headers (Azure-AsyncOperation, Location) where Azure sent them, status documents that go from
 * InProgress to the recorded terminal state, and response bodies of the same shape. Request bodies
 * were not recorded, so each PUT sends the recorded response without its read-only fields.
 */
class ArmConformanceTest {
  private static final Pattern GROUP =
      Pattern.compile("(?i)^/subscriptions/[^/]+/resourcegroups/([^/]+)(/.*)?$");
  private static final Pattern OPERATION =
      Pattern.compile(
          "(?i)/providers/Microsoft\\.(Compute|Network)/locations/[^/]+/(DiskOperations|capsOperations|operations)/");

  /** Resource types the fake serves; calls on others (VMs, VNets, storage) are not replayed. */
  private static final Pattern SERVED =
      Pattern.compile(
          "(?i)/providers/(Microsoft\\.Compute/(disks|galleries|images)|Microsoft\\.Network/loadBalancers)(/|$)");

  private static final Set<String> READ_ONLY =
      Set.of(
          "id",
          "etag",
          "type",
          "provisioningState",
          "uniqueId",
          "timeCreated",
          "diskState",
          "resourceGuid",
          "diskIOPSReadWrite",
          "diskMBpsReadWrite",
          "encryption",
          "isArmResource",
          "networkAccessPolicy",
          "identifier_uniqueName",
          "loadBalancingRules_ro",
          "inboundNatRules");

  private static ArmFake arm;

  @BeforeAll
  static void fake() {
    arm = ArmFake.get();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "disk-create-upload-then-delete.json",
        "disk-empty-create-update-grantaccess-revokeaccess-delete.json",
        "gallery-crud.json",
        "gallery-image-definition-crud.json",
        "loadbalancer-probes-crud.json"
      })
  void answersLikeTheRecording(String file) throws IOException {
    JsonNode recording = load(file);
    String suffix = "-" + UUID.randomUUID().toString().substring(0, 6);
    String lastAsync = null;
    String lastLocation = null;
    int replayed = 0;
    int polled = 0;
    for (JsonNode call : recording.get("networkCallRecords")) {
      String method = call.get("Method").asText();
      URI uri = URI.create(call.get("Uri").asText());
      JsonNode response = call.get("Response");
      int status = Integer.parseInt(response.get("StatusCode").asText());
      String body = response.path("Body").asText("");
      Matcher g = GROUP.matcher(uri.getPath());
      if (!g.matches()) {
        continue; // subscription-level calls: operation results of group deletes, lists
      }
      String rest = g.group(2) == null ? "" : g.group(2);
      String ours = arm.groupPath(g.group(1) + suffix) + rest;
      String query = "?" + uri.getRawQuery();
      if (rest.isEmpty()) {
        if (method.equals("PUT")) {
          String location = ArmFake.JSON.readTree(body).path("location").asText();
          assertThat(
                  arm.send("PUT", ours + query, "{\"location\":\"" + location + "\"}").statusCode())
              .isIn(200, 201);
        }
        continue;
      }
      if (!SERVED.matcher(rest).find()) {
        continue;
      }
      String label = file + ": " + method + " " + rest;
      String requestBody = null;
      if (method.equals("PUT") && !body.isEmpty()) {
        requestBody = ArmFake.JSON.writeValueAsString(writable(ArmFake.JSON.readTree(body)));
      } else if (rest.toLowerCase(Locale.ROOT).endsWith("/begingetaccess")) {
        requestBody = "{\"access\":\"Read\",\"durationInSeconds\":3600}";
      }
      HttpResponse<String> r = arm.send(method, ours + query, requestBody);
      assertThat(r.statusCode()).as(label + "\n" + r.body()).isEqualTo(status);
      Map<String, String> recordedHeaders = lower(response);
      if (recordedHeaders.containsKey("azure-asyncoperation")) {
        assertThat(r.headers().firstValue("Azure-AsyncOperation")).as(label).isPresent();
        lastAsync = r.headers().firstValue("Azure-AsyncOperation").get();
      }
      if (recordedHeaders.containsKey("location")) {
        assertThat(r.headers().firstValue("Location")).as(label).isPresent();
        lastLocation = r.headers().firstValue("Location").get();
      }
      if (!body.isEmpty() && body.strip().startsWith("{")) {
        sameShape(label, ArmFake.JSON.readTree(body), ArmFake.json(r));
      }
      replayed++;
      // The recorded polls of this operation follow; check ours ends the same way.
      polled += checkPolls(recording, call, lastAsync, lastLocation, label);
    }
    assertThat(replayed).as("resource calls replayed from " + file).isGreaterThanOrEqualTo(4);
    assertThat(polled).as("operations polled in " + file).isGreaterThanOrEqualTo(1);
  }

  /** Compares our operation with the recorded polls that follow {@code call}. */
  private static int checkPolls(
      JsonNode recording, JsonNode call, String async, String location, String label) {
    boolean after = false;
    JsonNode lastStatus = null;
    boolean monitorPolled = false;
    JsonNode monitorBody = null;
    for (JsonNode c : recording.get("networkCallRecords")) {
      if (c == call) {
        after = true;
        continue;
      }
      if (!after) {
        continue;
      }
      String path = URI.create(c.get("Uri").asText()).getPath();
      if (!OPERATION.matcher(path).find()) {
        break;
      }
      String body = c.get("Response").path("Body").asText("");
      boolean monitor = c.get("Uri").asText().contains("monitor=true");
      try {
        if (monitor) {
          monitorPolled = true;
          monitorBody = body.isEmpty() ? null : ArmFake.JSON.readTree(body);
        } else if (!body.isEmpty()) {
          lastStatus = ArmFake.JSON.readTree(body);
        }
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
    int checked = 0;
    if (lastStatus != null && lastStatus.has("status")) {
      assertThat(async).as(label + ": Azure-AsyncOperation to poll").isNotNull();
      JsonNode doc = arm.awaitOperation(async, Duration.ofSeconds(30));
      assertThat(doc.path("status").asText())
          .as(label)
          .isEqualTo(lastStatus.get("status").asText());
      for (Iterator<String> it = lastStatus.fieldNames(); it.hasNext(); ) {
        String k = it.next();
        assertThat(doc.has(k)).as(label + ": status document field " + k + " in " + doc).isTrue();
      }
      if (lastStatus.has("properties")) {
        assertThat(doc.path("properties").has("output")).as(label).isTrue();
      }
      checked++;
    }
    if (monitorPolled) {
      assertThat(location).as(label + ": Location to poll").isNotNull();
      HttpResponse<String> r = arm.send("GET", location, null);
      for (int i = 0; i < 200 && r.statusCode() == 202; i++) {
        sleep();
        r = arm.send("GET", location, null);
      }
      assertThat(r.statusCode()).as(label + ": final Location GET").isEqualTo(200);
      if (monitorBody != null) {
        for (Iterator<String> it = monitorBody.fieldNames(); it.hasNext(); ) {
          assertThat(ArmFake.json(r).has(it.next())).as(label + ": " + r.body()).isTrue();
        }
      }
      checked++;
    }
    return checked;
  }

  @Test
  void missingResourceIs404LikeAzure() throws IOException {
    JsonNode recorded = errorBody("vm-force-delete-then-get-404.json", "404");
    String rg = arm.newResourceGroup("conf");
    HttpResponse<String> r =
        arm.send(
            "GET",
            arm.groupPath(rg) + "/providers/Microsoft.Compute/disks/nope?api-version=2024-03-02",
            null);
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.headers().firstValue("x-ms-failure-cause")).contains("gateway");
    JsonNode error = ArmFake.json(r).get("error");
    assertThat(error.get("code").asText()).isEqualTo(recorded.at("/error/code").asText());
    assertThat(error.get("message").asText())
        .matches(
            "The Resource 'Microsoft.Compute/disks/nope' under resource group '"
                + rg
                + "' was not found.*");
  }

  @Test
  void immutableChangeIs409WithTargetLikeAzure() throws IOException {
    JsonNode recorded = errorBody("vm-patch-409-operationnotallowed-errors.json", "409");
    String rg = arm.newResourceGroup("conf");
    String gallery = arm.groupPath(rg) + "/providers/Microsoft.Compute/galleries/g1";
    String api = "?api-version=2024-03-03";
    assertThat(arm.send("PUT", gallery + api, "{\"location\":\"westeurope\"}").statusCode())
        .isEqualTo(201);
    String def =
        "{\"location\":\"westeurope\",\"properties\":{\"osType\":\"Linux\",\"osState\":\"%s\","
            + "\"identifier\":{\"publisher\":\"p\",\"offer\":\"o\",\"sku\":\"s\"}}}";
    assertThat(
            arm.send("PUT", gallery + "/images/i1" + api, def.formatted("Generalized"))
                .statusCode())
        .isEqualTo(201);
    HttpResponse<String> r =
        arm.send("PUT", gallery + "/images/i1" + api, def.formatted("Specialized"));
    assertThat(r.statusCode()).isEqualTo(409);
    JsonNode error = ArmFake.json(r).get("error");
    // Same fields as Azure's 409 PropertyChangeNotAllowed: code, message, target.
    JsonNode last = recorded;
    assertThat(error.get("code").asText()).isEqualTo("PropertyChangeNotAllowed");
    assertThat(error.has("message") && error.has("target")).as(error.toString()).isTrue();
    assertThat(last.at("/error/code").asText())
        .isIn("OperationNotAllowed", "PropertyChangeNotAllowed");
  }

  @Test
  void throttlingIs429WithRetryAfter() {
    String rg = arm.newResourceGroup("conf");
    String path = arm.groupPath(rg) + "/providers/Microsoft.Compute/disks?api-version=2024-03-02";
    arm.fault(
        Map.of(
            "status",
            429,
            "path",
            "/resourceGroups/" + rg + "/",
            "count",
            1,
            "retryAfter",
            3,
            "code",
            "TooManyRequests",
            "message",
            "throttled (test)"));
    HttpResponse<String> r = arm.send("GET", path, null);
    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.headers().firstValue("Retry-After")).contains("3");
    assertThat(ArmFake.json(r).at("/error/code").asText()).isEqualTo("TooManyRequests");
    assertThat(arm.send("GET", path, null).statusCode()).as("one fault only").isEqualTo(200);
  }

  @Test
  void failedOperationLooksLikeAzures() throws IOException {
    JsonNode recorded = null;
    for (JsonNode c :
        load("vm-extension-create-async-operation-failed.json").get("networkCallRecords")) {
      if (c.get("Response").path("Body").asText("").contains("\"Failed\"")) {
        recorded = ArmFake.JSON.readTree(c.get("Response").get("Body").asText());
      }
    }
    assertThat(recorded).isNotNull();
    // An image version whose source disk is empty (no VHD footer) must fail asynchronously.
    String rg = arm.newResourceGroup("conf");
    String base = arm.groupPath(rg) + "/providers/Microsoft.Compute";
    HttpResponse<String> disk =
        arm.send(
            "PUT",
            base + "/disks/d1?api-version=2024-03-02",
            "{\"location\":\"westeurope\",\"properties\":{\"creationData\":{\"createOption\":\"Upload\","
                + "\"uploadSizeBytes\":20972032}}}");
    arm.awaitOperation(
        disk.headers().firstValue("Azure-AsyncOperation").get(), Duration.ofSeconds(30));
    String api = "?api-version=2024-03-03";
    arm.send("PUT", base + "/galleries/g1" + api, "{\"location\":\"westeurope\"}");
    arm.send(
        "PUT",
        base + "/galleries/g1/images/i1" + api,
        "{\"location\":\"westeurope\",\"properties\":{\"osType\":\"Linux\",\"osState\":\"Generalized\","
            + "\"identifier\":{\"publisher\":\"p\",\"offer\":\"o\",\"sku\":\"s\"}}}");
    HttpResponse<String> v =
        arm.send(
            "PUT",
            base + "/galleries/g1/images/i1/versions/1.0.0" + api,
            "{\"location\":\"westeurope\",\"properties\":{\"storageProfile\":{\"osDiskImage\":{\"source\":"
                + "{\"id\":\""
                + ArmFake.json(disk).get("id").asText()
                + "\"}}}}}");
    assertThat(v.statusCode()).as(v.body()).isEqualTo(409); // still ReadyToUpload: not a source yet
    arm.send(
        "POST",
        base + "/disks/d1/beginGetAccess?api-version=2024-03-02",
        "{\"access\":\"Write\",\"durationInSeconds\":60}");
    HttpResponse<String> revoke =
        arm.send("POST", base + "/disks/d1/endGetAccess?api-version=2024-03-02", null);
    arm.awaitOperation(
        revoke.headers().firstValue("Azure-AsyncOperation").get(), Duration.ofSeconds(30));
    v =
        arm.send(
            "PUT",
            base + "/galleries/g1/images/i1/versions/1.0.0" + api,
            "{\"location\":\"westeurope\",\"properties\":{\"storageProfile\":{\"osDiskImage\":{\"source\":"
                + "{\"id\":\""
                + ArmFake.json(disk).get("id").asText()
                + "\"}}}}}");
    assertThat(v.statusCode()).as(v.body()).isEqualTo(201);
    JsonNode doc =
        arm.awaitOperation(
            v.headers().firstValue("Azure-AsyncOperation").get(), Duration.ofSeconds(30));
    assertThat(doc.get("status").asText()).isEqualTo("Failed");
    for (Iterator<String> it = recorded.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      assertThat(doc.has(k)).as("field " + k + " of " + doc).isTrue();
    }
    assertThat(doc.at("/error/code").asText()).isEqualTo("InvalidParameter");
    assertThat(doc.at("/error/message").asText()).contains("not a valid fixed VHD");
  }

  @Test
  void refusesCallsWithoutTokenOrApiVersion() {
    JsonNode unauth = arm.raw("GET", arm.groupPath("x") + "?api-version=2021-04-01", null, null);
    assertThat(unauth.at("/error/code").asText()).isEqualTo("AuthenticationFailed");
    JsonNode forged =
        arm.raw("GET", arm.groupPath("x") + "?api-version=2021-04-01", null, "Bearer forged");
    assertThat(forged.at("/error/code").asText()).isEqualTo("InvalidAuthenticationToken");
    HttpResponse<String> r = arm.send("GET", arm.groupPath(arm.newResourceGroup("conf")), null);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(ArmFake.json(r).at("/error/code").asText()).isEqualTo("MissingApiVersionParameter");
  }

  // --- helpers ---------------------------------------------------------------------------------

  private static JsonNode load(String file) throws IOException {
    try (InputStream in =
        ArmConformanceTest.class.getResourceAsStream("/recordings/azure/" + file)) {
      assertThat(in).as(file).isNotNull();
      return ArmFake.JSON.readTree(in);
    }
  }

  private static JsonNode errorBody(String file, String status) throws IOException {
    for (JsonNode c : load(file).get("networkCallRecords")) {
      if (c.get("Response").get("StatusCode").asText().equals(status)) {
        return ArmFake.JSON.readTree(c.get("Response").get("Body").asText());
      }
    }
    throw new IllegalStateException("no " + status + " in " + file);
  }

  private static Map<String, String> lower(JsonNode response) {
    Map<String, String> m = new java.util.HashMap<>();
    response
        .properties()
        .forEach(e -> m.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue().asText()));
    return m;
  }

  /** The recorded response as a request: read-only fields removed, recursively. */
  private static JsonNode writable(JsonNode node) {
    if (node.isObject()) {
      ObjectNode out = ArmFake.JSON.createObjectNode();
      node.properties()
          .forEach(
              e -> {
                if (!READ_ONLY.contains(e.getKey())) {
                  out.set(e.getKey(), writable(e.getValue()));
                }
              });
      return out;
    }
    if (node.isArray()) {
      var out = ArmFake.JSON.createArrayNode();
      node.forEach(n -> out.add(writable(n)));
      return out;
    }
    return node;
  }

  /** The fields Azure sent that every client relies on are in our answer too. */
  private static void sameShape(String label, JsonNode recorded, JsonNode ours) {
    for (String k : List.of("name", "type", "location", "tags", "sku", "id")) {
      if (recorded.has(k)) {
        assertThat(ours.has(k)).as(label + ": field " + k + " in " + ours).isTrue();
      }
    }
    if (recorded.has("id")) {
      String tail = recorded.get("id").asText().replaceFirst("(?i)^.*?/providers/", "");
      assertThat(ours.get("id").asText().toLowerCase(Locale.ROOT))
          .as(label)
          .endsWith(tail.toLowerCase(Locale.ROOT));
    }
    if (recorded.path("properties").has("provisioningState")) {
      assertThat(ours.path("properties").has("provisioningState")).as(label + ": " + ours).isTrue();
    }
    if (recorded.has("value")) {
      assertThat(ours.get("value").size())
          .as(label + ": list size")
          .isEqualTo(recorded.get("value").size());
    }
    List<String> missing = new ArrayList<>();
    for (String k :
        List.of(
            "diskState",
            "creationData",
            "identifier",
            "osType",
            "osState",
            "hyperVGeneration",
            "probes",
            "backendAddressPools",
            "frontendIPConfigurations",
            "loadBalancingRules")) {
      if (recorded.path("properties").has(k) && !ours.path("properties").has(k)) {
        missing.add(k);
      }
    }
    assertThat(missing).as(label + ": properties missing from " + ours).isEmpty();
  }

  private static void sleep() {
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
