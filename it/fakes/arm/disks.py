"""Managed disks (Microsoft.Compute/disks), including direct upload
(https://learn.microsoft.com/azure/virtual-machines/linux/disks-upload-vhd-to-managed-disk-cli):
createOption Upload with uploadSizeBytes, beginGetAccess(Write) handing out a SAS URL of a page
blob on Azurite (diskState ReadyToUpload -> ActiveUpload), endGetAccess (-> Unattached)."""
import hashlib

from .app import public
from .errors import ArmError, conflict, invalid
from .lro import now_iso

MIB = 1 << 20
GIB = 1 << 30
MIN_UPLOAD = 20 * MIB + 512
MAX_UPLOAD = 32 * (1 << 40) + 512
TYPE = "Microsoft.Compute/disks"


def blob_of(disk):
    """(container, blob) on Azurite holding the disk's bytes."""
    return disk["_container"], "abcd"


def routes(fake, router):
    base = r"/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.Compute/disks"

    def disk_id(ctx):
        return fake.rid(ctx.group("rg"), TYPE, ctx.group("name"))

    def one(ctx):
        rg = fake.require_group(ctx)
        name = ctx.group("name")
        rid = disk_id(ctx)
        if ctx.method == "GET":
            return 200, public(fake.require(rid, TYPE, name, rg)), {}
        if ctx.method in ("PUT", "PATCH"):
            return put(ctx, rg, name, rid)
        if ctx.method == "DELETE":
            return delete(ctx, rg, name, rid)
        raise ArmError(405, "MethodNotAllowed", ctx.method)

    def put(ctx, rg, name, rid):
        body = ctx.body or {}
        with fake.lock:
            existing = fake.get(rid)
            if existing is not None:
                if ctx.method == "PUT":
                    old = existing["properties"]["creationData"]
                    new = (body.get("properties") or {}).get("creationData")
                    if new and (new.get("createOption") != old.get("createOption")
                                or new.get("uploadSizeBytes") != old.get("uploadSizeBytes")):
                        raise conflict("PropertyChangeNotAllowed",
                                       "Changing property 'creationData' is not allowed.", "creationData")
                if "tags" in body:
                    existing["tags"] = body["tags"] or {}
                existing["properties"]["provisioningState"] = "Updating"
                disk = existing
            else:
                if ctx.method == "PATCH":
                    raise ArmError(404, "ResourceNotFound", f"The Resource '{TYPE}/{name}' under resource group '{rg}' was not found.")
                disk = create(body, rg, name, rid)
                fake.put(rid, disk)
            accepted = public(disk)

        def work():
            with fake.lock:
                disk["properties"]["provisioningState"] = "Succeeded"
                return public(disk)

        op = fake.ops.start("DiskOperations", disk["location"], work)
        return 202, accepted, fake.ops.headers(op, ctx.api_version, True)

    def create(body, rg, name, rid):
        if not body.get("location"):
            raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
        props = body.get("properties") or {}
        cd = props.get("creationData") or {}
        option = cd.get("createOption")
        sku = (body.get("sku") or {}).get("name", "Standard_LRS")
        out = {"creationData": {"createOption": option}, "provisioningState": "Updating",
               "timeCreated": now_iso(), "uniqueId": hashlib.md5(rid.lower().encode()).hexdigest(),
               "encryption": {"type": "EncryptionAtRestWithPlatformKey"},
               "networkAccessPolicy": "AllowAll"}
        for key in ("osType", "hyperVGeneration", "supportedCapabilities"):
            if key in props:
                out[key] = props[key]
        if option == "Upload":
            size = cd.get("uploadSizeBytes")
            if not isinstance(size, int) or size < MIN_UPLOAD or size > MAX_UPLOAD or (size - 512) % MIB:
                raise invalid(
                    f"The value {size} of parameter 'uploadSizeBytes' is invalid: it must be the "
                    "size of a fixed VHD, a whole number of MiB of at least 20 MiB plus its "
                    "512-byte footer.", "disk.creationData.uploadSizeBytes")
            out["creationData"]["uploadSizeBytes"] = size
            out["diskState"] = "ReadyToUpload"
            out["diskSizeBytes"] = size - 512
            out["diskSizeGB"] = -(-(size - 512) // GIB)
        elif option == "Empty":
            gb = props.get("diskSizeGB")
            if not isinstance(gb, int) or gb < 1:
                raise invalid("diskSizeGB is required for createOption Empty.", "disk.diskSizeGB")
            out["diskSizeGB"] = gb
            out["diskSizeBytes"] = gb * GIB
            out["diskState"] = "Unattached"
        else:
            raise invalid(f"createOption '{option}' is not supported by this fake (Upload, Empty).",
                          "disk.creationData.createOption")
        container = "md-" + hashlib.sha1(rid.lower().encode()).hexdigest()[:20]
        if option == "Upload":
            fake.azurite.create_page_blob(container, "abcd", out["creationData"]["uploadSizeBytes"])
        return {"id": rid, "name": name, "type": TYPE, "location": body["location"],
                "tags": body.get("tags") or {}, "sku": {"name": sku, "tier": sku.split("_")[0]},
                "properties": out, "_container": container}

    def delete(ctx, rg, name, rid):
        with fake.lock:
            disk = fake.get(rid)
            if disk is not None:
                state = disk["properties"].get("diskState")
                if state in ("ActiveUpload", "ActiveSAS", "ActiveSASFrozen"):
                    raise conflict("OperationNotAllowed",
                                   f"Disk {name} is in state {state}: revoke its access (endGetAccess) before deleting it.")
                if disk.get("_managedBy"):
                    raise conflict("OperationNotAllowed", f"Disk {name} is attached to {disk['_managedBy']}.")
                fake.remove(rid)
        if disk is None:
            return 204, None, {}

        def work():
            c, b = blob_of(disk)
            fake.azurite.delete_blob(c, b)
            return None

        op = fake.ops.start("DiskOperations", disk["location"], work)
        return 202, None, fake.ops.headers(op, ctx.api_version, True)

    def grant(ctx):
        rg = fake.require_group(ctx)
        name = ctx.group("name")
        rid = disk_id(ctx)
        body = ctx.body or {}
        access = body.get("access")
        seconds = body.get("durationInSeconds")
        if access not in ("Read", "Write") or not isinstance(seconds, int) or seconds < 1:
            raise invalid("grantAccessData needs access (Read or Write) and durationInSeconds.")
        with fake.lock:
            disk = fake.require(rid, TYPE, name, rg)
            props = disk["properties"]
            state = props["diskState"]
            if access == "Write":
                # ActiveUpload again: a client resuming an interrupted upload gets a new SAS.
                if state not in ("ReadyToUpload", "ActiveUpload"):
                    raise conflict("OperationNotAllowed",
                                   f"Write access can only be granted to a disk created for upload and not yet uploaded; disk {name} is {state}.")
                props["diskState"] = "ActiveUpload"
            else:
                if state not in ("Unattached", "ActiveSAS"):
                    raise conflict("OperationNotAllowed", f"Read access cannot be granted to disk {name} in state {state}.")
                props["diskState"] = "ActiveSAS"

        def work():
            c, b = blob_of(disk)
            if access == "Read" and fake.azurite.blob_size(c, b) is None:
                fake.azurite.create_page_blob(c, b, props["diskSizeBytes"] + 512)
            url = fake.azurite.sas_url(c, b, "rw" if access == "Write" else "r", seconds)
            return {"accessSAS": url}, {"accessSAS": url}

        op = fake.ops.start("DiskOperations", disk["location"], work)
        return 202, None, fake.ops.headers(op, ctx.api_version, True)

    def revoke(ctx):
        rg = fake.require_group(ctx)
        name = ctx.group("name")
        with fake.lock:
            disk = fake.require(disk_id(ctx), TYPE, name, rg)
            if disk["properties"]["diskState"] in ("ActiveUpload", "ActiveSAS"):
                disk["properties"]["diskState"] = "Unattached"
        op = fake.ops.start("DiskOperations", disk["location"], lambda: None)
        return 202, None, fake.ops.headers(op, ctx.api_version, True)

    def listing(ctx):
        fake.require_group(ctx)
        prefix = fake.rid(ctx.group("rg"), TYPE)
        return 200, {"value": [public(d) for d in fake.children(prefix)]}, {}

    router.add(base, listing)
    router.add(base + r"/(?P<name>[^/]+)", one)
    router.add(base + r"/(?P<name>[^/]+)/beginGetAccess", grant)
    router.add(base + r"/(?P<name>[^/]+)/endGetAccess", revoke)

