package dev.unideploy.it.gcp.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import dev.unideploy.it.gcp.FakeGcs;
import dev.unideploy.it.gcp.GceFake;
import dev.unideploy.it.guest.HttpGuest;
import dev.unideploy.it.local.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The app {@code web} in a project of its own on the Compute Engine fake, behind the global backend
 * service {@code web-bs} with the HTTP health check {@code web-hc}: deploys it with the CLI and
 * reads back its groups, backends and instances through the REST API.
 */
final class GcpApp implements AutoCloseable {
  static final String ZONE = "us-central1-a";
  static final String BACKEND_SERVICE = "web-bs";

  /** Blue-green (the default strategy) of two instances, keeping one earlier release. */
  static final String BLUE_GREEN = "{instances: 2, ports: [80], keepPrevious: 1}";

  final GceFake gce;
  final FakeGcs gcs;
  final String project;
  final String bucket;
  private final Path dir;

  GcpApp(GceFake gce, FakeGcs gcs, Path dir, String prefix) {
    this.gce = gce;
    this.gcs = gcs;
    this.dir = dir;
    this.project = GceFake.newProject(prefix);
    this.bucket = gcs.newBucket(prefix);
    gce.done(
        gce.post(
                global() + "/healthChecks",
                Map.of(
                    "name",
                    "web-hc",
                    "type",
                    "HTTP",
                    "httpHealthCheck",
                    Map.of("port", 80, "requestPath", "/"),
                    "checkIntervalSec",
                    2,
                    "timeoutSec",
                    2))
            .ok()
            .body());
    gce.done(gce.post(global() + "/backendServices", backendService()).ok().body());
  }

  private Map<String, Object> backendService() {
    return Map.of(
        "name",
        BACKEND_SERVICE,
        "protocol",
        "HTTP",
        "healthChecks",
        List.of("projects/" + project + "/global/healthChecks/web-hc"));
  }

  /** Stops the fake's QEMUs: out of the backend service, then every group deleted. */
  @Override
  public void close() {
    gce.call("PUT", backendServicePath(), backendService());
    for (String g : groups().keySet()) {
      gce.call("DELETE", zone() + "/instanceGroupManagers/" + g, null);
    }
  }

  String global() {
    return "/compute/v1/projects/" + project + "/global";
  }

  String zone() {
    return "/compute/v1/projects/" + project + "/zones/" + ZONE;
  }

  String backendServicePath() {
    return global() + "/backendServices/" + BACKEND_SERVICE;
  }

  /** The app's config for {@code version} with {@code deploy} as its deploy section. */
  Path config(String version, String deploy) throws IOException {
    Path file = dir.resolve("web-" + version + ".yaml");
    Files.writeString(
        file,
        ("app: web\nversion: \"%s\"\n"
                + "deploy: %s\n"
                + "health: {http: /, timeout: 300s, interval: 2s}\n"
                + "providers:\n  gcp:\n    project: %s\n    bucket: %s\n    credentials: none\n"
                + "    endpoints: {compute: \"%s\", storage: \"%s\"}\n"
                + "    timeouts: {pollInterval: 100ms}\n"
                + "    fleet: {zone: %s, healthCheck: web-hc, backendService: %s,"
                + " initialDelay: 120s}\n")
            .formatted(
                version, deploy, project, bucket, gce.root(), gcs.root(), ZONE, BACKEND_SERVICE));
    return file;
  }

  String[] deployArgs(String tag, boolean panic, String deploy) throws Exception {
    return HttpGuest.deployArgs("gcp", tag, panic, config(tag, deploy), state())
        .toArray(String[]::new);
  }

  Path state() {
    return dir.resolve("state");
  }

  Cli.Run deploy(String tag, boolean panic, String deploy) throws Exception {
    return Cli.run(deployArgs(tag, panic, deploy));
  }

  /** {@code unideploy rollback} to the release kept before the serving one. */
  Cli.Run rollback(String configVersion) throws Exception {
    return Cli.run(
        "rollback",
        "--provider",
        "gcp",
        "--config",
        dir.resolve("web-" + configVersion + ".yaml").toString(),
        "--state",
        state().toString(),
        "--output",
        "json");
  }

  /** Turns on the backend service's connection draining for {@code seconds}. */
  void drainFor(int seconds) {
    gce.done(
        gce.call(
                "PATCH",
                backendServicePath(),
                Map.of("connectionDraining", Map.of("drainingTimeoutSec", seconds)))
            .ok()
            .body());
  }

  /** The group's instances by what the group is doing with them (NONE, CREATING, DELETING...). */
  List<String> actions(String group) {
    List<String> out = new ArrayList<>();
    gce.post(zone() + "/instanceGroupManagers/" + group + "/listManagedInstances", null)
        .ok()
        .body()
        .path("managedInstances")
        .forEach(m -> out.add(m.path("currentAction").asText()));
    return out;
  }

  /** The app's managed instance groups and their target sizes. */
  Map<String, Integer> groups() {
    Map<String, Integer> out = new TreeMap<>();
    gce.get(zone() + "/instanceGroupManagers")
        .ok()
        .body()
        .path("items")
        .forEach(i -> out.put(i.path("name").asText(), i.path("targetSize").asInt()));
    return out;
  }

  /** The instance groups that are backends of the backend service, by name. */
  List<String> backends() {
    return backendNames(gce.get(backendServicePath()).ok().body().path("backends"));
  }

  static List<String> backendNames(JsonNode backends) {
    List<String> out = new ArrayList<>();
    backends.forEach(b -> out.add(b.path("group").asText().replaceAll(".*/", "")));
    return out;
  }

  /** How many instances of a group the backend service calls HEALTHY (getHealth). */
  int healthy(String group) {
    GceFake.Answer a =
        gce.post(
            backendServicePath() + "/getHealth",
            Map.of("group", "projects/" + project + "/zones/" + ZONE + "/instanceGroups/" + group));
    if (a.status() != 200) {
      return 0; // no longer a backend (a detach raced the read)
    }
    int n = 0;
    for (JsonNode s : a.body().path("healthStatus")) {
      if (s.path("healthState").asText().equals("HEALTHY")) {
        n++;
      }
    }
    return n;
  }

  List<String> names(String collection) {
    List<String> out = new ArrayList<>();
    gce.get(global() + "/" + collection)
        .ok()
        .body()
        .path("items")
        .forEach(i -> out.add(i.path("name").asText()));
    return out;
  }

  /** What GET / answers on every instance of a group, at its own address. */
  List<String> answers(String group) throws Exception {
    List<String> out = new ArrayList<>();
    JsonNode managed =
        gce.post(zone() + "/instanceGroupManagers/" + group + "/listManagedInstances", null)
            .ok()
            .body();
    for (JsonNode m : managed.path("managedInstances")) {
      JsonNode instance = gce.get(GceFake.pathOf(m.path("instance").asText())).ok().body();
      out.add(
          HttpGuest.answer(instance.path("networkInterfaces").get(0).path("networkIP").asText()));
    }
    return out;
  }
}
