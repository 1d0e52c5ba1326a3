"""Boots a QEMU for each running EC2 instance whose AMI has a disk, stops it when the instance
stops or terminates, and probes registered targets as their target group's health check says."""

import os
import threading
import time

from fakecloud.vm import HealthProber, Vm

from fakecloud.forwarder import Forwarder

RUNNING = "running"
GONE = ("stopping", "stopped", "shutting-down", "terminated")


class Runtime:
    def __init__(self, disks, state_dir, memory_mib, log, reconcile_seconds=0.5):
        self.disks = disks
        self.state_dir = state_dir
        self.memory_mib = memory_mib
        self.log = log
        self.reconcile_seconds = reconcile_seconds
        self.lock = threading.RLock()
        self.vms = {}          # instance id -> Vm
        self.forwarders = {}   # instance id -> [Forwarder]
        self.skipped = set()   # instance ids with no disk to boot (said once)
        self.watched = {}      # probe key -> (target group arn, instance id)
        self.deregistered = {}  # (target group arn, instance id) -> time of deregistration
        self.prober = HealthProber()
        self.closed = False
        threading.Thread(target=self._loop, daemon=True, name="reconcile").start()

    # --- what the patched APIs ask ---------------------------------------------------------------

    def console(self, instance_id, limit=64 * 1024):
        """The newest `limit` bytes of the instance's serial console, as GetConsoleOutput gives."""
        with self.lock:
            vm = self.vms.get(instance_id)
        if vm is None or not os.path.exists(vm.serial_log):
            return b""
        with open(vm.serial_log, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - limit))
            return f.read()

    def target_health(self, tg, instance_id, image_id):
        """(state, reason, description) of a registered instance, probed through its QEMU."""
        with self.lock:
            vm = self.vms.get(instance_id)
        if vm is None:
            if image_id is not None and self.disks.image(image_id) is not None:
                return ("initial", "Elb.RegistrationInProgress", "Target registration is in progress")
            # Nothing boots without a published disk, so nothing answers the health check.
            return ("unhealthy", "Target.Timeout", "Request timed out (no disk was published for "
                    f"{image_id}, so the instance does not boot in this fake)")
        key = self._key(tg.arn, instance_id)
        if key not in self.watched:
            return ("initial", "Elb.RegistrationInProgress", "Target registration is in progress")
        state = self.prober.state(key)
        if state == "HEALTHY":
            return ("healthy", None, None)
        if state == "UNHEALTHY":
            return ("unhealthy", "Target.FailedHealthChecks",
                    "Health checks failed: " + self.prober.detail(key))
        return ("initial", "Elb.InitialHealthChecking", "Initial health checks are in progress")

    def deregistered_at(self, tg_arn, instance_id):
        with self.lock:
            return self.deregistered.get((tg_arn, instance_id))

    def mark_deregistered(self, tg_arn, instance_ids):
        now = time.monotonic()
        with self.lock:
            for i in instance_ids:
                self.deregistered[(tg_arn, i)] = now

    # --- the loop ----------------------------------------------------------------------------------

    def _loop(self):
        while not self.closed:
            try:
                self.reconcile()
            except Exception as e:  # moto's dicts change under us: the next round sees them
                self.log(f"reconcile: {type(e).__name__}: {e}")
            time.sleep(self.reconcile_seconds)

    def reconcile(self):
        from moto.ec2.models import ec2_backends
        from moto.elbv2.models import elbv2_backends

        seen = {}
        for account in list(ec2_backends.values()):
            for region, backend in list(account.items()):
                ports = self._guest_ports(elbv2_backends, account, region)
                for instance in list(backend.all_instances()):
                    seen[instance.id] = instance.state
                    if instance.state == RUNNING:
                        self._ensure_booted(instance, ports)
        with self.lock:
            gone = [i for i in self.vms if seen.get(i, "terminated") in GONE]
        for i in gone:
            self._stop(i)
        self._watch_targets(elbv2_backends)

    def _guest_ports(self, elbv2_backends, account, region):
        ports = {80}
        try:
            backend = elbv2_backends[account.account_id][region]
        except Exception:
            return tuple(sorted(ports))
        for tg in list(backend.target_groups.values()):
            for p in (tg.port, tg.health_check_port):
                if p not in (None, "traffic-port"):
                    ports.add(int(p))
        return tuple(sorted(ports))

    def _ensure_booted(self, instance, ports):
        with self.lock:
            if instance.id in self.vms or instance.id in self.skipped:
                return
            image = self.disks.image(instance.image_id)
            disk = self.disks.disk(image["snapshot"]) if image else None
            if disk is None:
                self.skipped.add(instance.id)
                self.log(f"{instance.id}: {instance.image_id} has no published disk; not booted")
                return
            workdir = os.path.join(self.state_dir, "instances", instance.id)
            os.makedirs(workdir, exist_ok=True)
            # Nitro instances see their EBS volumes as NVMe disks.
            vm = Vm(instance.id, disk, workdir, guest_ports=ports, memory_mib=self.memory_mib,
                    firmware=image["firmware"], controller="nvme", disk_format="raw")
            self.vms[instance.id] = vm
        threading.Thread(target=self._start, args=(instance, vm, ports), daemon=True,
                         name="boot-" + instance.id).start()

    def _start(self, instance, vm, ports):
        try:
            vm.start()
        except Exception as e:
            self.log(f"{instance.id}: QEMU did not start: {e}")
            return
        ip = instance.private_ip
        forwarders = []
        if ip and ip.startswith("127."):
            for p in ports:
                try:
                    forwarders.append(Forwarder(ip, p, lambda p=p: vm.host_port(p)))
                except OSError as e:
                    self.log(f"{instance.id}: cannot listen on {ip}:{p} ({e})")
        with self.lock:
            alive = self.vms.get(instance.id) is vm
            if alive:
                self.forwarders[instance.id] = forwarders
        if not alive:
            for f in forwarders:
                f.close()
            vm.stop(grace=1.0)
            return
        self.log(f"{instance.id}: booting {vm.disk} ({vm.firmware}), {ip} -> {ports}")

    def _stop(self, instance_id):
        with self.lock:
            vm = self.vms.pop(instance_id, None)
            forwarders = self.forwarders.pop(instance_id, [])
            keys = [k for k, (_, i) in self.watched.items() if i == instance_id]
            for k in keys:
                del self.watched[k]
        for k in keys:
            self.prober.unwatch(k)
        for f in forwarders:
            f.close()
        if vm is not None:
            self.log(f"{instance_id}: stopping its QEMU")
            threading.Thread(target=vm.stop, kwargs={"grace": 2.0}, daemon=True).start()

    def _watch_targets(self, elbv2_backends):
        wanted = {}
        for account in list(elbv2_backends.values()):
            for backend in list(account.values()):
                for tg in list(backend.target_groups.values()):
                    for instance_id, t in list(tg.targets.items()):
                        wanted[self._key(tg.arn, instance_id)] = (tg, instance_id, t)
        with self.lock:
            stale = [k for k in self.watched if k not in wanted]
            for k in stale:
                del self.watched[k]
        for k in stale:
            self.prober.unwatch(k)
        for key, (tg, instance_id, t) in wanted.items():
            with self.lock:
                vm = self.vms.get(instance_id)
                if vm is None or key in self.watched:
                    continue
                self.watched[key] = (tg.arn, instance_id)
                self.deregistered.pop((tg.arn, instance_id), None)
            port = tg.health_check_port
            port = int(t.get("Port", tg.port)) if port in (None, "traffic-port") else int(port)
            protocol = (tg.health_check_protocol or "HTTP").lower()
            self.prober.watch(
                key, vm, protocol="tcp" if protocol == "tcp" else protocol, port=port,
                path=tg.health_check_path or "/",
                interval=float(tg.health_check_interval_seconds),
                timeout=float(tg.health_check_timeout_seconds),
                healthy_threshold=int(tg.healthy_threshold_count),
                unhealthy_threshold=int(tg.unhealthy_threshold_count))

    @staticmethod
    def _key(tg_arn, instance_id):
        return tg_arn + "|" + instance_id

    def close(self):
        self.closed = True
        with self.lock:
            ids = list(self.vms)
        for i in ids:
            with self.lock:
                vm = self.vms.pop(i, None)
            if vm is not None:
                vm.stop(grace=1.0)
        self.prober.close()
