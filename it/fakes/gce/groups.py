"""Managed instance groups (zonal and regional), the instance groups they own, and the health a
backend service reports for them.

A reconciler converges every group on its target size in the background, as the real manager
does: it creates instances from the group's template (booting them under QEMU), deletes surplus
ones, recreates instances whose QEMU exited, and, with an autohealing policy, recreates instances
its health check finds UNHEALTHY once initialDelaySec has passed. Operations answer as the API
documents: insert and resize are DONE once the change is scheduled; delete is DONE when the
instances are gone. backendServices.getHealth reports what the backend service's own health check
finds by probing the instances.
"""

import copy
import random
import string
import threading
import time

import instances
from app import answer, handles
from errors import already_exists, invalid, not_found, resource_in_use
from images import resolve_image_ref
from store import (LINK_BASE, check_name, fingerprint, link, list_page, new_id, now, parse_ref,
                   short_path)

ACTIONS = ["none", "creating", "creatingWithoutRetries", "verifying", "recreating", "deleting",
           "abandoning", "restarting", "refreshing", "resuming", "starting", "stopping",
           "suspending"]


def _scope_kind(req):
    return "regional" if req.scope.startswith("regions/") else "zonal"


def _find(ctx, req):
    return ctx.store.get(req.project, req.scope, "instanceGroupManagers",
                         req.params["instanceGroupManager"])


def _template(ctx, ref, project):
    t = ctx.store.find_ref(ref, project, "instanceTemplates")
    if t is None:
        parsed = parse_ref(ref, project)
        raise not_found(short_path(*parsed) if parsed else str(ref))
    return t


def _zones(igm, scope):
    if scope.startswith("zones/"):
        return [scope.split("/")[1]]
    zones = [z["zone"].rsplit("/", 1)[-1] for z in igm.get("distributionPolicy", {}).get("zones", [])]
    return zones or [scope.split("/")[1] + "-" + s for s in "abc"]


@handles("compute.instanceGroupManagers.insert", "compute.regionInstanceGroupManagers.insert")
def insert(ctx, req):
    body = copy.deepcopy(req.body)
    name = body.pop("name", None)
    check_name(name)
    project, scope = req.project, req.scope
    with ctx.store.lock:
        if ctx.store.find(project, scope, "instanceGroupManagers", name) is not None:
            if req.request_id() and (project, req.request_id()) in ctx.ops.by_request_id:
                return 200, answer(ctx.ops.by_request_id[(project, req.request_id())])
            raise already_exists(short_path(project, scope, "instanceGroupManagers", name))
        versions = body.get("versions") or []
        template_ref = body.get("instanceTemplate") or (versions[0].get("instanceTemplate")
                                                         if versions else None)
        if not template_ref:
            raise invalid("Invalid value for field 'resource.instanceTemplate': ''. An instance "
                          "template is required.")
        template = _template(ctx, template_ref, project)
        if not body.get("baseInstanceName"):
            raise invalid("Invalid value for field 'resource.baseInstanceName': ''. Must be a "
                          "match of regex '[a-z][-a-z0-9]{0,57}'")
        target = int(body.get("targetSize", 0))
        if target < 0:
            raise invalid(f"Invalid value for field 'resource.targetSize': '{target}'.")
        for policy in body.get("autoHealingPolicies", []):
            if ctx.store.find_ref(policy.get("healthCheck"), project, "healthChecks") is None:
                raise not_found(str(policy.get("healthCheck")))
        regional = scope.startswith("regions/")
        igm = dict(body)
        igm.update(
            instanceTemplate=template["selfLink"],
            versions=versions or [{"instanceTemplate": template["selfLink"], "name": ""}],
            targetSize=target,
            instanceGroup=link(project, scope, "instanceGroups", name),
            currentActions={a: 0 for a in ACTIONS},
            status={"isStable": True, "versionTarget": {"isReached": True},
                    "stateful": {"hasStatefulConfig": False,
                                 "perInstanceConfigs": {"allEffective": True}}},
            listManagedInstancesResults=body.get("listManagedInstancesResults", "PAGELESS"),
            updatePolicy=body.get("updatePolicy") or {
                "type": "OPPORTUNISTIC", "minimalAction": "REPLACE",
                "replacementMethod": "SUBSTITUTE",
                "maxSurge": {"fixed": 3 if regional else 1, "calculated": 3 if regional else 1},
                "maxUnavailable": {"fixed": 3 if regional else 1,
                                   "calculated": 3 if regional else 1}},
            fingerprint=fingerprint([name, template["selfLink"], target]),
        )
        if regional:
            zones = _zones(igm, scope)
            igm["distributionPolicy"] = {
                "zones": [{"zone": LINK_BASE + f"projects/{project}/zones/{z}"} for z in zones],
                "targetShape": body.get("distributionPolicy", {}).get("targetShape", "EVEN")}
        igm["_members"] = []  # the managed instances: dicts with key, zone, name, action...
        igm["id"] = new_id()

    def work():
        with ctx.store.lock:
            created = ctx.store.insert(project, scope, "instanceGroupManagers", name, igm,
                                       "compute#instanceGroupManager")
            ctx.store.insert(project, scope, "instanceGroups", name, {
                "description": "This instance group is controlled by Instance Group Manager "
                               f"'{name}'. To modify instances in this group, use the Instance "
                               "Group Manager API: https://cloud.google.com/compute/docs/"
                               "reference/latest/instanceGroupManagers",
                "namedPorts": body.get("namedPorts", []),
                "network": LINK_BASE + f"projects/{project}/global/networks/default",
                "fingerprint": fingerprint([name]),
                "size": 0,
                "_manager": created["selfLink"],
            }, "compute#instanceGroup")

    return 200, ctx.ops.start(project, scope, "insert",
                              link(project, scope, "instanceGroupManagers", name), igm["id"], work,
                              req.request_id())


def public(igm):
    return answer(igm)


@handles("compute.instanceGroupManagers.get", "compute.regionInstanceGroupManagers.get")
def get(ctx, req):
    with ctx.store.lock:
        return 200, public(_find(ctx, req))


@handles("compute.instanceGroupManagers.list", "compute.regionInstanceGroupManagers.list")
def list_igms(ctx, req):
    with ctx.store.lock:
        items = [public(i) for i in ctx.store.all(req.project, req.scope, "instanceGroupManagers")]
    kind = ("compute#regionInstanceGroupManagerList" if req.scope.startswith("regions/")
            else "compute#instanceGroupManagerList")
    return 200, list_page(items, req.query, kind,
                          link(req.project, req.scope, "instanceGroupManagers"),
                          f"projects/{req.project}/{req.scope}/instanceGroupManagers")


def _backend_services_of(ctx, project, group_link):
    """The backend services that have the instance group as a backend."""
    return [bs for (p, _, _, _), bs in ctx.store.everywhere("backendServices")
            if p == project and any(parse_ref(b.get("group"), p) == parse_ref(group_link, p)
                                    for b in bs.get("backends", []))]


def _backend_users(ctx, project, group_link):
    return [bs["selfLink"] for bs in _backend_services_of(ctx, project, group_link)]


def _draining_seconds(ctx, project, group_link):
    """The longest connection draining timeout of the backend services the group is a backend of."""
    return max([int(bs.get("connectionDraining", {}).get("drainingTimeoutSec", 0))
                for bs in _backend_services_of(ctx, project, group_link)], default=0)


@handles("compute.instanceGroupManagers.delete", "compute.regionInstanceGroupManagers.delete")
def delete(ctx, req):
    project, scope = req.project, req.scope
    with ctx.store.lock:
        igm = _find(ctx, req)
        users = _backend_users(ctx, project, igm["instanceGroup"])
        if users:
            raise resource_in_use(
                f"The instance_group resource '{short_path(project, scope, 'instanceGroups', igm['name'])}'"
                f" is already being used by '{users[0].split('compute/v1/')[-1]}'")
        igm["_deleting"] = True
        igm["targetSize"] = 0
        done = threading.Event()
        igm["_deleted"] = done

    def work():
        # The reconciler deletes the instances and then the group; the operation ends after it.
        done.wait(600)

    return 200, ctx.ops.start(project, scope, "delete",
                              igm["selfLink"], igm["id"], work, req.request_id())


@handles("compute.instanceGroupManagers.resize", "compute.regionInstanceGroupManagers.resize")
def resize(ctx, req):
    size = req.int_query("size")
    if size < 0:
        raise invalid(f"Invalid value for field 'size': '{size}'. Must be greater than or equal "
                      "to 0.")
    with ctx.store.lock:
        igm = _find(ctx, req)

        def work():
            with ctx.store.lock:
                igm["targetSize"] = size
                igm["fingerprint"] = fingerprint([igm["name"], igm["instanceTemplate"], size])

    return 200, ctx.ops.start(req.project, req.scope, "compute.instanceGroupManagers.resize",
                              igm["selfLink"], igm["id"], work, req.request_id())


@handles("compute.instanceGroupManagers.patch", "compute.regionInstanceGroupManagers.patch")
def patch(ctx, req):
    body = copy.deepcopy(req.body)
    with ctx.store.lock:
        igm = _find(ctx, req)
        if "fingerprint" in body and body["fingerprint"] != igm["fingerprint"]:
            from errors import condition_not_met
            raise condition_not_met("Invalid fingerprint. The resource was changed since it was "
                                    "read: read it again and retry.")
        for policy in body.get("autoHealingPolicies", []):
            if ctx.store.find_ref(policy.get("healthCheck"), req.project, "healthChecks") is None:
                raise not_found(str(policy.get("healthCheck")))
        if "instanceTemplate" in body:
            body["instanceTemplate"] = _template(ctx, body["instanceTemplate"], req.project)["selfLink"]
        for v in body.get("versions", []):
            v["instanceTemplate"] = _template(ctx, v.get("instanceTemplate"), req.project)["selfLink"]
        for key in ("name", "baseInstanceName"):
            if key in body and body[key] != igm.get(key):
                raise invalid(f"Invalid value for field 'resource.{key}': the field cannot be "
                              "changed.")

        def work():
            with ctx.store.lock:
                updates = {k: v for k, v in body.items() if k not in ("fingerprint",)}
                igm.update(updates)
                if "versions" in updates and "instanceTemplate" not in updates:
                    igm["instanceTemplate"] = updates["versions"][0]["instanceTemplate"]
                igm["fingerprint"] = fingerprint([igm["name"], igm["instanceTemplate"],
                                                  igm["targetSize"], time.time()])

    return 200, ctx.ops.start(req.project, req.scope, "patch",
                              igm["selfLink"], igm["id"], work, req.request_id())


@handles("compute.instanceGroupManagers.setInstanceTemplate",
         "compute.regionInstanceGroupManagers.setInstanceTemplate")
def set_instance_template(ctx, req):
    with ctx.store.lock:
        igm = _find(ctx, req)
        template = _template(ctx, req.body.get("instanceTemplate"), req.project)

        def work():
            with ctx.store.lock:
                igm["instanceTemplate"] = template["selfLink"]
                igm["versions"] = [{"instanceTemplate": template["selfLink"], "name": ""}]

    return 200, ctx.ops.start(req.project, req.scope,
                              "compute.instanceGroupManagers.setInstanceTemplate",
                              igm["selfLink"], igm["id"], work, req.request_id())


def managed_view(ctx, igm, member):
    instance = ctx.store.find(*member["key"])
    view = {"instance": link(*member["key"]), "currentAction": member["action"],
            "version": {"instanceTemplate": member["template"]}}
    if instance is not None:
        view["id"] = instance["id"]
        view["instanceStatus"] = instance["status"]
        health = []
        for policy in igm.get("autoHealingPolicies", []):
            hc = ctx.store.find_ref(policy.get("healthCheck"), igm_project(igm), "healthChecks")
            if hc is not None:
                health.append({"healthCheck": hc["selfLink"],
                               "detailedHealthState": detailed_health(ctx, instance, hc)})
        if health:
            view["instanceHealth"] = health
    return view


def igm_project(igm):
    return igm["selfLink"].split("/projects/")[1].split("/")[0]


def probe_key(instance, hc):
    return instance["selfLink"] + "|" + hc["selfLink"]


def detailed_health(ctx, instance, hc):
    if instance["status"] != "RUNNING":
        return "TIMEOUT"
    ensure_watch(ctx, instance, hc)
    state = str(ctx.runtime.prober().state(probe_key(instance, hc))).upper()
    return state if state in ("HEALTHY", "UNHEALTHY") else "UNKNOWN"


def ensure_watch(ctx, instance, hc):
    vm = ctx.runtime.vm(instance["selfLink"])
    if vm is None:
        return
    watched = instance.setdefault("_watched", {})
    key = probe_key(instance, hc)
    if watched.get(key) is vm:
        return
    watched[key] = vm
    kind = hc.get("type", "TCP")
    spec = hc.get({"HTTP": "httpHealthCheck", "HTTPS": "httpsHealthCheck", "HTTP2": "http2HealthCheck",
                   "TCP": "tcpHealthCheck", "SSL": "sslHealthCheck"}.get(kind, "tcpHealthCheck"), {})
    protocol = {"HTTP": "http", "HTTP2": "http", "HTTPS": "https"}.get(kind, "tcp")
    ctx.runtime.watch(
        instance["selfLink"], key, vm, protocol=protocol, port=int(spec.get("port", 80)),
        path=spec.get("requestPath", "/"), interval=float(hc.get("checkIntervalSec", 5)),
        timeout=float(hc.get("timeoutSec", 5)),
        healthy_threshold=int(hc.get("healthyThreshold", 2)),
        unhealthy_threshold=int(hc.get("unhealthyThreshold", 2)))


@handles("compute.instanceGroupManagers.listManagedInstances",
         "compute.regionInstanceGroupManagers.listManagedInstances")
def list_managed_instances(ctx, req):
    with ctx.store.lock:
        igm = _find(ctx, req)
        views = [managed_view(ctx, igm, m) for m in igm["_members"]]
    out = {"managedInstances": views} if views else {}
    return 200, out


@handles("compute.instanceGroupManagers.listErrors",
         "compute.regionInstanceGroupManagers.listErrors")
def list_errors(ctx, req):
    with ctx.store.lock:
        igm = _find(ctx, req)
        items = [dict(e) for e in igm.get("_errors", [])]
    return 200, {"items": items} if items else {}


def _members_named(ctx, req, igm, body_key="instances"):
    names = req.body.get(body_key, [])
    found = []
    for ref in names:
        parsed = parse_ref(ref, req.project)
        member = next((m for m in igm["_members"] if parsed and m["key"] == parsed), None)
        if member is None:
            raise invalid(f"Invalid value for field '{body_key}': '{ref}'. The instance is not a "
                          "member of the group.")
        found.append(member)
    return found


@handles("compute.instanceGroupManagers.deleteInstances",
         "compute.regionInstanceGroupManagers.deleteInstances")
def delete_instances(ctx, req):
    with ctx.store.lock:
        igm = _find(ctx, req)
        members = _members_named(ctx, req, igm)

        def work():
            with ctx.store.lock:
                for m in members:
                    m["action"] = "DELETING"
                igm["targetSize"] = max(0, igm["targetSize"] - len(members))

    return 200, ctx.ops.start(req.project, req.scope,
                              "compute.instanceGroupManagers.deleteInstances", igm["selfLink"],
                              igm["id"], work, req.request_id())


@handles("compute.instanceGroupManagers.recreateInstances",
         "compute.regionInstanceGroupManagers.recreateInstances")
def recreate_instances(ctx, req):
    with ctx.store.lock:
        igm = _find(ctx, req)
        members = _members_named(ctx, req, igm)

        def work():
            with ctx.store.lock:
                for m in members:
                    m["action"] = "RECREATING"
                    m["recreate"] = True

    return 200, ctx.ops.start(req.project, req.scope,
                              "compute.instanceGroupManagers.recreateInstances", igm["selfLink"],
                              igm["id"], work, req.request_id())


# ---- instance groups ----

@handles("compute.instanceGroups.get", "compute.regionInstanceGroups.get")
def group_get(ctx, req):
    with ctx.store.lock:
        g = ctx.store.get(req.project, req.scope, "instanceGroups", req.params["instanceGroup"])
        return 200, answer(g)


@handles("compute.instanceGroups.list", "compute.regionInstanceGroups.list")
def group_list(ctx, req):
    with ctx.store.lock:
        items = [answer(g)
                 for g in ctx.store.all(req.project, req.scope, "instanceGroups")]
    kind = ("compute#regionInstanceGroupList" if req.scope.startswith("regions/")
            else "compute#instanceGroupList")
    return 200, list_page(items, req.query, kind, link(req.project, req.scope, "instanceGroups"),
                          f"projects/{req.project}/{req.scope}/instanceGroups")


def group_instances(ctx, group):
    igm = ctx.store.find_ref(group.get("_manager"), None, "instanceGroupManagers")
    if igm is None:
        return []
    return [i for i in (ctx.store.find(*m["key"]) for m in igm["_members"]
                        if m["action"] != "DELETING") if i is not None]


@handles("compute.instanceGroups.listInstances", "compute.regionInstanceGroups.listInstances")
def group_list_instances(ctx, req):
    state = req.body.get("instanceState", "ALL")
    with ctx.store.lock:
        g = ctx.store.get(req.project, req.scope, "instanceGroups", req.params["instanceGroup"])
        items = [{"instance": i["selfLink"], "status": i["status"],
                  **({"namedPorts": g["namedPorts"]} if g.get("namedPorts") else {})}
                 for i in group_instances(ctx, g)
                 if state == "ALL" or i["status"] == "RUNNING"]
    kind = ("compute#regionInstanceGroupsListInstances" if req.scope.startswith("regions/")
            else "compute#instanceGroupsListInstances")
    return 200, list_page(items, req.query, kind, g["selfLink"] + "/listInstances")


# ---- backend health ----

@handles("compute.backendServices.getHealth", "compute.regionBackendServices.getHealth")
def get_health(ctx, req):
    group_ref = req.body.get("group")
    with ctx.store.lock:
        bs = ctx.store.get(req.project, req.scope, "backendServices", req.params["backendService"])
        group = ctx.store.find_ref(group_ref, req.project, "instanceGroups")
        if group is None:
            raise not_found(str(group_ref))
        if not any(parse_ref(b.get("group"), req.project) == parse_ref(group["selfLink"],
                                                                         req.project)
                   for b in bs.get("backends", [])):
            raise invalid(f"Invalid value for field 'resourceGroupReference.group': "
                          f"'{group_ref}'. Instance group is not a backend of the backend service "
                          f"'{bs['name']}'.")
        hc = None
        if bs.get("healthChecks"):
            hc = ctx.store.find_ref(bs["healthChecks"][0], req.project, "healthChecks")
        statuses = []
        for instance in group_instances(ctx, group):
            state = "UNHEALTHY"
            if hc is not None and detailed_health(ctx, instance, hc) == "HEALTHY":
                state = "HEALTHY"
            port = bs.get("port") or (_hc_port(hc) if hc else 80)
            statuses.append({"instance": instance["selfLink"],
                             "ipAddress": instance["networkInterfaces"][0]["networkIP"],
                             "port": int(port), "healthState": state})
    out = {"kind": "compute#backendServiceGroupHealth"}
    if statuses:
        out["healthStatus"] = statuses
    return 200, out


def _hc_port(hc):
    for key in ("httpHealthCheck", "httpsHealthCheck", "http2HealthCheck", "tcpHealthCheck",
                "sslHealthCheck"):
        if key in hc:
            return hc[key].get("port", 80)
    return 80


# ---- the reconciler ----

def _new_name(base):
    return base + "-" + "".join(random.choice(string.ascii_lowercase + string.digits)
                                for _ in range(4))


def _ports(ctx, igm):
    ports = list(ctx.settings.guest_ports)
    for np in igm.get("namedPorts", []):
        ports.append(int(np.get("port")))
    project = igm_project(igm)
    for policy in igm.get("autoHealingPolicies", []):
        hc = ctx.store.find_ref(policy.get("healthCheck"), project, "healthChecks")
        if hc is not None:
            ports.append(int(_hc_port(hc)))
    return sorted(set(ports))


def _boot_settings(ctx, template, image):
    props = template.get("properties", {})
    boot = next(d for d in props.get("disks", []) if d.get("boot"))
    controller = "nvme" if boot.get("interface") == "NVME" else "virtio-scsi"
    features = {f.get("type") for f in image.get("guestOsFeatures", [])}
    firmware = "uefi" if "UEFI_COMPATIBLE" in features else "bios"
    return controller, firmware


def _create_member(ctx, igm, zone):
    project = igm_project(igm)
    template = ctx.store.find_ref(igm["instanceTemplate"], project, "instanceTemplates")
    name = _new_name(igm["baseInstanceName"])
    while ctx.store.find(project, "zones/" + zone, "instances", name) is not None:
        name = _new_name(igm["baseInstanceName"])
    member = {"key": (project, "zones/" + zone, "instances", name), "zone": zone,
              "action": "CREATING", "template": igm["instanceTemplate"], "since": None}
    igm["_members"].append(member)
    if template is None:
        igm.setdefault("_errors", []).append(
            {"instanceActionDetails": {"action": "CREATING", "instance": link(*member["key"])},
             "error": {"code": "RESOURCE_NOT_FOUND", "message": "The instance template was not "
                                                                "found."}, "timestamp": now()})
        member["action"] = "DELETING"
        return
    _boot_member(ctx, igm, member, template)


def _boot_member(ctx, igm, member, template):
    project = igm_project(igm)
    boot = next(d for d in template["properties"]["disks"] if d.get("boot"))
    try:
        image = resolve_image_ref(ctx, boot["initializeParams"]["sourceImage"], project)
    except Exception as e:
        igm.setdefault("_errors", []).append(
            {"instanceActionDetails": {"action": member["action"],
                                       "instance": link(*member["key"])},
             "error": {"code": "RESOURCE_NOT_FOUND", "message": str(e)}, "timestamp": now()})
        member["action"] = "DELETING"
        return
    old = ctx.store.find(*member["key"])
    if old is not None:
        ctx.store.delete(*member["key"])
    instance = instances.new_instance(ctx, project, member["zone"], member["key"][3], template,
                                      igm["selfLink"])
    member["template"] = template["selfLink"]
    member["since"] = None
    controller, firmware = _boot_settings(ctx, template, image)
    ctx.runtime.boot(instance, image, _ports(ctx, igm), controller, firmware)


def _reconcile_group(ctx, igm, scope, stops):
    project = igm_project(igm)
    zones = _zones(igm, scope)
    members = igm["_members"]
    for m in members:
        instance = ctx.store.find(*m["key"])
        if m["action"] == "DELETING":
            continue
        if m.get("reboot"):
            # The old QEMU was stopped after the previous pass; boot the new one with the same
            # name from the group's current template, as the manager recreates instances.
            if ctx.runtime.known(link(*m["key"])):
                continue
            m.pop("reboot")
            template = ctx.store.find_ref(igm["instanceTemplate"], project, "instanceTemplates")
            if template is not None:
                _boot_member(ctx, igm, m, template)
            continue
        if instance is None:
            continue
        status = ctx.runtime.status(instance["selfLink"])
        if status == "TERMINATED":
            instance["status"] = "TERMINATED"
        if instance["status"] == "TERMINATED" and not m.get("recreate"):
            # Exited or never booted: recreated, with a growing pause after repeated failures
            # (the manager backs off too), so a broken image does not spin the host.
            now_ = time.monotonic()
            if "retry_at" not in m:
                m["failures"] = m.get("failures", 0) + 1
                m["retry_at"] = now_ + min(30, 0.5 * 2 ** (m["failures"] - 1))
                why = ctx.runtime.failure(instance["selfLink"])
                if why:
                    igm.setdefault("_errors", []).append(
                        {"instanceActionDetails": {"action": m["action"],
                                                   "instance": instance["selfLink"]},
                         "error": {"code": "QEMU_FAILED", "message": why}, "timestamp": now()})
            if now_ < m["retry_at"]:
                continue
            m.pop("retry_at")
        if m.get("recreate") or instance["status"] == "TERMINATED":
            m.pop("recreate", None)
            stops.append(instance["selfLink"])
            instance["status"] = "STOPPING"
            m["action"] = "RECREATING"
            m["reboot"] = True
            continue
        if instance["status"] == "RUNNING":
            if m["since"] is None:
                m["since"] = time.monotonic()
                m["failures"] = 0
            if m["action"] in ("CREATING", "RECREATING"):
                m["action"] = "NONE"
            for policy in igm.get("autoHealingPolicies", []):
                hc = ctx.store.find_ref(policy.get("healthCheck"), project, "healthChecks")
                if hc is None:
                    continue
                delay = int(policy.get("initialDelaySec", 300))
                if (time.monotonic() - m["since"] >= delay
                        and detailed_health(ctx, instance, hc) == "UNHEALTHY"):
                    m["recreate"] = True
                    m["action"] = "RECREATING"
    live = [m for m in members if m["action"] != "DELETING"]
    surplus = len(live) - igm["targetSize"]
    if surplus > 0:
        # Delete the least useful first: not running, then unhealthy, then the newest.
        def rank(m):
            inst = ctx.store.find(*m["key"])
            return (inst is not None and inst["status"] == "RUNNING", m["since"] or 0)
        for m in sorted(live, key=rank)[:surplus]:
            m["action"] = "DELETING"
    while len([m for m in members if m["action"] != "DELETING"]) < igm["targetSize"]:
        counts = {z: 0 for z in zones}
        for m in members:
            if m["action"] != "DELETING" and m["zone"] in counts:
                counts[m["zone"]] += 1
        zone = min(zones, key=lambda z: counts[z])
        _create_member(ctx, igm, zone)
    drain = _draining_seconds(ctx, project, igm["instanceGroup"])
    for m in [m for m in members if m["action"] == "DELETING"]:
        instance = ctx.store.find(*m["key"])
        if instance is not None and instance["status"] == "RUNNING":
            # Connection draining: the backend service sends the instance no new requests, and the
            # group deletes it only once the draining timeout has passed (the resize documentation
            # says up to a minute later; here at once). It goes on draining if the group leaves
            # the backend service meanwhile, as that starts draining too.
            if drain > 0:
                m.setdefault("drain_until", time.monotonic() + drain)
            if time.monotonic() < m.get("drain_until", 0):
                continue
        if instance is not None:
            stops.append(instance["selfLink"])
            ctx.store.delete(*m["key"])
        members.remove(m)
    counts = {a: 0 for a in ACTIONS}
    for m in members:
        key = m["action"].lower()
        key = {"creating_without_retries": "creatingWithoutRetries"}.get(key, key)
        counts[key] = counts.get(key, 0) + 1
    igm["currentActions"] = counts
    stable = all(m["action"] == "NONE" for m in members) and len(members) == igm["targetSize"]
    igm["status"]["isStable"] = stable
    igm["status"]["versionTarget"]["isReached"] = all(
        m["template"] == igm["instanceTemplate"] for m in members)
    group = ctx.store.find_ref(igm["instanceGroup"], project, "instanceGroups")
    if group is not None:
        group["size"] = len(members)


def reconcile(ctx):
    stops = []  # QEMUs to stop once the lock is released: stopping one can take seconds
    with ctx.store.lock:
        for (project, scope, _, name), igm in ctx.store.everywhere("instanceGroupManagers"):
            try:
                _reconcile_group(ctx, igm, scope, stops)
            except Exception as e:
                import traceback
                ctx.log(f"reconcile {name}: {e}\n{traceback.format_exc()}")
            if igm.get("_deleting") and not igm["_members"]:
                ctx.store.delete(project, scope, "instanceGroupManagers", name)
                ctx.store.delete(project, scope, "instanceGroups", name)
                igm["_deleted"].set()
        for (project, scope, _, _), bs in ctx.store.everywhere("backendServices"):
            if not bs.get("healthChecks"):
                continue
            hc = ctx.store.find_ref(bs["healthChecks"][0], project, "healthChecks")
            if hc is None:
                continue
            for b in bs.get("backends", []):
                group = ctx.store.find_ref(b.get("group"), project, "instanceGroups")
                if group is None:
                    continue
                for instance in group_instances(ctx, group):
                    if instance["status"] == "RUNNING":
                        ensure_watch(ctx, instance, hc)
    for key in stops:
        ctx.runtime.stop(key)


def start_reconciler(ctx):
    def loop():
        while True:
            time.sleep(ctx.settings.reconcile_seconds)
            reconcile(ctx)

    threading.Thread(target=loop, daemon=True, name="reconciler").start()
