"""Instances that really run: each boots its image's disk under QEMU through the shared fakecloud
runtime, gets an address of its own on the loopback network (127.1.x.y) where its guest ports are
forwarded, and answers instances.get and getSerialPortOutput from that QEMU.

Managed instance groups (groups.py) create and delete instances through Runtime; nothing else does,
as the API has no instances.insert in this fake.
"""

import copy
import os
import random
import shutil
import threading

from app import answer, handles
from fakecloud.forwarder import Forwarder
from errors import not_found
from store import LINK_BASE, fingerprint, link, list_page, now, short_path

SERIAL_BUFFER = 1 << 20  # Compute Engine keeps the last 1 MiB of serial output


class Runtime:
    """Boots, watches and stops the QEMU behind each instance; thread-safe."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.lock = threading.Lock()
        self.vms = {}          # instance selfLink -> Vm
        self.forwarders = {}   # instance selfLink -> [Forwarder]
        self.failures = {}     # instance selfLink -> why the boot failed
        self.watched = {}      # instance selfLink -> the health-probe keys watching it
        # Each fake starts at a random address, so that two fakes on one host (other checkouts'
        # test runs) seldom want the same 127.1.x.y:80 for their instances' ports.
        self.next_ip = random.randrange(0, 60000)
        self._prober = None

    def prober(self):
        with self.lock:
            if self._prober is None:
                from fakecloud.vm import HealthProber
                self._prober = HealthProber()
            return self._prober

    def watch(self, key, probe, vm, **check):
        """Probes an instance's QEMU under {@code probe} until the instance stops."""
        prober = self.prober()
        with self.lock:
            self.watched.setdefault(key, set()).add(probe)
        prober.watch(probe, vm, **check)

    def allocate_ip(self):
        with self.lock:
            n = self.next_ip
            self.next_ip += 1
        return f"127.1.{n // 250 % 250}.{n % 250 + 2}"

    def boot(self, instance, image, ports, controller, firmware):
        """Copies the image's disk for the instance and starts its QEMU, in the background."""
        key = instance["selfLink"]
        workdir = os.path.join(self.ctx.settings.state_dir, "instances", instance["id"])
        with self.lock:
            self.vms[key] = None  # booting
            self.failures.pop(key, None)
        threading.Thread(target=self._boot, daemon=True, name="boot-" + instance["name"],
                         args=(key, instance, image, ports, controller, firmware, workdir)).start()

    def _boot(self, key, instance, image, ports, controller, firmware, workdir):
        try:
            from fakecloud.vm import Vm
            shutil.rmtree(workdir, ignore_errors=True)
            os.makedirs(workdir)
            with self.ctx.store.lock:
                instance["status"] = "STAGING"
                source = image.get("_file")
            if not source or not os.path.exists(source):
                raise RuntimeError(f"the image {image['name']} has no disk (deleted?)")
            # The Vm never writes the image: the instance's writes go to an overlay in workdir,
            # which is what a persistent disk made from the image is.
            vm = Vm(instance["name"], source, workdir, guest_ports=tuple(ports),
                    memory_mib=self.ctx.settings.memory_mib, firmware=firmware,
                    controller=controller, disk_format="raw")
            with self.lock:
                if key not in self.vms:
                    return  # deleted while staging
                self.vms[key] = vm
            vm.start()
            ip = instance["networkInterfaces"][0]["networkIP"]
            forwarders = []
            for port in ports:
                try:
                    forwarders.append(Forwarder(ip, port, lambda p=port: vm.host_port(p)))
                except OSError as e:
                    self.ctx.log(f"{instance['name']}: cannot listen on {ip}:{port} ({e}); "
                                 "that port is reachable only through the QEMU host port")
            with self.lock:
                alive = self.vms.get(key) is vm
                if alive:
                    self.forwarders[key] = forwarders
            if not alive:  # deleted while starting
                for f in forwarders:
                    f.close()
                vm.stop()
                return
            with self.ctx.store.lock:
                if instance["status"] == "STAGING":
                    instance.update(status="RUNNING", lastStartTimestamp=now())
        except Exception as e:
            self.ctx.log(f"{instance['name']}: boot failed: {e}")
            with self.lock:
                if key in self.vms:
                    self.failures[key] = str(e)
            with self.ctx.store.lock:
                instance["status"] = "TERMINATED"

    def status(self, key):
        """RUNNING, TERMINATED (QEMU stopped, crashed, paused or never started), or None while
        the instance is still being booted."""
        with self.lock:
            vm = self.vms.get(key)
            failed = key in self.failures
        if failed:
            return "TERMINATED"
        if vm is None:
            return None
        # A guest that panicked and hangs is RUNNING, as on Compute Engine: its health check
        # is what fails. PAUSED (QEMU stopped the vCPUs on an error) will not recover by itself.
        return "RUNNING" if vm.status() == "RUNNING" else "TERMINATED"

    def exit_reason(self, key):
        vm = self.vm(key)
        return vm.exit_reason() if vm is not None else None

    def failure(self, key):
        """Why the instance's QEMU could not start, if it could not."""
        with self.lock:
            return self.failures.get(key)

    def known(self, key):
        """Whether a QEMU is booting or running for this instance."""
        with self.lock:
            return key in self.vms

    def vm(self, key):
        with self.lock:
            return self.vms.get(key)

    def console(self, key, start):
        vm = self.vm(key)
        if vm is None:
            return "", start
        return vm.console(start)

    def stop(self, key):
        with self.lock:
            vm = self.vms.pop(key, None)
            forwarders = self.forwarders.pop(key, [])
            self.failures.pop(key, None)
            prober = self._prober
            watched = self.watched.pop(key, set())
        if prober is not None:
            for probe in watched:
                prober.unwatch(probe)
        for f in forwarders:
            f.close()
        if vm is not None:
            try:
                vm.stop()
            except Exception as e:
                self.ctx.log(f"stopping {key}: {e}")

    def stop_all(self):
        with self.lock:
            keys = list(self.vms)
        for k in keys:
            self.stop(k)


def new_instance(ctx, project, zone, name, template, group_link):
    """The instance resource a managed group creates from its template's properties."""
    props = copy.deepcopy(template.get("properties", {}))
    scope = "zones/" + zone
    boot = next(d for d in props.get("disks", []) if d.get("boot"))
    ip = ctx.runtime.allocate_ip()
    nics = []
    for i, nic in enumerate(props.get("networkInterfaces") or [{"network": "global/networks/default"}]):
        n = {"kind": "compute#networkInterface", "name": f"nic{i}",
             "network": LINK_BASE + f"projects/{project}/" + nic.get("network", "global/networks/default")
             .split("compute/v1/")[-1].removeprefix(f"projects/{project}/"),
             "networkIP": ip if i == 0 else ctx.runtime.allocate_ip(),
             "fingerprint": fingerprint([name, i])}
        if nic.get("subnetwork"):
            n["subnetwork"] = nic["subnetwork"]
        if nic.get("accessConfigs") is not None:
            n["accessConfigs"] = [{"kind": "compute#accessConfig", "name": a.get("name", "External NAT"),
                                   "type": "ONE_TO_ONE_NAT", "natIP": n["networkIP"],
                                   "networkTier": a.get("networkTier", "PREMIUM")}
                                  for a in nic["accessConfigs"]]
        nics.append(n)
    instance = {
        "description": props.get("description", ""),
        "machineType": link(project, scope, "machineTypes", props.get("machineType", "e2-small")),
        "status": "PROVISIONING",
        "canIpForward": props.get("canIpForward", False),
        "networkInterfaces": nics,
        "disks": [{"kind": "compute#attachedDisk", "type": "PERSISTENT", "mode": "READ_WRITE",
                   "source": link(project, scope, "disks", name), "deviceName": "persistent-disk-0",
                   "index": 0, "boot": True, "autoDelete": True,
                   "interface": boot.get("interface", "SCSI"),
                   "diskSizeGb": str((boot.get("initializeParams") or {}).get("diskSizeGb", "10"))}],
        "metadata": {"kind": "compute#metadata", "fingerprint": fingerprint(props.get("metadata")),
                     **({"items": props["metadata"]["items"]}
                        if (props.get("metadata") or {}).get("items") else {})},
        "serviceAccounts": props.get("serviceAccounts", []),
        "scheduling": props.get("scheduling", {"onHostMaintenance": "MIGRATE",
                                               "automaticRestart": True, "preemptible": False}),
        "cpuPlatform": "Intel Cascade Lake",
        "labels": props.get("labels", {}),
        "labelFingerprint": fingerprint(props.get("labels", {})),
        "startRestricted": False,
        "deletionProtection": False,
        "fingerprint": fingerprint([name, template["selfLink"]]),
        "tags": props.get("tags", {"fingerprint": fingerprint([])}),
        "_group": group_link,
        "_template": template["selfLink"],
    }
    if props.get("shieldedInstanceConfig"):
        instance["shieldedInstanceConfig"] = props["shieldedInstanceConfig"]
    if not instance["labels"]:
        del instance["labels"]
    created = ctx.store.insert(project, scope, "instances", name, instance, "compute#instance")
    return created


def public(instance):
    return answer(instance)


@handles("compute.instances.get")
def get(ctx, req):
    with ctx.store.lock:
        return 200, public(ctx.store.get(req.project, req.scope, "instances",
                                         req.params["instance"]))


@handles("compute.instances.list")
def list_instances(ctx, req):
    with ctx.store.lock:
        items = [public(i) for i in ctx.store.all(req.project, req.scope, "instances")]
    return 200, list_page(items, req.query, "compute#instanceList",
                          link(req.project, req.scope, "instances"),
                          f"projects/{req.project}/{req.scope}/instances")


@handles("compute.instances.getSerialPortOutput")
def serial_port_output(ctx, req):
    with ctx.store.lock:
        instance = ctx.store.get(req.project, req.scope, "instances", req.params["instance"])
        key = instance["selfLink"]
    port = int(req.query.get("port") or 1)
    if port not in (1, 2, 3, 4):
        from errors import invalid
        raise invalid(f"Invalid value for field 'port': '{port}'. Must be between 1 and 4.")
    start = int(req.query.get("start") or 0)
    if port != 1:
        text, nxt = "", start
    else:
        text, nxt = ctx.runtime.console(key, start)
    return 200, {"kind": "compute#serialPortOutput", "contents": text, "start": str(start),
                 "next": str(nxt), "selfLink": key + f"/serialPort?port={port}"}


def find_instance(ctx, ref, project):
    from store import parse_ref
    parsed = parse_ref(ref, project)
    if parsed is None:
        raise not_found(ref)
    return ctx.store.get(*parsed)
