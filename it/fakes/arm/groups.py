"""Resource groups (Microsoft.Resources): enough for tests and the walkthrough to make one."""
from .app import public
from .errors import ArmError


def routes(fake, router):
    sub = r"/subscriptions/(?P<sub>[^/]+)"

    def group(ctx):
        name = ctx.group("rg")
        key = name.lower()
        with fake.lock:
            existing = fake.groups.get(key)
            if ctx.method == "PUT":
                body = ctx.body or {}
                if not body.get("location"):
                    raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
                g = {
                    "id": f"/subscriptions/{fake.subscription}/resourceGroups/{name}",
                    "name": name, "type": "Microsoft.Resources/resourceGroups",
                    "location": body["location"], "tags": body.get("tags", {}),
                    "properties": {"provisioningState": "Succeeded"},
                }
                fake.groups[key] = g
                return (200 if existing else 201), public(g), {}
            if existing is None:
                raise ArmError(404, "ResourceGroupNotFound", f"Resource group '{name}' could not be found.")
            if ctx.method == "GET":
                return 200, public(existing), {}
            if ctx.method == "DELETE":
                prefix = existing["id"].lower() + "/"
                if any(k.startswith(prefix) for k in fake.store):
                    raise ArmError(409, "ResourceGroupNotEmpty",
                                   f"Resource group '{name}' still holds resources; delete them first.")
                del fake.groups[key]
                return 200, None, {}
        raise ArmError(405, "MethodNotAllowed", ctx.method)

    router.add(sub + r"/resourcegroups/(?P<rg>[^/]+)", group)
