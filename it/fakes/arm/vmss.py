"""Virtual machine scale sets whose instances are real: each boots the scale set's image (the
gallery version's or managed image's copy, under a qcow2 overlay) under QEMU through
fakecloud.vm, its boot-diagnostics serial log is that QEMU's console, and its instance view's
vmHealth comes from probing it with the load balancer probe named in networkProfile.healthProbe
(https://learn.microsoft.com/azure/virtual-machine-scale-sets/virtual-machine-scale-sets-health-extension
describes the signal; a unikernel has no agent, so the probe is the only source).

upgradePolicy Manual: a model change (such as the backend pools) reaches an instance only after
POST manualupgrade, as on Azure; until then the instance reports latestModelApplied false.

Each instance gets a private IP in 10.0.0.0/16 (its NIC reports it, as Azure's does); it is not
reachable from the host. What the host can reach is a load balancer's frontend (network.py and
frontends.py forward it to the healthy pool members). The boot-diagnostics serial log blob is
refreshed every second, as Azure flushes it on its own, so that a client may keep its SAS URL.
Deleting one instance (DELETE .../virtualMachines/ID) lowers the capacity by one, as on Azure."""
import copy
import os
import uuid


from .app import norm_region, public
from .errors import ArmError, conflict, invalid
from .lro import now_iso

T = "Microsoft.Compute/virtualMachineScaleSets"


def _runtime():
    try:
        from fakecloud import health, vm  # the shared QEMU runtime of the fakes (it/fakes/fakecloud)
    except ImportError as e:
        raise ArmError(500, "InternalExecutionError",
                       f"the fake cannot boot instances: fakecloud is not importable ({e})")
    return vm, health


def ip_configs(model):
    out = []
    for nic in (model.get("networkInterfaceConfigurations") or []):
        for ipc in (nic.get("properties") or {}).get("ipConfigurations") or []:
            out.append((nic, ipc))
    return out


def provisioning(inst):
    """An instance's provisioning state and its display text. One that reconcile() listed but whose
    QEMU has not started yet is still creating, as a new Azure instance is, not failed: a client
    that polls the instance view while a scale set grows must see it pending."""
    if inst.get("_vm") is not None:
        return "succeeded", "Provisioning succeeded"
    state = inst.get("_state")
    if state == "creating":
        return "creating", "Creating"
    if state == "failed":
        return "failed", "Provisioning failed: " + inst.get("_error", "the instance did not start")
    return "deleting", "Deleting"


def pool_members(fake, pool_id):
    members = []
    with fake.lock:
        sets = [r for r in fake.store.values() if r["type"] == T]
    for s in sets:
        for inst in list(s["_instances"].values()):
            for nic, ipc in ip_configs(inst["_applied"]):
                pools = (ipc.get("properties") or {}).get("loadBalancerBackendAddressPools") or []
                if any(p.get("id", "").lower() == pool_id.lower() for p in pools):
                    members.append(f"{s['id']}/virtualMachines/{inst['instanceId']}/networkInterfaces/"
                                   f"{nic['name']}/ipConfigurations/{ipc['name']}")
    return members


def pool_backends(fake, pool_id):
    """(scale set, instance) of every running instance whose applied model is in the pool."""
    out = []
    with fake.lock:
        sets = [r for r in fake.store.values() if r["type"] == T]
    for s in sets:
        for inst in list(s["_instances"].values()):
            if inst.get("_vm") is None:
                continue
            for _, ipc in ip_configs(inst["_applied"]):
                pools = (ipc.get("properties") or {}).get("loadBalancerBackendAddressPools") or []
                if any(p.get("id", "").lower() == pool_id.lower() for p in pools):
                    out.append((s, inst))
                    break
    return out


def routes(fake, router):
    base = (r"/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/"
            r"Microsoft\.Compute/virtualMachineScaleSets")
    prober = {}
    refresher = {}
    ips = {"next": 4}

    def shutdown():
        refresher["stop"] = True
        for s in list(fake.store.values()):
            if s["type"] == T:
                for i in list(s["_instances"].values()):
                    stop_instance(i)
        if hasattr(fake, "frontends"):
            fake.frontends.close_all()

    fake.shutdown = shutdown
    fake.probe_state = lambda key: prober["p"].state(key) if "p" in prober else "UNKNOWN"

    def get_set(ctx):
        rg = fake.require_group(ctx)
        name = ctx.group("name")
        return rg, fake.require(fake.rid(rg, T, name), T, name, rg)

    def scale_set(ctx):
        rg = fake.require_group(ctx)
        name = ctx.group("name")
        rid = fake.rid(rg, T, name)
        if ctx.method == "GET":
            return 200, render(fake.require(rid, T, name, rg)), {}
        if ctx.method in ("PUT", "PATCH"):
            return write(ctx, rg, name, rid)
        if ctx.method == "DELETE":
            with fake.lock:
                s = fake.get(rid)
                if s is None:
                    return 204, None, {}
                s["properties"]["provisioningState"] = "Deleting"

            def work():
                for inst in list(s["_instances"].values()):
                    stop_instance(inst)
                with fake.lock:
                    fake.remove(rid)
                    if s["_image"] is not None:
                        s["_image"]["_users"].discard(rid.lower())
                return None

            op = fake.ops.start("operations", s["location"], work)
            return 202, None, fake.ops.headers(op, ctx.api_version, True)
        raise ArmError(405, "MethodNotAllowed", ctx.method)

    def write(ctx, rg, name, rid):
        body = ctx.body or {}
        with fake.lock:
            existing = fake.get(rid)
            if existing is None:
                if ctx.method == "PATCH":
                    raise ArmError(404, "ResourceNotFound",
                                   f"The Resource '{T}/{name}' under resource group '{rg}' was not found.")
                s = create(body, rg, name, rid)
                fake.put(rid, s)
            else:
                s = existing
                if s["properties"]["provisioningState"] in ("Creating", "Updating", "Deleting"):
                    raise conflict("OperationNotAllowed",
                                   f"Scale set {name} is {s['properties']['provisioningState'].lower()}; "
                                   "retry when the operation in progress has finished.")
                update(s, body, ctx.method == "PUT")
                s["properties"]["provisioningState"] = "Updating"
            accepted = render(s)

        def work():
            reconcile(s)
            with fake.lock:
                s["properties"]["provisioningState"] = "Succeeded"
            return None

        op = fake.ops.start("operations", s["location"], work)
        return (200 if existing else 201), accepted, fake.ops.headers(op, ctx.api_version, False)

    def create(body, rg, name, rid):
        if not body.get("location"):
            raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
        sku = dict(body.get("sku") or {})
        if not sku.get("name") or not isinstance(sku.get("capacity"), int) or sku["capacity"] < 0:
            raise invalid("sku.name and a capacity >= 0 are required.", "sku")
        props = copy.deepcopy(body.get("properties") or {})
        vmp = props.get("virtualMachineProfile") or {}
        ref = ((vmp.get("storageProfile") or {}).get("imageReference") or {}).get("id")
        image, firmware, controller = resolve_image(ref, body["location"])
        check_network(vmp.get("networkProfile") or {})
        props.setdefault("upgradePolicy", {"mode": "Manual"})
        props["provisioningState"] = "Creating"
        # A GUID per scale set, as Azure's: it names the instances' work folders and the serial-log
        # container, so two scale sets (or one re-created under the same name) never share them.
        props["uniqueId"] = str(uuid.uuid4())
        props["timeCreated"] = now_iso()
        image["_users"].add(rid.lower())
        return {"id": rid, "name": name, "type": T, "location": body["location"],
                "tags": body.get("tags") or {}, "sku": sku, "properties": props,
                "_image": image, "_firmware": firmware, "_controller": controller,
                "_instances": {}, "_next": 0, "_rg": rg}

    def resolve_image(ref, location):
        from .galleries import latest_version

        if not ref:
            raise invalid("virtualMachineProfile.storageProfile.imageReference.id is required "
                          "(a gallery image version, a gallery image for its latest version, or a managed image).",
                          "imageReference")
        target = fake.by_id(ref)
        if target is not None and target["type"].endswith("galleries/images"):
            definition = target
            target = latest_version(fake, ref, location)
            if target is None:
                raise ArmError(404, "NotFound", f"Gallery image {ref} has no version that can be the latest in {location}.")
        elif target is not None and target["type"].endswith("galleries/images/versions"):
            definition = fake.by_id(ref.rsplit("/versions/", 1)[0])
            st = target["_regions"].get(norm_region(location))
            if st is None or st["state"] != "Completed":
                raise conflict("GalleryImageVersionNotReplicated" if st else "GalleryImageVersionNotInRegion",
                               f"Gallery image version {target['name']} is not available in {location}.")
        elif target is not None and target["type"] == "Microsoft.Compute/images":
            definition = {"properties": {"hyperVGeneration": target["properties"]["hyperVGeneration"]}}
        else:
            raise ArmError(404, "NotFound", f"The image {ref} does not exist.")
        if target["properties"]["provisioningState"] != "Succeeded" or not target.get("_raw"):
            raise conflict("OperationNotAllowed", f"The image {ref} is not ready.")
        v2 = definition["properties"].get("hyperVGeneration") == "V2"
        # Gen1 disks are IDE-attached on Hyper-V; Gen2 ones SCSI (virtio-scsi stands in for storvsc).
        return target, ("uefi" if v2 else "bios"), ("virtio-scsi" if v2 else "ide")

    def check_network(np):
        from .network import find_pool, find_probe

        probe = (np.get("healthProbe") or {}).get("id")
        if probe and find_probe(fake, probe) is None:
            raise invalid(f"The health probe {probe} does not exist.", "networkProfile.healthProbe")
        if not np.get("networkInterfaceConfigurations"):
            raise invalid("networkProfile.networkInterfaceConfigurations is required.", "networkProfile")
        for _, ipc in ip_configs(np):
            p = ipc.get("properties") or {}
            if not (p.get("subnet") or {}).get("id"):
                raise invalid(f"IP configuration {ipc.get('name')} needs a subnet.", "subnet")
            for pool in p.get("loadBalancerBackendAddressPools") or []:
                if find_pool(fake, pool.get("id", "")) is None:
                    raise invalid(f"The backend pool {pool.get('id')} does not exist.", "loadBalancerBackendAddressPools")

    def update(s, body, whole):
        if "tags" in body:
            s["tags"] = body["tags"] or {}
        sku = body.get("sku") or {}
        if "capacity" in sku:
            if not isinstance(sku["capacity"], int) or sku["capacity"] < 0:
                raise invalid("sku.capacity must be >= 0.", "sku.capacity")
            s["sku"]["capacity"] = sku["capacity"]
        vmp = (body.get("properties") or {}).get("virtualMachineProfile") or {}
        ref = ((vmp.get("storageProfile") or {}).get("imageReference") or {}).get("id")
        current = s["properties"]["virtualMachineProfile"]["storageProfile"]["imageReference"]["id"]
        if ref and ref.lower() != current.lower():
            raise conflict("PropertyChangeNotAllowed",
                           "unideploy's fake keeps one image per scale set: changing imageReference is not supported.",
                           "imageReference")
        if "networkProfile" in vmp:
            check_network(vmp["networkProfile"])
            s["properties"]["virtualMachineProfile"]["networkProfile"] = copy.deepcopy(vmp["networkProfile"])
        if "diagnosticsProfile" in vmp:
            s["properties"]["virtualMachineProfile"]["diagnosticsProfile"] = copy.deepcopy(vmp["diagnosticsProfile"])

    def reconcile(s):
        """Starts or stops instances until their count is sku.capacity (newest removed first)."""
        want = s["sku"]["capacity"]
        while len(s["_instances"]) < want:
            iid = str(s["_next"])
            s["_next"] += 1
            with fake.lock:
                n = ips["next"]
                ips["next"] += 1
            inst = {"instanceId": iid, "_applied": copy.deepcopy(
                        s["properties"]["virtualMachineProfile"].get("networkProfile") or {}),
                    "_state": "creating", "_created": now_iso(),
                    "_ip": f"10.0.{(n >> 8) & 255}.{n & 255}"}
            s["_instances"][iid] = inst
            start_instance(s, inst)
        while len(s["_instances"]) > want:
            iid = max(s["_instances"], key=int)
            stop_instance(s["_instances"].pop(iid))

    def start_instance(s, inst):
        vm, _ = _runtime()
        work = os.path.join(fake.data_dir, "vmss", s["properties"]["uniqueId"], inst["instanceId"])
        os.makedirs(work, exist_ok=True)
        # The Vm boots the image copy through its own overlay: the copy itself is never written.
        machine = vm.Vm(f"{s['name']}_{inst['instanceId']}"[:63], s["_image"]["_raw"], work,
                        guest_ports=guest_ports(s), memory_mib=256, firmware=s["_firmware"],
                        controller=s["_controller"], disk_format="raw")
        try:
            machine.start()
        except vm.VmError as e:
            inst["_state"] = "failed"
            inst["_error"] = str(e)
            return
        inst["_vm"] = machine
        inst["_state"] = "running"
        watch(s, inst)
        refresh_consoles()

    def guest_ports(s):
        np = s["properties"]["virtualMachineProfile"].get("networkProfile") or {}
        from .network import find_probe

        probe_id = (np.get("healthProbe") or {}).get("id", "")
        probe = find_probe(fake, probe_id) if probe_id else None
        ports = {80}
        if probe:
            ports.add(probe["port"])
            # The ports the load balancer's rules forward to, so that its frontend reaches them.
            lb = fake.get(probe_id.lower().split("/probes/")[0])
            for rule in (lb or {}).get("properties", {}).get("loadBalancingRules", []):
                port = rule["properties"].get("backendPort")
                if isinstance(port, int) and 1 <= port <= 65535:
                    ports.add(port)
        return tuple(sorted(ports))

    def watch(s, inst):
        from .network import find_probe

        np = s["properties"]["virtualMachineProfile"].get("networkProfile") or {}
        probe_id = (np.get("healthProbe") or {}).get("id")
        probe = find_probe(fake, probe_id) if probe_id else None
        if probe is None:
            return
        if "p" not in prober:
            prober["p"] = _runtime()[1].HealthProber()
        interval = probe.get("intervalInSeconds", 5)
        inst["_key"] = f"{s['id']}/{inst['instanceId']}"
        prober["p"].watch(inst["_key"], inst["_vm"],
                          protocol=probe["protocol"].lower(), port=probe["port"],
                          path=probe.get("requestPath", "/"), interval=interval,
                          timeout=max(1, interval), healthy_threshold=1,
                          unhealthy_threshold=probe.get("numberOfProbes", probe.get("probeThreshold", 2)))

    def stop_instance(inst):
        machine = inst.pop("_vm", None)
        inst["_state"] = "deleted"
        if "p" in prober and inst.get("_key"):
            prober["p"].unwatch(inst["_key"])
        if machine is not None:
            machine.stop()

    def health(s, inst):
        np = s["properties"]["virtualMachineProfile"].get("networkProfile") or {}
        if not np.get("healthProbe") or "p" not in prober:
            return None
        if not inst.get("_key"):
            return None
        state = prober["p"].state(inst["_key"])
        code, text = {"HEALTHY": ("healthy", "The VM is healthy"),
                      "UNHEALTHY": ("unhealthy", "The VM is unhealthy")}.get(
            state, ("unknown", "The VM health is unknown"))
        return {"status": {"code": f"HealthState/{code}", "level": "Info" if code == "healthy" else "Warning",
                           "displayStatus": text, "time": now_iso()}}

    def power(inst):
        machine = inst.get("_vm")
        if machine is None:
            return "stopped"
        return {"RUNNING": "running", "PAUSED": "stopped"}.get(machine.status(), "stopped")

    def instance_body(s, inst):
        applied = inst["_applied"]
        model = s["properties"]["virtualMachineProfile"].get("networkProfile") or {}
        return {"name": f"{s['name']}_{inst['instanceId']}",
                "id": f"{s['id']}/virtualMachines/{inst['instanceId']}",
                "type": T + "/virtualMachines", "location": s["location"], "tags": s["tags"],
                "instanceId": inst["instanceId"], "sku": {"name": s["sku"]["name"]},
                "properties": {
                    "latestModelApplied": applied == model,
                    "provisioningState": provisioning(inst)[0].capitalize(),
                    "timeCreated": inst["_created"],
                    "networkProfileConfiguration": {
                        "networkInterfaceConfigurations": applied.get("networkInterfaceConfigurations", [])},
                    "storageProfile": {"imageReference": copy.deepcopy(
                        s["properties"]["virtualMachineProfile"]["storageProfile"]["imageReference"])},
                    "networkProfile": {"networkInterfaces": [
                        {"id": f"{s['id']}/virtualMachines/{inst['instanceId']}/networkInterfaces/{nic['name']}"}
                        for nic in applied.get("networkInterfaceConfigurations", [])]}}}

    def instance(ctx):
        _, s = get_set(ctx)
        inst = s["_instances"].get(ctx.group("iid"))
        if inst is None:
            raise ArmError(404, "NotFound", f"Instance {ctx.group('iid')} of scale set {s['name']} was not found.")
        return s, inst

    def instances(ctx):
        _, s = get_set(ctx)
        return 200, {"value": [instance_body(s, i) for i in sorted(s["_instances"].values(),
                                                                    key=lambda i: int(i["instanceId"]))]}, {}

    def one_instance(ctx):
        s, inst = instance(ctx)
        if ctx.method == "GET":
            return 200, instance_body(s, inst), {}
        if ctx.method != "DELETE":
            raise ArmError(405, "MethodNotAllowed", ctx.method)
        with fake.lock:
            if s["properties"]["provisioningState"] in ("Creating", "Updating", "Deleting"):
                raise conflict("OperationNotAllowed",
                               f"Scale set {s['name']} is {s['properties']['provisioningState'].lower()}; "
                               "retry when the operation in progress has finished.")
            s["_instances"].pop(inst["instanceId"], None)
            s["sku"]["capacity"] = max(0, s["sku"]["capacity"] - 1)

        def work():
            stop_instance(inst)
            return None

        op = fake.ops.start("operations", s["location"], work)
        return 202, None, fake.ops.headers(op, ctx.api_version, True)

    def instance_view(ctx):
        s, inst = instance(ctx)
        state, text = provisioning(inst)
        view = {"statuses": [
            {"code": f"ProvisioningState/{state}", "level": "Error" if state == "failed" else "Info",
             "displayStatus": text, "time": inst["_created"]}]}
        if state != "creating":  # Azure gives no power state before the VM exists
            view["statuses"].append({"code": f"PowerState/{power(inst)}", "level": "Info",
                                     "displayStatus": f"VM {power(inst)}"})
        h = health(s, inst)
        if h:
            view["vmHealth"] = h
        if ((s["properties"]["virtualMachineProfile"].get("diagnosticsProfile") or {})
                .get("bootDiagnostics") or {}).get("enabled"):
            view["bootDiagnostics"] = {}
        return 200, view, {}

    def boot_diagnostics(ctx):
        s, inst = instance(ctx)
        if not ((s["properties"]["virtualMachineProfile"].get("diagnosticsProfile") or {})
                .get("bootDiagnostics") or {}).get("enabled"):
            raise conflict("OperationNotAllowed",
                           "Boot diagnostics are not enabled for this scale set; enable diagnosticsProfile.bootDiagnostics.")
        container, blob = push_console(s, inst)
        minutes = int(ctx.query.get("sasUriExpirationTimeInMinutes") or 120)
        return 200, {"serialConsoleLogBlobUri": fake.azurite.sas_url(container, blob, "r", minutes * 60)}, {}

    def diagnostics_on(s):
        return ((s["properties"]["virtualMachineProfile"].get("diagnosticsProfile") or {})
                .get("bootDiagnostics") or {}).get("enabled")

    def push_console(s, inst):
        """Writes the instance's console so far to its serial log blob (when it grew)."""
        container = "bootdiagnostics-" + s["properties"]["uniqueId"]
        blob = f"{s['name']}_{inst['instanceId']}.serialconsole.log"
        machine = inst.get("_vm")
        text = machine.console(0)[0] if machine is not None else inst.get("_console", "")
        if inst.get("_pushed") != len(text):
            fake.azurite.put_block_blob(container, blob, text.encode("utf-8", "replace"))
            inst["_pushed"] = len(text)
            inst["_console"] = text
        return container, blob

    def refresh_consoles():
        """Starts (once) the thread that flushes every instance's console to its blob each second."""
        with fake.lock:
            if "thread" in refresher:
                return

            def run():
                import time

                while not refresher.get("stop"):
                    time.sleep(1.0)
                    with fake.lock:
                        sets = [r for r in fake.store.values() if r["type"] == T and diagnostics_on(r)]
                    for s in sets:
                        for inst in list(s["_instances"].values()):
                            if inst.get("_vm") is not None:
                                try:
                                    push_console(s, inst)
                                except Exception:  # Azurite briefly away: the next round retries
                                    pass

            import threading

            refresher["thread"] = threading.Thread(target=run, name="arm-bootdiagnostics", daemon=True)
            refresher["thread"].start()

    def upgrade(ctx):
        _, s = get_set(ctx)
        ids = (ctx.body or {}).get("instanceIds")
        if not isinstance(ids, list) or not ids:
            raise invalid("instanceIds is required.", "instanceIds")
        missing = [i for i in ids if i not in s["_instances"]]
        if missing:
            raise ArmError(404, "NotFound", f"Instances {missing} of {s['name']} were not found.")

        def work():
            model = s["properties"]["virtualMachineProfile"].get("networkProfile") or {}
            for i in ids:
                if i in s["_instances"]:
                    s["_instances"][i]["_applied"] = copy.deepcopy(model)
            return None

        op = fake.ops.start("operations", s["location"], work)
        return 202, None, fake.ops.headers(op, ctx.api_version, True)

    def nics(ctx):
        s, inst = instance(ctx)
        out = []
        for nic in inst["_applied"].get("networkInterfaceConfigurations", []):
            nic_id = f"{s['id']}/virtualMachines/{inst['instanceId']}/networkInterfaces/{nic['name']}"
            ipcs = []
            for n, ipc in ip_configs({"networkInterfaceConfigurations": [nic]}):
                p = ipc.get("properties") or {}
                ipcs.append({"name": ipc["name"], "id": f"{nic_id}/ipConfigurations/{ipc['name']}",
                             "properties": {"provisioningState": "Succeeded",
                                            "privateIPAddress": inst["_ip"],
                                            "privateIPAddressVersion": "IPv4",
                                            "privateIPAllocationMethod": "Dynamic",
                                            "subnet": p.get("subnet"), "primary": True,
                                            "loadBalancerBackendAddressPools": p.get("loadBalancerBackendAddressPools", [])}})
            out.append({"name": nic["name"], "id": nic_id,
                        "properties": {"provisioningState": "Succeeded", "ipConfigurations": ipcs,
                                       "primary": True,
                                       "virtualMachine": {"id": f"{s['id']}/virtualMachines/{inst['instanceId']}"}}})
        return 200, {"value": out}, {}

    def listing(ctx):
        fake.require_group(ctx)
        return 200, {"value": [render(s) for s in fake.children(fake.rid(ctx.group("rg"), T))]}, {}

    def render(s):
        return public(s)

    router.add(base, listing)
    router.add(base + r"/(?P<name>[^/]+)", scale_set)
    router.add(base + r"/(?P<name>[^/]+)/manualupgrade", upgrade)
    router.add(base + r"/(?P<name>[^/]+)/virtualMachines", instances)
    router.add(base + r"/(?P<name>[^/]+)/virtualMachines/(?P<iid>\d+)", one_instance)
    router.add(base + r"/(?P<name>[^/]+)/virtualMachines/(?P<iid>\d+)/instanceView", instance_view)
    router.add(base + r"/(?P<name>[^/]+)/virtualMachines/(?P<iid>\d+)/retrieveBootDiagnosticsData",
               boot_diagnostics)
    router.add(base + r"/(?P<name>[^/]+)/virtualMachines/(?P<iid>\d+)/networkInterfaces", nics)

