"""Tests of fakecloud.vm: real QEMU boots of the HTTP test guest (scripts/build-http-guest.sh,
built on first use and cached) under TCG, and the health prober against a local HTTP server.

    python3 -m unittest discover -s it/fakes -t it/fakes -p 'test_*.py' -v

About a minute and a half on two cores; each guest boot takes 3-6 s under TCG.
"""

import functools
import hashlib
import http.server
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import unittest
import urllib.request
from unittest import mock

from fakecloud import health, processes, vm
from fakecloud.vm import HealthProber, Vm, VmError

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
FAKES = os.path.join(REPO, "it", "fakes")
BOOT_TIMEOUT = 120  # per boot: generous, the other core may be busy and TCG is slow


@functools.lru_cache(maxsize=None)
def guest_image(tag="v1", panic=False, firmware="bios"):
    """The cached HTTP guest image of that variant, built on first use."""
    cmd = [os.path.join(REPO, "scripts", "build-http-guest.sh"), "--tag", tag, "--firmware", firmware]
    if panic:
        cmd.append("--panic")
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    if r.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr}")
    return r.stdout.strip().splitlines()[-1]


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A killed child of an exited wrapper can linger as a zombie until reaped.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def wait_until(predicate, timeout, step=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


class VmTestCase(unittest.TestCase):
    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="fakecloud-test-")
        self.addCleanup(shutil.rmtree, self.workdir, ignore_errors=True)

    def vm(self, name, disk, **kwargs):
        machine = Vm(name, disk, os.path.join(self.workdir, name), **kwargs)
        self.addCleanup(machine.stop, 0)
        return machine

    def boot(self, machine, tag, console_from=0):
        t0 = time.monotonic()
        machine.start()
        ready = machine.wait_console(rf"READY unideploy-http-guest {tag}\b", BOOT_TIMEOUT, console_from)
        self.assertIsNotNone(ready, f"no READY line; console:\n{machine.console(0)[0][-3000:]}")
        return time.monotonic() - t0

    def get(self, machine, path="/"):
        with urllib.request.urlopen(f"http://127.0.0.1:{machine.host_port(80)}{path}", timeout=10) as r:
            return r.status, r.read().decode()


class HttpGuestTest(VmTestCase):
    def test_boots_serves_turns_healthy_and_powers_off_on_stop(self):
        image = guest_image("v2")
        before = sha256(image)
        web = self.vm("web-1", image)
        with HealthProber() as prober:
            web.start()
            self.assertEqual(web.status(), "RUNNING")
            qemu_pid = web.pid
            self.assertTrue(alive(qemu_pid))
            prober.watch("web-1/http", web, interval=0.5, timeout=1.0)
            prober.watch("web-1/tcp", web, protocol="tcp", port=80, interval=0.5, timeout=1.0)
            self.assertIsNotNone(web.wait_console(r"READY unideploy-http-guest v2", BOOT_TIMEOUT))
            self.assertTrue(prober.wait_for("web-1/http", "HEALTHY", 30), prober.detail("web-1/http"))
            self.assertTrue(prober.wait_for("web-1/tcp", "HEALTHY", 30), prober.detail("web-1/tcp"))
            self.assertEqual(prober.detail("web-1/http"), "HTTP 200")
            self.assertEqual(self.get(web), (200, "unideploy-http-guest v2\n"))

            t0 = time.monotonic()
            web.stop()
            # The guest handles the ACPI power button, so stop() needs no kill.
            self.assertLess(time.monotonic() - t0, 5.0)
            self.assertIn("power button pressed", web.console(0)[0])
            self.assertEqual(web.status(), "STOPPED")
            self.assertEqual(web.exit_reason(), "stopped")
            self.assertTrue(wait_until(lambda: not alive(qemu_pid), 5))
            self.assertTrue(prober.wait_for("web-1/http", "UNHEALTHY", 10))
            self.assertEqual(prober.detail("web-1/http"), "instance STOPPED")
            web.stop()  # idempotent
        self.assertEqual(sha256(image), before, "the disk image was written to")
        with open(web.vm_log) as f:
            self.assertIn("started (pid", f.read())

    def test_panic_variant_prints_a_kernel_panic_and_never_turns_healthy(self):
        crash = self.vm("crash-1", guest_image("v1", panic=True))
        with HealthProber() as prober:
            crash.start()
            prober.watch("crash-1", crash, interval=0.5, timeout=1.0)
            self.assertIsNotNone(crash.wait_console(r"Kernel panic - not syncing", BOOT_TIMEOUT),
                                 crash.console(0)[0][-3000:])
            self.assertTrue(prober.wait_for("crash-1", "UNHEALTHY", 30))
            # panic=0: the guest hangs, as on a cloud, where the instance still reports RUNNING.
            self.assertEqual(crash.status(), "RUNNING")
            self.assertNotIn("READY", crash.console(0)[0])

    def test_boots_on_every_firmware_and_controller(self):
        for firmware in ("bios", "uefi"):
            for controller in ("virtio-blk", "virtio-scsi", "nvme", "ide"):
                if firmware == "bios" and controller == "virtio-blk":
                    continue  # the first test boots that one
                with self.subTest(firmware=firmware, controller=controller):
                    machine = self.vm(f"m-{firmware}-{controller}", guest_image("v3", firmware=firmware),
                                      firmware=firmware, controller=controller)
                    seconds = self.boot(machine, "v3")
                    self.assertEqual(self.get(machine), (200, "unideploy-http-guest v3\n"))
                    machine.stop(0)
                    print(f"\n  {firmware}/{controller}: READY in {seconds:.1f} s", file=sys.stderr)

    def test_qcow2_disk_and_restart_keep_the_console(self):
        qcow2 = os.path.join(self.workdir, "guest.qcow2")
        subprocess.run(["qemu-img", "convert", "-f", "raw", "-O", "qcow2", guest_image("v1"), qcow2], check=True)
        with self.assertRaisesRegex(VmError, "disk_format='qcow2'"):
            self.vm("wrong-format", qcow2).start()
        machine = self.vm("q-1", qcow2, disk_format="qcow2")
        self.boot(machine, "v1")
        machine.stop(0)
        first = machine.console(0)[1]
        self.boot(machine, "v1", first)  # a second start appends to the same console
        text, end = machine.console(0)
        self.assertGreater(end, first)
        self.assertEqual(text.count("READY unideploy-http-guest v1"), 2)
        # Reading in pieces gives the same bytes.
        pieces, offset = [], 0
        while offset < end:
            chunk, offset = machine.console(offset, limit=1000)
            pieces.append(chunk)
        self.assertEqual("".join(pieces), text)


class ProcessLifetimeTest(VmTestCase):
    """QEMU never outlives what started it (no boot needed: QEMU runs from the first instant)."""

    def test_qemu_dies_when_the_fake_is_killed_with_sigkill(self):
        script = textwrap.dedent(f"""
            import sys, time
            sys.path.insert(0, {FAKES!r})
            from fakecloud.vm import Vm
            v = Vm("orphan", {guest_image("v1")!r}, {os.path.join(self.workdir, "orphan")!r})
            v.start()
            print(v.pid, flush=True)
            time.sleep(600)
        """)
        fake = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        self.addCleanup(fake.stdout.close)
        self.addCleanup(fake.kill)
        qemu_pid = int(fake.stdout.readline())
        self.assertTrue(alive(qemu_pid))
        fake.send_signal(signal.SIGKILL)
        fake.wait()
        self.assertTrue(wait_until(lambda: not alive(qemu_pid), 5), f"QEMU {qemu_pid} outlived the fake")

    def test_a_vm_started_from_a_short_lived_thread_keeps_running(self):
        machine = self.vm("threaded", guest_image("v1"))
        t = threading.Thread(target=machine.start)
        t.start()
        t.join()
        time.sleep(1.0)  # the kernel would have delivered the parent-death signal by now
        self.assertEqual(machine.status(), "RUNNING")
        self.assertTrue(alive(machine.pid))

    def test_lifetime_cap_ends_qemu(self):
        machine = self.vm("capped", guest_image("v1"), max_lifetime=2)
        machine.start()
        pid = machine.pid
        self.assertTrue(wait_until(lambda: machine.status() != "RUNNING", 20))
        self.assertEqual(machine.status(), "STOPPED")
        self.assertEqual(machine.exit_reason(), "lifetime cap (2 s)")
        self.assertFalse(alive(pid))

    def test_a_killed_qemu_is_crashed(self):
        machine = self.vm("killed", guest_image("v1"))
        machine.start()
        os.kill(machine.pid, signal.SIGKILL)
        self.assertTrue(wait_until(lambda: machine.status() == "CRASHED", 10))
        self.assertIn("killed by signal 9", machine.exit_reason())

    def test_paused_by_qemu_is_paused(self):
        machine = self.vm("paused", guest_image("v1"))
        machine.start()
        machine.hmp("stop")  # what QEMU does itself on an internal or I/O error
        self.assertEqual(machine.status(), "PAUSED")
        machine.hmp("cont")
        self.assertEqual(machine.status(), "RUNNING")

    def test_a_taken_port_is_picked_again(self):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen(1)
            busy = taken.getsockname()[1]
            real = processes.reserve_port
            picks = iter([busy])
            with mock.patch.object(processes, "reserve_port", lambda: next(picks, None) or real()):
                machine = self.vm("ports", guest_image("v1"))
                machine.start()
            self.assertNotEqual(machine.host_port(80), busy)
            self.assertEqual(machine.status(), "RUNNING")
            with open(machine.vm_log) as f:
                self.assertIn("was taken", f.read())

    def test_bad_arguments_say_what_to_do(self):
        with self.assertRaisesRegex(VmError, "use bios or uefi|use one of bios, uefi"):
            Vm("x", "disk", self.workdir, firmware="efi")
        with self.assertRaisesRegex(VmError, "virtio-blk, virtio-scsi, nvme, ide"):
            Vm("x", "disk", self.workdir, controller="sata")
        with self.assertRaisesRegex(VmError, "does not exist"):
            Vm("x", os.path.join(self.workdir, "missing.img"), self.workdir).start()
        with self.assertRaisesRegex(VmError, "not been started"):
            Vm("x", "disk", self.workdir).host_port(80)
        with self.assertRaisesRegex(VmError, "does not forward guest port 22"):
            Vm("x", "disk", self.workdir).host_port(22)


class _StubVm:
    """Stands in for a Vm in front of a local HTTP server, to test the prober's state machine."""

    def __init__(self, port):
        self.port = port
        self.running = True

    def status(self):
        return "RUNNING" if self.running else "STOPPED"

    def host_port(self, guest_port):
        return self.port


class HealthProberTest(unittest.TestCase):
    def setUp(self):
        self.code = 200
        test = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(test.code if self.path == "/health" else 404)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)
        self.stub = _StubVm(self.server.server_address[1])
        self.prober = HealthProber()
        self.addCleanup(self.prober.close)

    def test_thresholds_move_between_states(self):
        self.prober.watch("k", self.stub, path="/health", interval=0.05, healthy_threshold=3,
                          unhealthy_threshold=2)
        self.assertTrue(self.prober.wait_for("k", "HEALTHY", 5))
        self.code = 503
        self.assertTrue(self.prober.wait_for("k", "UNHEALTHY", 5))
        self.assertEqual(self.prober.detail("k"), "HTTP 503")
        self.code = 200
        self.assertTrue(self.prober.wait_for("k", "HEALTHY", 5))
        self.stub.running = False
        self.assertTrue(self.prober.wait_for("k", "UNHEALTHY", 5))
        self.assertEqual(self.prober.detail("k"), "instance STOPPED")

    def test_unknown_until_the_threshold_is_reached(self):
        self.prober.watch("slow", self.stub, path="/health", interval=0.3, healthy_threshold=3)
        time.sleep(0.45)  # two probes at most
        self.assertEqual(self.prober.state("slow"), "UNKNOWN")
        self.assertTrue(self.prober.wait_for("slow", "HEALTHY", 5))

    def test_wrong_path_and_closed_port_are_unhealthy(self):
        self.prober.watch("404", self.stub, path="/missing", interval=0.05)
        self.assertTrue(self.prober.wait_for("404", "UNHEALTHY", 5))
        self.assertEqual(self.prober.detail("404"), "HTTP 404")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            closed = _StubVm(s.getsockname()[1])  # bound, not listening: refused
            self.prober.watch("refused", closed, interval=0.05)
            self.assertTrue(self.prober.wait_for("refused", "UNHEALTHY", 5))
        self.assertIn("ConnectionRefusedError", self.prober.detail("refused"))

    def test_unwatch_and_bad_arguments(self):
        self.prober.watch("k", self.stub)
        self.prober.unwatch("k")
        with self.assertRaisesRegex(KeyError, "no health check watches 'k'"):
            self.prober.state("k")
        with self.assertRaisesRegex(ValueError, "http, https, tcp"):
            self.prober.watch("k", self.stub, protocol="udp")
        with self.assertRaisesRegex(ValueError, "healthy_threshold"):
            self.prober.watch("k", self.stub, healthy_threshold=0)

    def test_usernet_rows(self):
        table = textwrap.dedent("""\
            Hub -1 (net0):
              Protocol[State]    FD  Source Address  Port   Dest. Address  Port RecvQ SendQ
              TCP[SYN_SENT]      25       127.0.0.1 48013       10.0.2.15    80     0     0
              TCP[HOST_FORWARD]  12       127.0.0.1 48013       10.0.2.15    80     0     0
            """)
        self.assertFalse(health.guest_established(table, 48013))
        self.assertTrue(health.guest_established(table.replace("SYN_SENT", "ESTABLISHED"), 48013))
        self.assertFalse(health.guest_established(table.replace("SYN_SENT", "ESTABLISHED"), 48014))


class ConsoleTextTest(unittest.TestCase):
    def test_a_split_utf8_character_waits_for_the_next_read(self):
        euro = "€".encode()  # three bytes
        self.assertEqual(vm._partial_utf8_tail(b"ab" + euro[:1]), 1)
        self.assertEqual(vm._partial_utf8_tail(b"ab" + euro[:2]), 2)
        self.assertEqual(vm._partial_utf8_tail(b"ab" + euro), 0)
        self.assertEqual(vm._partial_utf8_tail(b"ab"), 0)
        self.assertEqual(vm._partial_utf8_tail(b""), 0)


if __name__ == "__main__":
    unittest.main()
