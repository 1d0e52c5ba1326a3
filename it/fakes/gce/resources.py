"""The plain resources: insert, get, list, delete, patch and update with an operation, for health
checks, instance templates, backend services and the few collections recorded traffic touches
(networks, disks, addresses, autoscalers). Each insert checks what the API checks before it
accepts: a unique name, references that resolve, a fingerprint that is current.
"""

import copy
import random

from app import answer, handles
from errors import already_exists, condition_not_met, invalid, not_found, resource_in_use
from images import check_labels, public, resolve_image_ref
from store import (LINK_BASE, check_name, fingerprint, link, list_page, new_id, parse_ref,
                   short_path)

# collection -> (kind, list kind, has fingerprint)
KINDS = {
    "healthChecks": ("compute#healthCheck", "compute#healthCheckList", False),
    "instanceTemplates": ("compute#instanceTemplate", "compute#instanceTemplateList", False),
    "backendServices": ("compute#backendService", "compute#backendServiceList", True),
    "networks": ("compute#network", "compute#networkList", False),
    "disks": ("compute#disk", "compute#diskList", False),
    "addresses": ("compute#address", "compute#addressList", False),
    "autoscalers": ("compute#autoscaler", "compute#autoscalerList", False),
}
NAME_PARAM = {"healthChecks": "healthCheck", "instanceTemplates": "instanceTemplate",
              "backendServices": "backendService", "networks": "network", "disks": "disk",
              "addresses": "address", "autoscalers": "autoscaler"}
# Region-scoped methods are named regionHealthChecks etc.; they share the handlers.
COLLECTION = {"regionHealthChecks": "healthChecks", "regionInstanceTemplates": "instanceTemplates",
              "regionBackendServices": "backendServices"}


def collection_of(req):
    r = req.route.resource
    return COLLECTION.get(r, r)


def find(ctx, req):
    c = collection_of(req)
    return ctx.store.get(req.project, req.scope, c, req.params[NAME_PARAM[c]])


def _validate(ctx, req, collection, body):
    project = req.project
    if collection == "healthChecks":
        kind = body.get("type")
        blocks = {"HTTP": "httpHealthCheck", "HTTPS": "httpsHealthCheck", "TCP": "tcpHealthCheck",
                  "SSL": "sslHealthCheck", "HTTP2": "http2HealthCheck", "GRPC": "grpcHealthCheck"}
        if kind not in blocks:
            raise invalid(f"Invalid value for field 'resource.type': '{kind}'. Must be one of "
                          f"{', '.join(blocks)}.")
        for other in blocks.values():
            if other in body and other != blocks[kind]:
                raise invalid(f"Invalid value for field 'resource.{other}': a {kind} health check "
                              f"takes {blocks[kind]} only.")
        for key, low, high in (("checkIntervalSec", 1, 300), ("timeoutSec", 1, 300),
                               ("healthyThreshold", 1, 10), ("unhealthyThreshold", 1, 10)):
            value = int(body.get(key, low))
            if not low <= value <= high:
                raise invalid(f"Invalid value for field 'resource.{key}': '{value}'. Must be "
                              f"between {low} and {high}.")
        if int(body.get("timeoutSec", 5)) > int(body.get("checkIntervalSec", 5)):
            raise invalid("Invalid value for field 'resource.timeoutSec': timeout must be less "
                          "than or equal to checkIntervalSec.")
    elif collection == "instanceTemplates":
        props = body.get("properties") or {}
        if not props.get("machineType"):
            raise invalid("Invalid value for field 'resource.properties.machineType': ''. "
                          "Machine type must be specified.")
        check_labels(props.get("labels"), "resource.properties.labels")
        disks = props.get("disks") or []
        boot = [d for d in disks if d.get("boot")]
        if len(boot) != 1:
            raise invalid("Invalid value for field 'resource.properties.disks': exactly one boot "
                          "disk must be given.")
        source = (boot[0].get("initializeParams") or {}).get("sourceImage")
        if not source:
            raise invalid("Invalid value for field 'resource.properties.disks[0].initializeParams"
                          ".sourceImage': ''. A boot disk needs a source image.")
        resolve_image_ref(ctx, source, project)
    elif collection == "backendServices":
        for hc in body.get("healthChecks", []):
            if ctx.store.find_ref(hc, project, "healthChecks") is None:
                parsed = parse_ref(hc, project)
                raise not_found(short_path(*parsed) if parsed else hc)
        for backend in body.get("backends", []):
            group = backend.get("group")
            if ctx.store.find_ref(group, project, "instanceGroups") is None:
                parsed = parse_ref(group, project)
                raise not_found(short_path(*parsed) if parsed else str(group))
        for i, backend in enumerate(body.get("backends", [])):
            # The API reference: a RATE backend needs exactly one of maxRate, maxRatePerInstance,
            # maxRatePerEndpoint.
            if backend.get("balancingMode") == "RATE":
                given = [k for k in ("maxRate", "maxRatePerInstance", "maxRatePerEndpoint")
                         if k in backend]
                if len(given) != 1:
                    raise invalid(f"Invalid value for field 'resource.backends[{i}]': balancing "
                                  "mode RATE needs exactly one of maxRate, maxRatePerInstance "
                                  "or maxRatePerEndpoint.")
        groups = [b.get("group") for b in body.get("backends", [])]
        if len(groups) != len(set(groups)):
            raise invalid("Invalid value for field 'resource.backends': the same instance group "
                          "is listed twice.")


@handles("compute.healthChecks.insert", "compute.regionHealthChecks.insert",
         "compute.instanceTemplates.insert", "compute.regionInstanceTemplates.insert",
         "compute.backendServices.insert", "compute.regionBackendServices.insert",
         "compute.networks.insert", "compute.disks.insert", "compute.addresses.insert",
         "compute.autoscalers.insert")
def insert(ctx, req):
    collection = collection_of(req)
    kind, _, has_fp = KINDS[collection]
    body = copy.deepcopy(req.body)
    name = body.pop("name", None)
    check_name(name)
    with ctx.store.lock:
        if ctx.store.find(req.project, req.scope, collection, name) is not None:
            if req.request_id() and (req.project, req.request_id()) in ctx.ops.by_request_id:
                return 200, answer(ctx.ops.by_request_id[(req.project, req.request_id())])
            raise already_exists(short_path(req.project, req.scope, collection, name))
        _validate(ctx, req, collection, body)
        if collection == "disks":
            body.setdefault("sizeGb", "10")
            body["status"] = "READY"
            body["labelFingerprint"] = fingerprint(body.get("labels", {}))
        _defaults(collection, body, req.project)
        if has_fp:
            body["fingerprint"] = fingerprint(body)
        # The resource becomes visible when the operation is DONE, as recorded GETs show; its id
        # is known from the start (the operation's targetId).
        resource = {"name": name, "id": new_id(), **body}

    def work():
        with ctx.store.lock:
            ctx.store.insert(req.project, req.scope, collection, name, resource, kind)

    target = link(req.project, req.scope, collection, name)
    # Recorded: instance template operations carry the method's full name, others the verb.
    op_type = "compute.instanceTemplates.insert" if collection == "instanceTemplates" else "insert"
    return 200, ctx.ops.start(req.project, req.scope, op_type, target, resource["id"], work,
                              req.request_id())


def _defaults(collection, body, project):
    """The fields Compute Engine fills in when an insert leaves them out (as recorded GETs show)."""
    if collection == "instanceTemplates":
        props = body.setdefault("properties", {})
        props.setdefault("canIpForward", False)
        for i, d in enumerate(props.get("disks", [])):
            d.setdefault("kind", "compute#attachedDisk")
            d.setdefault("index", i)
            d.setdefault("deviceName", "persistent-disk-%d" % i)
            d.setdefault("mode", "READ_WRITE")
            d.setdefault("type", "PERSISTENT")
            d.setdefault("autoDelete", True)
        metadata = props.setdefault("metadata", {})
        metadata.setdefault("kind", "compute#metadata")
        metadata["fingerprint"] = fingerprint(metadata.get("items", []))
        for i, nic in enumerate(props.get("networkInterfaces", [])):
            nic.setdefault("kind", "compute#networkInterface")
            nic.setdefault("name", "nic%d" % i)
            nic.setdefault("network", LINK_BASE + f"projects/{project}/global/networks/default")
            for a in nic.get("accessConfigs", []):
                a.setdefault("kind", "compute#accessConfig")
                a.setdefault("type", "ONE_TO_ONE_NAT")
        scheduling = props.setdefault("scheduling", {})
        scheduling.setdefault("automaticRestart", True)
        scheduling.setdefault("onHostMaintenance", "MIGRATE")
        scheduling.setdefault("preemptible", False)
    elif collection == "backendServices":
        for key, value in (("affinityCookieTtlSec", 0), ("description", ""),
                           ("connectionDraining", {"drainingTimeoutSec": 0}),
                           ("iap", {"enabled": False, "oauth2ClientId": "",
                                    # the SHA-256 of an empty secret, as recorded
                                    "oauth2ClientSecretSha256": "e3b0c44298fc1c149afbf4c8996fb924"
                                                                "27ae41e4649b934ca495991b7852b855"}),
                           ("loadBalancingScheme", "EXTERNAL"),
                           ("port", 80), ("portName", "http"), ("protocol", "HTTP"),
                           ("sessionAffinity", "NONE"), ("timeoutSec", 30)):
            body.setdefault(key, value)
    elif collection == "autoscalers":
        body.setdefault("status", "ACTIVE")
    elif collection == "addresses":
        # Documentation addresses (RFC 5737): the fake reserves nothing real.
        body.setdefault("address", "203.0.113.%d" % random.randrange(1, 255))
        for key, value in (("addressType", "EXTERNAL"), ("description", ""),
                           ("networkTier", "PREMIUM"), ("status", "RESERVED")):
            body.setdefault(key, value)
        body["labelFingerprint"] = fingerprint(body.get("labels", {}))
    elif collection == "healthChecks":
        for key, value in (("checkIntervalSec", 5), ("timeoutSec", 5), ("healthyThreshold", 2),
                           ("unhealthyThreshold", 2)):
            body.setdefault(key, value)


@handles("compute.healthChecks.get", "compute.regionHealthChecks.get",
         "compute.instanceTemplates.get", "compute.regionInstanceTemplates.get",
         "compute.backendServices.get", "compute.regionBackendServices.get",
         "compute.networks.get", "compute.disks.get", "compute.addresses.get",
         "compute.autoscalers.get")
def get(ctx, req):
    with ctx.store.lock:
        return 200, public(find(ctx, req))


@handles("compute.healthChecks.list", "compute.regionHealthChecks.list",
         "compute.instanceTemplates.list", "compute.regionInstanceTemplates.list",
         "compute.backendServices.list", "compute.regionBackendServices.list")
def list_all(ctx, req):
    collection = collection_of(req)
    with ctx.store.lock:
        items = [public(r) for r in ctx.store.all(req.project, req.scope, collection)]
    return 200, list_page(items, req.query, KINDS[collection][1],
                          link(req.project, req.scope, collection),
                          f"projects/{req.project}/{req.scope}/{collection}")


def _users(ctx, project, collection, resource):
    """Who refers to a resource (the API refuses to delete a resource in use)."""
    me = resource["selfLink"]
    users = []
    if collection == "instanceTemplates":
        for (p, _, _, _), igm in ctx.store.everywhere("instanceGroupManagers"):
            if p == project and parse_ref(igm.get("instanceTemplate"), p) == parse_ref(me, p):
                users.append(igm["selfLink"])
    if collection == "healthChecks":
        for (p, _, _, _), bs in ctx.store.everywhere("backendServices"):
            if p == project and any(parse_ref(h, p) == parse_ref(me, p)
                                    for h in bs.get("healthChecks", [])):
                users.append(bs["selfLink"])
    return users


@handles("compute.healthChecks.delete", "compute.regionHealthChecks.delete",
         "compute.instanceTemplates.delete", "compute.regionInstanceTemplates.delete",
         "compute.backendServices.delete", "compute.regionBackendServices.delete",
         "compute.networks.delete", "compute.disks.delete", "compute.addresses.delete",
         "compute.autoscalers.delete")
def delete(ctx, req):
    collection = collection_of(req)
    with ctx.store.lock:
        resource = find(ctx, req)
        users = _users(ctx, req.project, collection, resource)
        if users:
            raise resource_in_use(f"The {collection[:-1]} resource "
                                  f"'{short_path(req.project, req.scope, collection, resource['name'])}'"
                                  f" is already being used by '{users[0].split('v1/')[-1]}'")

    def work():
        with ctx.store.lock:
            ctx.store.delete(req.project, req.scope, collection, resource["name"])

    return 200, ctx.ops.start(req.project, req.scope, "delete", resource["selfLink"],
                              resource["id"], work, req.request_id())


@handles("compute.healthChecks.patch", "compute.regionHealthChecks.patch",
         "compute.backendServices.patch", "compute.regionBackendServices.patch",
         "compute.healthChecks.update", "compute.regionHealthChecks.update",
         "compute.backendServices.update", "compute.regionBackendServices.update",
         "compute.autoscalers.update")
def change(ctx, req):
    collection = collection_of(req)
    kind, _, has_fp = KINDS[collection]
    body = copy.deepcopy(req.body)
    with ctx.store.lock:
        if collection == "autoscalers":  # PUT .../autoscalers?autoscaler=NAME
            name = req.query.get("autoscaler") or body.get("name")
            resource = ctx.store.get(req.project, req.scope, collection, name)
        else:
            resource = find(ctx, req)
        if body.get("name", resource["name"]) != resource["name"]:
            raise invalid("Invalid value for field 'resource.name': the name cannot be changed.")
        if has_fp and "fingerprint" in body and body["fingerprint"] != resource["fingerprint"]:
            raise condition_not_met("Invalid fingerprint. The resource was changed since it was "
                                    "read: read it again and retry.")
        if req.route.verb == "patch":
            merged = {**resource, **body}
        else:
            keep = ("kind", "id", "creationTimestamp", "selfLink", "zone", "region", "name")
            merged = {**{k: resource[k] for k in keep if k in resource}, **body}
        merged.pop("fingerprint", None)
        _validate(ctx, req, collection, merged)
        _defaults(collection, merged, req.project)
        if has_fp:
            merged["fingerprint"] = fingerprint({k: v for k, v in merged.items()
                                                 if k != "fingerprint"})

    def work():
        with ctx.store.lock:
            resource.clear()
            resource.update(merged)

    return 200, ctx.ops.start(req.project, req.scope, req.route.verb, resource["selfLink"],
                              resource["id"], work, req.request_id())


@handles("compute.globalOperations.get", "compute.zoneOperations.get",
         "compute.regionOperations.get")
def operation_get(ctx, req):
    return 200, ctx.ops.get(req.project, req.scope, req.params["operation"])


@handles("compute.globalOperations.wait", "compute.zoneOperations.wait",
         "compute.regionOperations.wait")
def operation_wait(ctx, req):
    return 200, ctx.ops.wait(req.project, req.scope, req.params["operation"],
                             ctx.settings.wait_limit)


@handles("compute.globalOperations.list", "compute.zoneOperations.list",
         "compute.regionOperations.list")
def operation_list(ctx, req):
    with ctx.store.lock:
        items = [answer(o) for o in ctx.store.all(req.project, req.scope, "operations")]
    return 200, list_page(items, req.query, "compute#operationList",
                          link(req.project, req.scope, "operations"),
                          f"projects/{req.project}/{req.scope}/operations")


@handles("compute.globalOperations.delete", "compute.zoneOperations.delete",
         "compute.regionOperations.delete")
def operation_delete(ctx, req):
    with ctx.store.lock:
        ctx.store.get(req.project, req.scope, "operations", req.params["operation"])
        ctx.store.delete(req.project, req.scope, "operations", req.params["operation"])
    return 204, None
