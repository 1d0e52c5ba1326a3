"""Load balancers (Microsoft.Network/loadBalancers): frontends, backend pools, probes, rules and
inbound NAT pools, as https://learn.microsoft.com/rest/api/load-balancer/load-balancers describes.
Pool membership (backendIPConfigurations) is derived from the scale-set instances whose applied
network model names the pool."""
import secrets

from .app import public
from .errors import ArmError, invalid

T = "Microsoft.Network/loadBalancers"
CHILDREN = {
    "frontendIPConfigurations": "frontendIPConfigurations",
    "backendAddressPools": "backendAddressPools",
    "probes": "probes",
    "loadBalancingRules": "loadBalancingRules",
    "inboundNatPools": "inboundNatPools",
    "inboundNatRules": "inboundNatRules",
    "outboundRules": "outboundRules",
}


def routes(fake, router):
    base = r"/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.Network/loadBalancers"

    def lb(ctx):
        rg = fake.require_group(ctx)
        name = ctx.group("name")
        rid = fake.rid(rg, T, name)
        if ctx.method == "GET":
            return 200, render(fake, fake.require(rid, T, name, rg)), {}
        if ctx.method == "PUT":
            body = ctx.body or {}
            if not body.get("location"):
                raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
            props = body.get("properties") or {}
            etag = 'W/"%s"' % secrets.token_hex(16)
            out = {"provisioningState": "Updating", "resourceGuid": secrets.token_hex(16)}
            for key in CHILDREN:
                items = []
                for item in props.get(key) or []:
                    if not item.get("name"):
                        raise invalid(f"Every entry of {key} needs a name.", key)
                    items.append({"name": item["name"], "id": f"{rid}/{key}/{item['name']}", "etag": etag,
                                  "type": f"{T}/{key}",
                                  "properties": dict(item.get("properties") or {}, provisioningState="Succeeded")})
                out[key] = items
            check_references(rid, out)
            with fake.lock:
                existing = fake.get(rid)
                res = {"id": rid, "name": name, "type": T, "location": body["location"], "etag": etag,
                       "tags": body.get("tags") or {}, "sku": body.get("sku") or {"name": "Standard"},
                       "properties": out}
                fake.put(rid, res)
            accepted = render(fake, res)

            def work():
                with fake.lock:
                    res["properties"]["provisioningState"] = "Succeeded"
                return None

            op = fake.ops.start("operations", res["location"], work, namespace="Microsoft.Network")
            headers = fake.ops.headers(op, ctx.api_version, False)
            return (200 if existing else 201), accepted, headers
        if ctx.method == "DELETE":
            with fake.lock:
                res = fake.get(rid)
                if res is None:
                    return 204, None, {}
                if any(pool_members(fake, p["id"]) for p in res["properties"]["backendAddressPools"]):
                    raise ArmError(400, "InUseByVirtualMachineScaleSet",
                                   f"Load balancer {name} is in use by a virtual machine scale set.")
                fake.remove(rid)
            op = fake.ops.start("operations", res["location"], lambda: None, namespace="Microsoft.Network")
            return 202, None, fake.ops.headers(op, ctx.api_version, True)
        raise ArmError(405, "MethodNotAllowed", ctx.method)

    def child(ctx):
        rg = fake.require_group(ctx)
        res = render(fake, fake.require(fake.rid(rg, T, ctx.group("name")), T, ctx.group("name"), rg))
        kind = ctx.group("kind")
        key = next((k for k in CHILDREN if k.lower() == kind.lower()), None)
        items = res["properties"].get(key, [])
        if ctx.group("child") is None:
            return 200, {"value": items}, {}
        for item in items:
            if item["name"].lower() == ctx.group("child").lower():
                return 200, item, {}
        raise ArmError(404, "NotFound", f"Resource {res['id']}/{kind}/{ctx.group('child')} not found.")

    router.add(base + r"/(?P<name>[^/]+)", lb)
    router.add(base + r"/(?P<name>[^/]+)/(?P<kind>backendAddressPools|probes|loadBalancingRules|"
               r"frontendIPConfigurations|inboundNatPools|inboundNatRules)(/(?P<child>[^/]+))?", child)


def check_references(rid, props):
    ids = {i["id"].lower() for key in CHILDREN for i in props[key]}
    for rule in props["loadBalancingRules"]:
        for ref in ("frontendIPConfiguration", "backendAddressPool", "probe"):
            target = (rule["properties"].get(ref) or {}).get("id")
            if target and target.lower() not in ids:
                raise invalid(f"Rule {rule['name']} references {target}, which is not part of {rid}.", ref)
    for probe in props["probes"]:
        p = probe["properties"]
        if p.get("protocol") not in ("Http", "Https", "Tcp"):
            raise invalid(f"Probe {probe['name']}: protocol must be Http, Https or Tcp.", "probes")
        if p.get("protocol") in ("Http", "Https") and not p.get("requestPath"):
            raise invalid(f"Probe {probe['name']}: requestPath is required for {p['protocol']}.", "probes")
        if not isinstance(p.get("port"), int):
            raise invalid(f"Probe {probe['name']}: port is required.", "probes")


def pool_members(fake, pool_id):
    from . import vmss

    return vmss.pool_members(fake, pool_id)


def render(fake, res):
    out = public(res)
    for pool in out["properties"]["backendAddressPools"]:
        members = pool_members(fake, pool["id"])
        if members:
            pool["properties"]["backendIPConfigurations"] = [{"id": m} for m in members]
    for probe in out["properties"]["probes"]:
        rules = [r["id"] for r in out["properties"]["loadBalancingRules"]
                 if (r["properties"].get("probe") or {}).get("id", "").lower() == probe["id"].lower()]
        if rules:
            probe["properties"]["loadBalancingRules"] = [{"id": r} for r in rules]
    return out


def find_probe(fake, probe_id):
    """The probe's properties by id, or None."""
    lb_id = probe_id.lower().split("/probes/")[0]
    res = fake.get(lb_id)
    if res is None:
        return None
    for p in res["properties"]["probes"]:
        if p["id"].lower() == probe_id.lower():
            return p["properties"]
    return None


def find_pool(fake, pool_id):
    lb_id = pool_id.lower().split("/backendaddresspools/")[0]
    res = fake.get(lb_id)
    if res is None:
        return None
    return next((p for p in res["properties"]["backendAddressPools"] if p["id"].lower() == pool_id.lower()), None)
