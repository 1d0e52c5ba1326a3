"""Azure Compute Gallery (galleries, image definitions, image versions) and plain managed images.

Image versions take their source from a managed disk (storageProfile.osDiskImage.source.id) or a
blob (source.uri + storageAccountId), read it from Azurite (it must be a valid fixed VHD), and
replicate to publishingProfile.targetRegions: each region moves through Replicating (with
progress) to Completed or Failed (replicationStatus, shown with $expand=ReplicationStatus).
See https://learn.microsoft.com/rest/api/compute/gallery-image-versions/create-or-update."""
import os
import re
import time

from .app import norm_region, public
from .disks import TYPE as DISK_TYPE, blob_of
from .errors import ArmError, conflict, invalid
from .lro import now_iso
from .vhd import copy_source

G = "Microsoft.Compute/galleries"
VERSION_RE = re.compile(r"^(\d{1,9})\.(\d{1,9})\.(\d{1,9})$")
IMMUTABLE_IMAGE = ("osType", "osState", "hyperVGeneration", "architecture", "identifier")


def version_key(name):
    return tuple(int(x) for x in name.split("."))


def routes(fake, router):
    rgp = r"/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.Compute"
    gp = rgp + r"/galleries"

    def caps(ctx, location, work, status, accepted, with_location=False):
        op = fake.ops.start("capsOperations", location, work)
        return status, accepted, fake.ops.headers(op, ctx.api_version, with_location)

    # --- galleries ---------------------------------------------------------------------------

    def gallery(ctx):
        rg = fake.require_group(ctx)
        name = ctx.group("g")
        rid = fake.rid(rg, G, name)
        if ctx.method == "GET":
            return 200, public(fake.require(rid, G, name, rg)), {}
        if ctx.method == "PUT":
            body = ctx.body or {}
            with fake.lock:
                existing = fake.get(rid)
                if existing is None:
                    if not body.get("location"):
                        raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
                    g = {"id": rid, "name": name, "type": G, "location": body["location"],
                         "tags": body.get("tags") or {},
                         "properties": {"description": (body.get("properties") or {}).get("description", ""),
                                        "identifier": {"uniqueName": f"{fake.subscription}-{name.upper()}"},
                                        "provisioningState": "Creating"}}
                    fake.put(rid, g)
                else:
                    g = existing
                    g["tags"] = body.get("tags", g["tags"]) or {}
                    if "description" in (body.get("properties") or {}):
                        g["properties"]["description"] = body["properties"]["description"]
                    g["properties"]["provisioningState"] = "Updating"
                accepted = public(g)
            return caps(ctx, g["location"], lambda: succeed(g), 200 if existing else 201, accepted)
        if ctx.method == "DELETE":
            with fake.lock:
                g = fake.get(rid)
                if g is None:
                    return 204, None, {}
                if fake.children(rid + "/images"):
                    raise conflict("CannotDeleteResource",
                                   "Can not delete resource before nested resources are deleted.")
                fake.remove(rid)
            return caps(ctx, g["location"], lambda: None, 202, None, True)
        raise ArmError(405, "MethodNotAllowed", ctx.method)

    def succeed(resource):
        with fake.lock:
            resource["properties"]["provisioningState"] = "Succeeded"
        return None

    def galleries(ctx):
        fake.require_group(ctx)
        return 200, {"value": [public(g) for g in fake.children(fake.rid(ctx.group("rg"), G))]}, {}

    # --- image definitions -------------------------------------------------------------------

    def definition(ctx):
        rg = fake.require_group(ctx)
        gname, name = ctx.group("g"), ctx.group("i")
        grid = fake.rid(rg, G, gname)
        rid = grid + "/images/" + name
        if ctx.method == "GET":
            return 200, public(fake.require(rid, G + "/images", f"{gname}/{name}", rg)), {}
        if ctx.method == "PUT":
            body = ctx.body or {}
            props = dict(body.get("properties") or {})
            with fake.lock:
                g = fake.require(grid, G, gname, rg)
                props.setdefault("hyperVGeneration", "V1")
                props.setdefault("architecture", "x64")
                check_definition(props)
                existing = fake.get(rid)
                if existing is not None:
                    for key in IMMUTABLE_IMAGE:
                        if key in props and props[key] != existing["properties"].get(key):
                            raise conflict("PropertyChangeNotAllowed",
                                           f"Changing property 'galleryImage.properties.{key}' is not allowed.",
                                           f"galleryImage.properties.{key}")
                    existing["tags"] = body.get("tags", existing.get("tags")) or {}
                    for key in ("description", "endOfLifeDate", "recommended", "disallowed", "features"):
                        if key in props:
                            existing["properties"][key] = props[key]
                    existing["properties"]["provisioningState"] = "Updating"
                    d = existing
                else:
                    props["provisioningState"] = "Creating"
                    d = {"id": rid, "name": name, "type": G + "/images",
                         "location": body.get("location") or g["location"], "tags": body.get("tags") or {},
                         "properties": props}
                    fake.put(rid, d)
                accepted = public(d)
            return caps(ctx, d["location"], lambda: succeed(d), 200 if existing else 201, accepted)
        if ctx.method == "DELETE":
            with fake.lock:
                d = fake.get(rid)
                if d is None:
                    return 204, None, {}
                if fake.children(rid + "/versions"):
                    raise conflict("CannotDeleteResource",
                                   "Can not delete resource before nested resources are deleted.")
                fake.remove(rid)
            return caps(ctx, d["location"], lambda: None, 202, None, True)
        raise ArmError(405, "MethodNotAllowed", ctx.method)

    def check_definition(p):
        if p.get("osType") not in ("Linux", "Windows"):
            raise invalid("osType must be Linux or Windows.", "galleryImage.properties.osType")
        if p.get("osState") not in ("Generalized", "Specialized"):
            raise invalid("osState must be Generalized or Specialized.", "galleryImage.properties.osState")
        ident = p.get("identifier") or {}
        for k in ("publisher", "offer", "sku"):
            if not ident.get(k):
                raise invalid(f"identifier.{k} is required.", f"galleryImage.properties.identifier.{k}")
        if p["hyperVGeneration"] not in ("V1", "V2"):
            raise invalid("hyperVGeneration must be V1 or V2.", "galleryImage.properties.hyperVGeneration")
        if p["architecture"] not in ("x64", "Arm64"):
            raise invalid("architecture must be x64 or Arm64.", "galleryImage.properties.architecture")
        if p["architecture"] == "Arm64" and p["hyperVGeneration"] != "V2":
            raise invalid("Arm64 images must be hyperVGeneration V2.", "galleryImage.properties.hyperVGeneration")

    def definitions(ctx):
        rg = fake.require_group(ctx)
        grid = fake.rid(rg, G, ctx.group("g"))
        fake.require(grid, G, ctx.group("g"), rg)
        return 200, {"value": [public(d) for d in fake.children(grid + "/images")]}, {}

    # --- image versions ----------------------------------------------------------------------

    def version(ctx):
        rg = fake.require_group(ctx)
        gname, iname, vname = ctx.group("g"), ctx.group("i"), ctx.group("v")
        drid = fake.rid(rg, G, gname) + "/images/" + iname
        rid = drid + "/versions/" + vname
        if ctx.method == "GET":
            v = fake.require(rid, G + "/images/versions", f"{gname}/{iname}/{vname}", rg)
            out = public(v)
            if (ctx.query.get("$expand") or "").lower() == "replicationstatus":
                out["properties"]["replicationStatus"] = replication_status(v)
            return 200, out, {}
        if ctx.method == "PUT":
            return put_version(ctx, rg, drid, rid, gname, iname, vname)
        if ctx.method == "DELETE":
            with fake.lock:
                v = fake.get(rid)
                if v is None:
                    return 204, None, {}
                if v.get("_users"):
                    raise conflict("OperationNotAllowed",
                                   f"Gallery image version {vname} is in use by {sorted(v['_users'])[0]}.")
                fake.remove(rid)

            def work():
                if v.get("_raw") and os.path.exists(v["_raw"]):
                    os.remove(v["_raw"])
                return None

            return caps(ctx, v["location"], work, 202, None, True)
        raise ArmError(405, "MethodNotAllowed", ctx.method)

    def put_version(ctx, rg, drid, rid, gname, iname, vname):
        if not VERSION_RE.match(vname):
            raise invalid(f"The gallery image version name '{vname}' is invalid: use "
                          "MajorVersion.MinorVersion.Patch with 32-bit integers.", "galleryImageVersionName")
        body = ctx.body or {}
        props = body.get("properties") or {}
        pp = dict(props.get("publishingProfile") or {})
        source = ((props.get("storageProfile") or {}).get("osDiskImage") or {}).get("source") or {}
        with fake.lock:
            d = fake.require(drid, G + "/images", f"{gname}/{iname}", rg)
            location = body.get("location") or d["location"]
            targets = pp.get("targetRegions") or [{"name": location}]
            if norm_region(location) not in {norm_region(t.get("name")) for t in targets}:
                raise invalid("The target regions must include the version's own location "
                              f"'{location}'.", "galleryImageVersion.properties.publishingProfile.targetRegions")
            for t in targets:
                t.setdefault("regionalReplicaCount", pp.get("replicaCount", 1))
                t.setdefault("storageAccountType", pp.get("storageAccountType", "Standard_LRS"))
                t.setdefault("excludeFromLatest", False)
            existing = fake.get(rid)
            if existing is not None:
                old = existing["properties"]["storageProfile"]["osDiskImage"]["source"]
                if source and {k: v for k, v in source.items() if v} != {k: v for k, v in old.items() if v}:
                    raise conflict("PropertyChangeNotAllowed",
                                   "Changing property 'galleryImageVersion.properties.storageProfile."
                                   "osDiskImage.source' is not allowed.", "source")
                if existing["properties"]["provisioningState"] in ("Creating", "Updating"):
                    raise conflict("OperationNotAllowed",
                                   f"Gallery image version {vname} is being {existing['properties']['provisioningState'].lower()}; retry when it has finished.")
                v = existing
                v["tags"] = body.get("tags", v.get("tags")) or {}
                v["properties"]["publishingProfile"].update(pp)
                v["properties"]["publishingProfile"]["targetRegions"] = targets
                v["properties"]["provisioningState"] = "Updating"
            else:
                if not (source.get("id") or source.get("uri")):
                    raise invalid("storageProfile.osDiskImage.source needs id (a managed disk or "
                                  "snapshot) or uri (a VHD blob) with storageAccountId.",
                                  "galleryImageVersion.properties.storageProfile.osDiskImage.source")
                if source.get("uri") and not source.get("storageAccountId"):
                    raise invalid("A VHD source uri needs storageAccountId.", "source.storageAccountId")
                check_source(source)
                pp["targetRegions"] = targets
                pp.setdefault("excludeFromLatest", False)
                pp["publishedDate"] = now_iso()
                v = {"id": rid, "name": vname, "type": G + "/images/versions", "location": location,
                     "tags": body.get("tags") or {},
                     "properties": {"publishingProfile": pp,
                                    "storageProfile": {"osDiskImage": {"source": source, "hostCaching": "ReadOnly"}},
                                    "provisioningState": "Creating"},
                     "_regions": {}, "_users": set()}
                fake.put(rid, v)
            for t in targets:
                st = v["_regions"].get(norm_region(t["name"]))
                if st is None or st["state"] == "Failed":
                    v["_regions"][norm_region(t["name"])] = {"region": t["name"], "state": "Queued", "progress": 0}
            accepted = public(v)

        def work():
            if v.get("_raw") is None:
                v["_raw"] = read_source(rg, source, rid)
            replicate(v)
            return None

        return caps(ctx, location, work, 200 if existing else 201, accepted)

    def check_source(source):
        # What ARM validates before accepting the request; the VHD itself is read afterwards.
        if source.get("id"):
            disk = fake.by_id(source["id"])
            if disk is None or disk["type"] != DISK_TYPE:
                raise ArmError(404, "NotFound", f"Source {source['id']} does not exist.")
            state = disk["properties"].get("diskState")
            if state in ("ActiveUpload", "ReadyToUpload"):
                raise conflict("OperationNotAllowed",
                               f"The source disk is in state {state}: finish the upload and revoke access first.")
        elif fake.azurite.split(source["uri"]) is None:
            raise invalid(f"The blob {source['uri']} is not in a storage account this fake knows.", "source.uri")

    def read_source(rg, source, rid):
        os.makedirs(os.path.join(fake.data_dir, "images"), exist_ok=True)
        out = os.path.join(fake.data_dir, "images", re.sub(r"[^A-Za-z0-9.-]", "_", rid.lower()[-120:]) + ".raw")
        if source.get("id"):
            disk = fake.by_id(source["id"])
            if disk is None or disk["type"] != DISK_TYPE:
                raise ArmError(404, "NotFound", f"Source {source['id']} does not exist.")
            state = disk["properties"].get("diskState")
            if state in ("ActiveUpload", "ReadyToUpload"):
                raise conflict("OperationNotAllowed",
                               f"The source disk is in state {state}: finish the upload and revoke access first.")
            c, b = blob_of(disk)
            copy_source(fake.azurite, c, b, out, f"disk {disk['name']}")
        else:
            where = fake.azurite.split(source["uri"])
            if where is None:
                raise invalid(f"The blob {source['uri']} is not in a storage account this fake knows.", "source.uri")
            copy_source(fake.azurite, where[0], where[1], out, f"blob {source['uri']}")
        return out

    def replicate(v):
        # Regions finish one after another, so clients can report each as it completes.
        step = fake.replication_seconds
        pending = [r for r in v["_regions"].values() if r["state"] != "Completed"]
        for i, r in enumerate(pending):
            r["state"] = "Replicating"
        for i, r in enumerate(pending):
            for pct in (25, 50, 75):
                time.sleep(step / 4)
                r["progress"] = pct
            time.sleep(step / 4)
            fail = fake.faults.replication.get(norm_region(r["region"]))
            if fail:
                r["state"], r["details"], r["progress"] = "Failed", f"{fail[0]}: {fail[1]}", r["progress"]
            else:
                r["state"], r["progress"] = "Completed", 100
                r.pop("details", None)
        failed = [r["region"] for r in v["_regions"].values() if r["state"] == "Failed"]
        with fake.lock:
            v["properties"]["provisioningState"] = "Failed" if failed else "Succeeded"
        if failed:
            raise ArmError(500, "ReplicationJobsNotCompleted",
                           "Replication job not completed at region: " + ", ".join(f"'{r}'" for r in failed))

    def replication_status(v):
        regions = list(v["_regions"].values())
        states = {r["state"] for r in regions}
        agg = ("Failed" if "Failed" in states else "Completed" if states == {"Completed"}
               else "InProgress" if states else "Unknown")
        return {"aggregatedState": agg,
                "summary": [{k: r[k] for k in ("region", "state", "details", "progress") if k in r}
                            for r in regions]}

    def versions(ctx):
        rg = fake.require_group(ctx)
        drid = fake.rid(rg, G, ctx.group("g")) + "/images/" + ctx.group("i")
        fake.require(drid, G + "/images", ctx.group("i"), rg)
        return 200, {"value": [public(v) for v in fake.children(drid + "/versions")]}, {}

    # --- managed images ----------------------------------------------------------------------

    def image(ctx):
        rg = fake.require_group(ctx)
        name = ctx.group("name")
        rid = fake.rid(rg, "Microsoft.Compute/images", name)
        if ctx.method == "GET":
            return 200, public(fake.require(rid, "Microsoft.Compute/images", name, rg)), {}
        if ctx.method == "PUT":
            body = ctx.body or {}
            osd = ((body.get("properties") or {}).get("storageProfile") or {}).get("osDisk") or {}
            if fake.get(rid) is not None:
                raise conflict("PropertyChangeNotAllowed", "Changing property 'storageProfile' is not allowed.")
            if not (osd.get("blobUri") or (osd.get("managedDisk") or {}).get("id")):
                raise invalid("storageProfile.osDisk needs blobUri or managedDisk.id.", "osDisk")
            if osd.get("osState") not in ("Generalized", "Specialized") or osd.get("osType") not in ("Linux", "Windows"):
                raise invalid("osDisk needs osType and osState.", "osDisk")
            src = {"uri": osd["blobUri"], "storageAccountId": "-"} if osd.get("blobUri") \
                else {"id": osd["managedDisk"]["id"]}
            img = {"id": rid, "name": name, "type": "Microsoft.Compute/images",
                   "location": body.get("location"), "tags": body.get("tags") or {},
                   "properties": {"storageProfile": {"osDisk": osd},
                                  "hyperVGeneration": (body.get("properties") or {}).get("hyperVGeneration", "V1"),
                                  "provisioningState": "Creating"}, "_users": set()}
            fake.put(rid, img)

            def work():
                try:
                    img["_raw"] = read_source(rg, src, rid)
                except ArmError:
                    with fake.lock:
                        img["properties"]["provisioningState"] = "Failed"
                    raise
                return succeed(img)

            op = fake.ops.start("operations", img["location"], work)
            return 201, public(img), fake.ops.headers(op, ctx.api_version, False)
        if ctx.method == "DELETE":
            with fake.lock:
                img = fake.get(rid)
                if img is None:
                    return 204, None, {}
                fake.remove(rid)
            op = fake.ops.start("operations", img["location"], lambda: None)
            return 202, None, fake.ops.headers(op, ctx.api_version, True)
        raise ArmError(405, "MethodNotAllowed", ctx.method)

    router.add(gp, galleries)
    router.add(gp + r"/(?P<g>[^/]+)", gallery)
    router.add(gp + r"/(?P<g>[^/]+)/images", definitions)
    router.add(gp + r"/(?P<g>[^/]+)/images/(?P<i>[^/]+)", definition)
    router.add(gp + r"/(?P<g>[^/]+)/images/(?P<i>[^/]+)/versions", versions)
    router.add(gp + r"/(?P<g>[^/]+)/images/(?P<i>[^/]+)/versions/(?P<v>[^/]+)", version)
    router.add(rgp + r"/images/(?P<name>[^/]+)", image)


def latest_version(fake, definition_id, region=None):
    """The version a reference to the definition means: the highest one not excluded from latest."""
    best = None
    for v in fake.children(definition_id + "/versions"):
        pp = v["properties"]["publishingProfile"]
        if v["properties"]["provisioningState"] != "Succeeded" or pp.get("excludeFromLatest"):
            continue
        if region and norm_region(region) not in v["_regions"]:
            continue
        if best is None or version_key(v["name"]) > version_key(best["name"]):
            best = v
    return best

