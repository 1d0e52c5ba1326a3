package dev.unideploy.provider.gcp.fleet;

import com.google.cloud.compute.v1.DeleteInstanceGroupManagerRequest;
import com.google.cloud.compute.v1.DeleteInstancesInstanceGroupManagerRequest;
import com.google.cloud.compute.v1.DeleteInstancesRegionInstanceGroupManagerRequest;
import com.google.cloud.compute.v1.DeleteRegionInstanceGroupManagerRequest;
import com.google.cloud.compute.v1.InsertInstanceGroupManagerRequest;
import com.google.cloud.compute.v1.InsertRegionInstanceGroupManagerRequest;
import com.google.cloud.compute.v1.InstanceGroupManager;
import com.google.cloud.compute.v1.InstanceGroupManagersDeleteInstancesRequest;
import com.google.cloud.compute.v1.ListInstanceGroupManagersRequest;
import com.google.cloud.compute.v1.ListManagedInstancesInstanceGroupManagersRequest;
import com.google.cloud.compute.v1.ListManagedInstancesRegionInstanceGroupManagersRequest;
import com.google.cloud.compute.v1.ListRegionInstanceGroupManagersRequest;
import com.google.cloud.compute.v1.ManagedInstance;
import com.google.cloud.compute.v1.Operation;
import com.google.cloud.compute.v1.RegionInstanceGroupManagersDeleteInstancesRequest;
import com.google.cloud.compute.v1.ResizeInstanceGroupManagerRequest;
import com.google.cloud.compute.v1.ResizeRegionInstanceGroupManagerRequest;
import dev.unideploy.provider.gcp.api.GcpCall;
import dev.unideploy.provider.gcp.api.GcpCallException;
import dev.unideploy.provider.gcp.api.GcpClients;
import dev.unideploy.provider.gcp.api.OperationWaiter;
import dev.unideploy.provider.gcp.config.GcpFleetSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Managed instance groups in one zone or one region: the same operations on the zonal and the
 * regional API, each waited for on the matching operations API. Writes carry a request id, so a
 * retried call is answered with the first attempt's operation.
 */
final class ManagedGroups {
  private final GcpClients clients;
  private final GcpCall calls;
  private final OperationWaiter waiter;
  private final String project;
  private final String zone;
  private final String region;
  private final Duration timeout;

  ManagedGroups(
      GcpClients clients, OperationWaiter waiter, GcpFleetSettings fleet, Duration timeout) {
    this.clients = clients;
    this.calls = clients.calls();
    this.waiter = waiter;
    this.project = clients.project();
    this.zone = fleet.zone();
    this.region = fleet.region();
    this.timeout = timeout;
    fleet.scope(); // fails early, naming the keys, when neither is set
  }

  boolean regional() {
    return region != null;
  }

  /** "zones/Z" or "regions/R". */
  String scope() {
    return regional() ? "regions/" + region : "zones/" + zone;
  }

  String location() {
    return regional() ? region : zone;
  }

  Optional<InstanceGroupManager> get(String name) {
    try {
      return Optional.of(
          calls.call(
              "instanceGroupManagers.get",
              () ->
                  regional()
                      ? clients.regionInstanceGroupManagers().get(project, region, name)
                      : clients.instanceGroupManagers().get(project, zone, name)));
    } catch (GcpCallException e) {
      if (e.notFound()) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** Every group whose name matches the regular expression, all pages. */
  List<InstanceGroupManager> list(String nameRegex) {
    List<InstanceGroupManager> all = new ArrayList<>();
    String filter = "name eq '" + nameRegex + "'";
    String token = "";
    do {
      String page = token;
      if (regional()) {
        var r =
            calls.call(
                "instanceGroupManagers.list",
                () ->
                    clients
                        .regionInstanceGroupManagers()
                        .listCallable()
                        .call(
                            ListRegionInstanceGroupManagersRequest.newBuilder()
                                .setProject(project)
                                .setRegion(region)
                                .setFilter(filter)
                                .setPageToken(page)
                                .build()));
        all.addAll(r.getItemsList());
        token = r.getNextPageToken();
      } else {
        var r =
            calls.call(
                "instanceGroupManagers.list",
                () ->
                    clients
                        .instanceGroupManagers()
                        .listCallable()
                        .call(
                            ListInstanceGroupManagersRequest.newBuilder()
                                .setProject(project)
                                .setZone(zone)
                                .setFilter(filter)
                                .setPageToken(page)
                                .build()));
        all.addAll(r.getItemsList());
        token = r.getNextPageToken();
      }
    } while (!token.isEmpty());
    return all;
  }

  /** Creates the group; an existing one of that name (an earlier run's) is returned instead. */
  InstanceGroupManager insert(InstanceGroupManager igm) {
    String id = UUID.randomUUID().toString();
    try {
      run(
          "instanceGroupManagers.insert",
          "creating the managed instance group " + igm.getName(),
          () ->
              regional()
                  ? clients
                      .regionInstanceGroupManagers()
                      .insertCallable()
                      .call(
                          InsertRegionInstanceGroupManagerRequest.newBuilder()
                              .setProject(project)
                              .setRegion(region)
                              .setInstanceGroupManagerResource(igm)
                              .setRequestId(id)
                              .build())
                  : clients
                      .instanceGroupManagers()
                      .insertCallable()
                      .call(
                          InsertInstanceGroupManagerRequest.newBuilder()
                              .setProject(project)
                              .setZone(zone)
                              .setInstanceGroupManagerResource(igm)
                              .setRequestId(id)
                              .build()));
    } catch (GcpCallException e) {
      if (!e.conflict()) {
        throw e;
      }
    }
    return get(igm.getName())
        .orElseThrow(
            () ->
                new GcpCallException(
                    "instanceGroupManagers.get",
                    404,
                    "the managed instance group "
                        + igm.getName()
                        + " was created but cannot be read; re-run",
                    null));
  }

  void resize(String name, int size) {
    String id = UUID.randomUUID().toString();
    run(
        "instanceGroupManagers.resize",
        "resizing " + name + " to " + size,
        () ->
            regional()
                ? clients
                    .regionInstanceGroupManagers()
                    .resizeCallable()
                    .call(
                        ResizeRegionInstanceGroupManagerRequest.newBuilder()
                            .setProject(project)
                            .setRegion(region)
                            .setInstanceGroupManager(name)
                            .setSize(size)
                            .setRequestId(id)
                            .build())
                : clients
                    .instanceGroupManagers()
                    .resizeCallable()
                    .call(
                        ResizeInstanceGroupManagerRequest.newBuilder()
                            .setProject(project)
                            .setZone(zone)
                            .setInstanceGroupManager(name)
                            .setSize(size)
                            .setRequestId(id)
                            .build()));
  }

  /** Deletes the group and its instances; a group that is gone already is done. */
  void delete(String name) {
    String id = UUID.randomUUID().toString();
    try {
      run(
          "instanceGroupManagers.delete",
          "deleting " + name + " and its instances",
          () ->
              regional()
                  ? clients
                      .regionInstanceGroupManagers()
                      .deleteCallable()
                      .call(
                          DeleteRegionInstanceGroupManagerRequest.newBuilder()
                              .setProject(project)
                              .setRegion(region)
                              .setInstanceGroupManager(name)
                              .setRequestId(id)
                              .build())
                  : clients
                      .instanceGroupManagers()
                      .deleteCallable()
                      .call(
                          DeleteInstanceGroupManagerRequest.newBuilder()
                              .setProject(project)
                              .setZone(zone)
                              .setInstanceGroupManager(name)
                              .setRequestId(id)
                              .build()));
    } catch (GcpCallException e) {
      if (!e.notFound()) {
        throw e;
      }
    }
  }

  List<ManagedInstance> managed(String name) {
    return calls.call(
        "instanceGroupManagers.listManagedInstances",
        () ->
            regional()
                ? clients
                    .regionInstanceGroupManagers()
                    .listManagedInstancesCallable()
                    .call(
                        ListManagedInstancesRegionInstanceGroupManagersRequest.newBuilder()
                            .setProject(project)
                            .setRegion(region)
                            .setInstanceGroupManager(name)
                            .build())
                    .getManagedInstancesList()
                : clients
                    .instanceGroupManagers()
                    .listManagedInstancesCallable()
                    .call(
                        ListManagedInstancesInstanceGroupManagersRequest.newBuilder()
                            .setProject(project)
                            .setZone(zone)
                            .setInstanceGroupManager(name)
                            .build())
                    .getManagedInstancesList());
  }

  /** Deletes instances of the group; the group's target size goes down by as many. */
  void deleteInstances(String name, List<String> instanceLinks) {
    String id = UUID.randomUUID().toString();
    run(
        "instanceGroupManagers.deleteInstances",
        "deleting " + instanceLinks.size() + " instance(s) of " + name,
        () ->
            regional()
                ? clients
                    .regionInstanceGroupManagers()
                    .deleteInstancesCallable()
                    .call(
                        DeleteInstancesRegionInstanceGroupManagerRequest.newBuilder()
                            .setProject(project)
                            .setRegion(region)
                            .setInstanceGroupManager(name)
                            .setRegionInstanceGroupManagersDeleteInstancesRequestResource(
                                RegionInstanceGroupManagersDeleteInstancesRequest.newBuilder()
                                    .addAllInstances(instanceLinks))
                            .setRequestId(id)
                            .build())
                : clients
                    .instanceGroupManagers()
                    .deleteInstancesCallable()
                    .call(
                        DeleteInstancesInstanceGroupManagerRequest.newBuilder()
                            .setProject(project)
                            .setZone(zone)
                            .setInstanceGroupManager(name)
                            .setInstanceGroupManagersDeleteInstancesRequestResource(
                                InstanceGroupManagersDeleteInstancesRequest.newBuilder()
                                    .addAllInstances(instanceLinks))
                            .setRequestId(id)
                            .build()));
  }

  /** Starts a zonal or regional operation and waits until it is DONE. */
  private Operation run(String api, String what, Supplier<Operation> start) {
    Operation op = calls.call(api, start);
    return waiter.await(
        "deploy",
        what,
        op,
        name ->
            regional()
                ? clients.regionOperations().get(project, region, name)
                : clients.zoneOperations().get(project, zone, name),
        timeout);
  }
}
