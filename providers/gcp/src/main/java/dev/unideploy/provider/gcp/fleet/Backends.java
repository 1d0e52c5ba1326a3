package dev.unideploy.provider.gcp.fleet;

import com.google.cloud.compute.v1.Backend;
import com.google.cloud.compute.v1.BackendService;
import com.google.cloud.compute.v1.BackendServiceGroupHealth;
import com.google.cloud.compute.v1.GetHealthBackendServiceRequest;
import com.google.cloud.compute.v1.GetHealthRegionBackendServiceRequest;
import com.google.cloud.compute.v1.HealthStatus;
import com.google.cloud.compute.v1.Operation;
import com.google.cloud.compute.v1.ResourceGroupReference;
import com.google.cloud.compute.v1.UpdateBackendServiceRequest;
import com.google.cloud.compute.v1.UpdateRegionBackendServiceRequest;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.provider.gcp.api.GcpCall;
import dev.unideploy.provider.gcp.api.GcpCallException;
import dev.unideploy.provider.gcp.api.GcpClients;
import dev.unideploy.provider.gcp.api.OperationWaiter;
import dev.unideploy.provider.gcp.config.GcpFleetSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The configured backend service (global or regional): a release's instance group is "in service"
 * when it is one of its backends. Backends are changed by read-modify-write with the service's
 * fingerprint, so a concurrent change is not overwritten (412, then read again); the load
 * balancer's view of each instance comes from getHealth.
 */
final class Backends {
  private static final Pattern REF =
      Pattern.compile(
          "(?:https://[^/]+/compute/v1/)?(?:projects/([^/]+)/)?(?:(global|regions/([^/]+))/backendServices/)?([a-z]([-a-z0-9]{0,61}[a-z0-9])?)");
  private static final int ROUNDS = 5;

  private final GcpClients clients;
  private final GcpCall calls;
  private final OperationWaiter waiter;
  private final EventSink events;
  private final String project;
  private final String region;
  private final String name;
  private final GcpFleetSettings fleet;
  private final Duration timeout;

  /**
   * @param reference a name (global), or regions/R/backendServices/N, or a link
   */
  Backends(
      GcpClients clients,
      OperationWaiter waiter,
      EventSink events,
      String reference,
      GcpFleetSettings fleet,
      Duration timeout) {
    Matcher m = REF.matcher(reference);
    if (!m.matches()) {
      throw new UnideployException(
          "providers.gcp.fleet.backendService: '"
              + reference
              + "' is not a backend service; write its name (global) or"
              + " regions/REGION/backendServices/NAME");
    }
    this.clients = clients;
    this.calls = clients.calls();
    this.waiter = waiter;
    this.events = events;
    this.project = m.group(1) != null ? m.group(1) : clients.project();
    this.region = m.group(3);
    this.name = m.group(4);
    this.fleet = fleet;
    this.timeout = timeout;
  }

  String describe() {
    return (region == null ? "global" : "regions/" + region) + "/backendServices/" + name;
  }

  BackendService read() {
    return calls.call(
        "backendServices.get",
        () ->
            region == null
                ? clients.backendServices().get(project, name)
                : clients.regionBackendServices().get(project, region, name));
  }

  /** Whether the instance group (a link) is a backend. */
  boolean contains(BackendService service, String groupLink) {
    return service.getBackendsList().stream().anyMatch(b -> sameGroup(b.getGroup(), groupLink));
  }

  void attach(String groupLink) {
    change(
        "adding " + tail(groupLink) + " to " + describe(),
        s ->
            contains(s, groupLink)
                ? null
                : s.toBuilder().addBackends(backend(groupLink, fleet)).build());
  }

  /**
   * A release's group as a backend: every release joins with the same balancing mode, capacity
   * scaler and per-instance capacity, so that while two serve side by side (a canary, a rolling
   * deploy) each gets the share of traffic that its share of the instances is.
   */
  static Backend backend(String groupLink, GcpFleetSettings fleet) {
    Backend.Builder b =
        Backend.newBuilder()
            .setGroup(groupLink)
            .setBalancingMode(fleet.balancingMode())
            .setCapacityScaler(1.0f);
    if (fleet.maxRatePerInstance() != null) {
      b.setMaxRatePerInstance(fleet.maxRatePerInstance().floatValue());
    }
    if (fleet.maxConnectionsPerInstance() != null) {
      b.setMaxConnectionsPerInstance(fleet.maxConnectionsPerInstance());
    }
    return b.build();
  }

  /**
   * Removes the instance group from the backends.
   *
   * @return how long the backend service drains the group's connections from now (its connection
   *     draining timeout), or empty when the group was no backend
   */
  Optional<Duration> detach(String groupLink) {
    return change(
            "removing " + tail(groupLink) + " from " + describe(),
            s -> {
              if (!contains(s, groupLink)) {
                return null;
              }
              List<Backend> rest =
                  s.getBackendsList().stream()
                      .filter(b -> !sameGroup(b.getGroup(), groupLink))
                      .toList();
              return s.toBuilder().clearBackends().addAllBackends(rest).build();
            })
        .map(Backends::drainTime);
  }

  /**
   * The connection draining timeout: how long the load balancer lets requests in flight to a
   * removed backend finish (0 when draining is off, Compute Engine's default). See <a
   * href="https://cloud.google.com/load-balancing/docs/enabling-connection-draining">connection
   * draining</a>.
   */
  static Duration drainTime(BackendService service) {
    return Duration.ofSeconds(Math.max(0, service.getConnectionDraining().getDrainingTimeoutSec()));
  }

  /** The load balancer's health of each instance of the group (instance link to state). */
  Map<String, String> health(String groupLink) {
    ResourceGroupReference group = ResourceGroupReference.newBuilder().setGroup(groupLink).build();
    BackendServiceGroupHealth h =
        calls.call(
            "backendServices.getHealth",
            () ->
                region == null
                    ? clients
                        .backendServices()
                        .getHealthCallable()
                        .call(
                            GetHealthBackendServiceRequest.newBuilder()
                                .setProject(project)
                                .setBackendService(name)
                                .setResourceGroupReferenceResource(group)
                                .build())
                    : clients
                        .regionBackendServices()
                        .getHealthCallable()
                        .call(
                            GetHealthRegionBackendServiceRequest.newBuilder()
                                .setProject(project)
                                .setRegion(region)
                                .setBackendService(name)
                                .setResourceGroupReferenceResource(group)
                                .build()));
    Map<String, String> out = new HashMap<>();
    for (HealthStatus s : h.getHealthStatusList()) {
      out.put(tail(s.getInstance()), s.getHealthState());
    }
    return out;
  }

  /**
   * Read-modify-write of the backends; {@code edit} returns the new service, or null when nothing
   * is to change. A 412 (the fingerprint went stale) reads again. Returns the service as it was
   * before the change, or empty when nothing changed.
   */
  private Optional<BackendService> change(String what, UnaryOperator<BackendService> edit) {
    for (int round = 1; ; round++) {
      BackendService current = read();
      BackendService updated = edit.apply(current);
      if (updated == null) {
        return Optional.empty();
      }
      // update (PUT) with the whole service as read, not patch: a patch cannot empty the list of
      // backends (an empty list is left out of the JSON, so the last group would stay).
      BackendService full = updated.toBuilder().setFingerprint(current.getFingerprint()).build();
      String id = UUID.randomUUID().toString();
      try {
        Operation op =
            calls.call(
                "backendServices.update",
                () ->
                    region == null
                        ? clients
                            .backendServices()
                            .updateCallable()
                            .call(
                                UpdateBackendServiceRequest.newBuilder()
                                    .setProject(project)
                                    .setBackendService(name)
                                    .setBackendServiceResource(full)
                                    .setRequestId(id)
                                    .build())
                        : clients
                            .regionBackendServices()
                            .updateCallable()
                            .call(
                                UpdateRegionBackendServiceRequest.newBuilder()
                                    .setProject(project)
                                    .setRegion(region)
                                    .setBackendService(name)
                                    .setBackendServiceResource(full)
                                    .setRequestId(id)
                                    .build()));
        waiter.await(
            "deploy",
            what,
            op,
            n ->
                region == null
                    ? clients.globalOperations().get(project, n)
                    : clients.regionOperations().get(project, region, n),
            timeout);
        return Optional.of(current);
      } catch (GcpCallException e) {
        if (!e.preconditionFailed() || round >= ROUNDS) {
          throw e;
        }
        events.emit(
            LogEvent.info(
                "deploy", describe() + " changed since it was read (fingerprint); again"));
      }
    }
  }

  private static boolean sameGroup(String a, String b) {
    return tail(a).equals(tail(b));
  }

  /** The part of a link after /compute/v1/ (or the reference as given). */
  static String tail(String link) {
    int at = link.indexOf("/compute/v1/");
    String t = at < 0 ? link : link.substring(at + "/compute/v1/".length());
    return t.startsWith("/") ? t.substring(1) : t;
  }
}
