"""Fake-cloud instances that really run: each Vm is a QEMU process booting a published disk image.

The GCE, Azure and AWS fakes share this runtime. A Vm boots its disk through a copy-on-write
overlay in its workdir (the disk itself is never written), forwards guest TCP ports to free
loopback ports, writes its serial console to workdir/serial.log and answers status from QMP.

Every QEMU dies with the process that started it, even on kill -9 of that process, and after a
hard lifetime cap. The process tree of one Vm is

    setpriv --pdeathsig KILL -- timeout --kill-after=10 CAP setpriv --pdeathsig KILL -- qemu ...

so the kernel kills `timeout` when the fake dies, and QEMU when `timeout` dies; `timeout` ends
QEMU at the cap. Environment:

    FAKE_QEMU_ACCEL          tcg (default) or kvm
    FAKE_QEMU_MAX_SECONDS    lifetime cap of each QEMU, default 7200
    FAKE_QEMU_BINARY         QEMU to run (else UNIDEPLOY_QEMU, else qemu-system-x86_64)
    FAKE_QEMU_IMG            qemu-img to run (default qemu-img)
"""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time

from . import processes, qemu_args, qmp
from .health import HealthProber  # noqa: F401  (part of this module's interface)

__all__ = ["Vm", "VmError", "HealthProber"]

FIRMWARES = ("bios", "uefi")
CONTROLLERS = ("virtio-blk", "virtio-scsi", "nvme", "ide")
DISK_FORMATS = ("raw", "qcow2", "vmdk", "vpc", "vhdx")
STARTUP_TIMEOUT = 30.0  # until QEMU answers QMP: the machine is built and the guest is running
PORT_ATTEMPTS = 5       # a port picked free can be taken before QEMU binds it: pick again
CONSOLE_LIMIT = 1 << 20  # most console bytes returned by one call, as Compute Engine's 1 MiB
UNIX_PATH_MAX = 107      # sun_path holds 108 bytes with the terminating NUL

# QMP query-status "status" values -> Vm.status(); anything unlisted is PAUSED.
_QMP_STATUS = {"running": "RUNNING", "guest-panicked": "CRASHED", "shutdown": "STOPPED"}


class VmError(Exception):
    """A Vm could not do what was asked; the message says what failed and what to do."""


class Vm:
    """One instance: a QEMU process booting `disk` (never modified) with its state in `workdir`."""

    def __init__(self, name: str, disk: str, workdir: str, *, guest_ports=(80,), memory_mib=256,
                 firmware="bios", controller="virtio-blk", disk_format="raw",
                 nic="virtio-net-pci", max_lifetime=None, accel=None, no_reboot=False):
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}", name or ""):
            raise VmError(f"bad VM name {name!r}: use 1-128 letters, digits, '.', '_' or '-'")
        if firmware not in FIRMWARES:
            raise VmError(f"bad firmware {firmware!r}: use one of {', '.join(FIRMWARES)}")
        if controller not in CONTROLLERS:
            raise VmError(f"bad controller {controller!r}: use one of {', '.join(CONTROLLERS)}")
        if disk_format not in DISK_FORMATS:
            raise VmError(f"bad disk format {disk_format!r}: use one of {', '.join(DISK_FORMATS)}")
        ports = tuple(guest_ports)
        if any(not isinstance(p, int) or not 1 <= p <= 65535 for p in ports) or len(set(ports)) != len(ports):
            raise VmError(f"bad guest ports {guest_ports!r}: give distinct integers 1-65535")
        if not isinstance(memory_mib, int) or not 16 <= memory_mib <= 65536:
            raise VmError(f"bad memory {memory_mib!r} MiB: give 16-65536")
        self.name = name
        self.disk = os.path.abspath(disk)
        self.workdir = os.path.abspath(workdir)
        self.guest_ports = ports
        self.memory_mib = memory_mib
        self.firmware = firmware
        self.controller = controller
        self.disk_format = disk_format
        self.nic = nic
        self.no_reboot = no_reboot
        self.accel = accel or os.environ.get("FAKE_QEMU_ACCEL", "tcg")
        if self.accel not in ("tcg", "kvm"):
            raise VmError(f"bad accelerator {self.accel!r} (FAKE_QEMU_ACCEL?): use tcg or kvm")
        cap = max_lifetime if max_lifetime is not None else os.environ.get("FAKE_QEMU_MAX_SECONDS", "7200")
        try:
            self.max_lifetime = float(cap)
        except ValueError:
            raise VmError(f"bad lifetime cap {cap!r} (FAKE_QEMU_MAX_SECONDS?): give seconds") from None
        if self.max_lifetime <= 0:
            raise VmError(f"bad lifetime cap {cap!r}: give a positive number of seconds")
        self.serial_log = os.path.join(self.workdir, "serial.log")
        self.qemu_log = os.path.join(self.workdir, "qemu.log")
        self.vm_log = os.path.join(self.workdir, "vm.log")
        self.pid_file = os.path.join(self.workdir, "qemu.pid")
        self.overlay = os.path.join(self.workdir, "disk-overlay.qcow2")
        self._lock = threading.RLock()
        self._qmp_lock = threading.Lock()
        self._proc = None
        self._ports = {}
        self._run_dir = None
        self._stopping = False
        self._exit_reason = None
        self._overlay_made = False
        self.started_at = None

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Starts QEMU and returns once it runs the guest (QMP answers); does not wait for boot."""
        with self._lock:
            if self._proc is not None and self._proc.poll() is None:
                raise VmError(f"VM {self.name} is already running (pid {self.pid}): stop() it first")
            if not os.path.isfile(self.disk):
                raise VmError(f"VM {self.name}: disk {self.disk} does not exist (was the image deleted?)")
            self._check_format()
            os.makedirs(self.workdir, exist_ok=True)
            if not self._overlay_made:
                self._make_overlay()
            self._run_dir = self._private_dir()
            qmp_sock = os.path.join(self._run_dir, "qmp.sock")
            last_error = None
            for attempt in range(1, PORT_ATTEMPTS + 1):
                processes.release_ports(self._ports.values())
                self._ports = {p: processes.reserve_port() for p in self.guest_ports}
                try:
                    self._launch(qmp_sock)
                    self._log(f"started (pid {self.pid}), ports {self._ports}, accel {self.accel}")
                    return
                except _PortTaken as e:
                    last_error = e
                    self._log(f"attempt {attempt}: a forwarded port was taken ({e}); picking others")
            processes.release_ports(self._ports.values())
            raise VmError(f"VM {self.name}: QEMU could not bind its forwarded ports after "
                          f"{PORT_ATTEMPTS} attempts ({last_error}); see {self.qemu_log}")

    def stop(self, grace: float = 5.0) -> None:
        """Powers off like a cloud's stop: ACPI power button, then after `grace` s a hard kill.

        Idempotent; returns once QEMU and its wrappers are gone.
        """
        with self._lock:
            proc = self._proc
            if proc is None or (proc.poll() is not None and self._exit_reason is not None):
                return
            self._stopping = True
        if proc.poll() is None and grace > 0:
            try:
                self._qmp("system_powerdown", timeout=min(grace, 2.0))
                self._wait(proc, grace)
            except qmp.QmpError:
                pass
        if proc.poll() is None:
            self._log(f"no power-off within {grace:g} s: killing QEMU")
            processes.signal_group(proc.pid, signal.SIGTERM)
            self._wait(proc, 3.0)
        if proc.poll() is None:
            processes.signal_group(proc.pid, signal.SIGKILL)
            proc.wait()
        with self._lock:
            # QEMU runs in the wrapper's process group; one that outlived its wrapper must still
            # go, by the pid it wrote itself.
            self._kill_leftover_qemu()
            self._ended(proc)

    def status(self) -> str:
        """RUNNING, PAUSED (QEMU paused, internal error), STOPPED (never started, stopped, powered
        off, lifetime cap) or CRASHED (QEMU died, guest-panicked)."""
        with self._lock:
            proc = self._proc
            if proc is None:
                return "STOPPED"
            if proc.poll() is not None:
                return self._ended(proc)
        try:
            st = self._qmp("query-status")
        except qmp.QmpError as e:
            with self._lock:
                if proc.poll() is not None:
                    return self._ended(proc)
            self._log(f"query-status failed while QEMU runs ({e}); reporting RUNNING")
            return "RUNNING"
        return _QMP_STATUS.get(st.get("status"), "PAUSED")

    def _ended(self, proc):
        """Records once why QEMU ended and frees what it held; returns STOPPED or CRASHED."""
        if self._exit_reason is None:
            self._exit_reason = self._classify_exit(proc.returncode)
            self._log(f"ended: {self._exit_reason} (wrapper exit {proc.returncode})")
            processes.release_ports(self._ports.values())
            self._cleanup_run_dir()
        return "CRASHED" if self._exit_reason.startswith("crashed") else "STOPPED"

    def exit_reason(self):
        """Why QEMU ended ("stopped", "powered off", "lifetime cap", "crashed: ..."), or None."""
        self.status()
        return self._exit_reason

    # --- access ---------------------------------------------------------------------------------

    @property
    def pid(self):
        """QEMU's pid (from its pid file), or None before it wrote one."""
        try:
            with open(self.pid_file) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def host_port(self, guest_port: int) -> int:
        """The loopback port forwarded to `guest_port` (stays known after stop; refused then)."""
        with self._lock:
            if guest_port not in self.guest_ports:
                raise VmError(f"VM {self.name} does not forward guest port {guest_port} "
                              f"(forwarded: {list(self.guest_ports)})")
            if guest_port not in self._ports:
                raise VmError(f"VM {self.name} has not been started: no host port yet")
            return self._ports[guest_port]

    def console(self, start: int = 0, limit: int = CONSOLE_LIMIT) -> tuple:
        """Serial output from byte offset `start` (at most `limit` bytes) and the next offset.

        A character split by the end of the output so far is left for the next call.
        """
        if start < 0:
            raise VmError(f"console offset must be >= 0, was {start}")
        try:
            with open(self.serial_log, "rb") as f:
                f.seek(0, os.SEEK_END)
                size = f.tell()
                start = min(start, size)
                f.seek(start)
                data = f.read(max(0, min(limit, size - start)))
        except FileNotFoundError:
            return "", 0
        data = data[:len(data) - _partial_utf8_tail(data)]
        return data.decode("utf-8", errors="replace"), start + len(data)

    def wait_console(self, pattern, timeout: float, start: int = 0):
        """Waits until a console line matches `pattern` (regex); returns the match or None.

        Stops early, returning None, when QEMU is no longer running.
        """
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        text, offset = "", start
        while True:
            chunk, offset = self.console(offset)
            text += chunk
            m = rx.search(text)
            if m:
                return m
            text = text[-4096:]  # a line split across reads still matches
            if time.monotonic() >= deadline:
                return None
            if self._proc is None or self._proc.poll() is not None:
                chunk, offset = self.console(offset)
                m = rx.search(text + chunk)
                return m
            time.sleep(0.1)

    def hmp(self, line: str, timeout: float = 5.0) -> str:
        """A human-monitor command's output, e.g. hmp("info usernet")."""
        return self._qmp("human-monitor-command", {"command-line": line}, timeout)

    def _qmp(self, name, arguments=None, timeout=5.0):
        # One command at a time: QEMU serves one QMP client per socket, a second one would wait.
        with self._qmp_lock:
            return qmp.command(self._qmp_path(), name, arguments, timeout)

    # --- internals ------------------------------------------------------------------------------

    def _check_format(self):
        with open(self.disk, "rb") as f:
            magic = f.read(4)
        if self.disk_format == "raw" and magic == b"QFI\xfb":
            raise VmError(f"VM {self.name}: {self.disk} is a qcow2 image but disk_format='raw' "
                          "was given: pass disk_format='qcow2'")

    def _make_overlay(self):
        qemu_img = os.environ.get("FAKE_QEMU_IMG", "qemu-img")
        if os.path.exists(self.overlay):
            os.remove(self.overlay)
        cmd = [qemu_img, "create", "-q", "-f", "qcow2", "-F", self.disk_format, "-b", self.disk, self.overlay]
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        except FileNotFoundError:
            raise VmError(f"{qemu_img} not found: install qemu-utils (apt-get install qemu-utils)") from None
        if r.returncode != 0:
            raise VmError(f"VM {self.name}: qemu-img could not create an overlay on {self.disk}: "
                          f"{r.stderr.strip()}")
        self._overlay_made = True

    def _private_dir(self):
        run = os.path.join(self.workdir, "run")
        os.makedirs(run, mode=0o700, exist_ok=True)
        os.chmod(run, 0o700)
        if len(os.path.join(run, "qmp.sock")) <= UNIX_PATH_MAX:
            return run
        # A deep workdir would overflow sun_path: use a short private directory instead.
        return tempfile.mkdtemp(prefix=f"fakevm-{self.name[:20]}-")

    def _qmp_path(self):
        if self._run_dir is None:
            raise qmp.QmpError(f"VM {self.name} has no QMP socket (not started)")
        return os.path.join(self._run_dir, "qmp.sock")

    def _launch(self, qmp_sock):
        for path in (qmp_sock, self.pid_file):
            if os.path.exists(path):
                os.remove(path)
        try:
            cmd = processes.wrapped(qemu_args.qemu_args(self, self._ports, qmp_sock), self.max_lifetime)
        except qemu_args.QemuArgsError as e:
            raise VmError(str(e)) from None
        self._log("command: " + " ".join(cmd))
        self._stopping = False
        self._exit_reason = None
        with open(self.qemu_log, "ab") as log:
            log.write(f"--- {time.strftime('%Y-%m-%dT%H:%M:%S')} start {self.name}\n".encode())
            log.flush()
            proc = processes.popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                  cwd=self.workdir, start_new_session=True)
        self._proc = proc
        self.started_at = time.time()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            code = proc.poll()
            if code is not None:
                tail = _tail(self.qemu_log, 2000)
                if "host forwarding rule" in tail or "Address already in use" in tail:
                    raise _PortTaken(tail.strip().splitlines()[-1])
                self._exit_reason = f"crashed: QEMU exited during start-up ({code})"
                raise VmError(f"VM {self.name}: QEMU exited during start-up with {code}: "
                              f"{tail.strip()[-600:]} (full log: {self.qemu_log})")
            if os.path.exists(qmp_sock):
                try:
                    qmp.command(qmp_sock, "query-status", timeout=2.0)
                    return
                except qmp.QmpError:
                    pass
            if time.monotonic() > deadline:
                processes.signal_group(proc.pid, signal.SIGKILL)
                proc.wait()
                raise VmError(f"VM {self.name}: QEMU did not answer on QMP within {STARTUP_TIMEOUT:.0f} s; "
                              f"see {self.qemu_log}")
            time.sleep(0.05)

    def _classify_exit(self, code):
        if self._stopping:
            return "stopped"
        if code == 124:
            return f"lifetime cap ({self.max_lifetime:g} s)"
        if code == 0:
            return "powered off"
        if code < 0:
            return f"crashed: killed by signal {-code}"
        return f"crashed: QEMU exited with {code}; see {self.qemu_log}"

    def _kill_leftover_qemu(self):
        pid = self.pid
        if pid is None:
            return
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read()
        except OSError:
            return
        if self.pid_file.encode() in cmdline:  # the pid was not reused by another process
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def _cleanup_run_dir(self):
        if self._run_dir and os.path.dirname(self._run_dir) != self.workdir:
            shutil.rmtree(self._run_dir, ignore_errors=True)

    @staticmethod
    def _wait(proc, seconds):
        try:
            proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            pass

    def _log(self, message):
        try:
            with open(self.vm_log, "a") as f:
                f.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {self.name}: {message}\n")
        except OSError:
            pass  # a missing log must not fail the instance

    def __repr__(self):
        return f"Vm({self.name!r}, {self.firmware}, {self.controller}, ports={self._ports})"


class _PortTaken(Exception):
    pass


def _partial_utf8_tail(data):
    """How many bytes at the end of `data` start a UTF-8 character that is not complete yet."""
    for back in range(1, min(4, len(data)) + 1):
        b = data[-back]
        if b & 0xC0 == 0x80:
            continue  # continuation byte: look further back for the lead byte
        need = 2 if b & 0xE0 == 0xC0 else 3 if b & 0xF0 == 0xE0 else 4 if b & 0xF8 == 0xF0 else 1
        return back if need > back else 0
    return 0


def _tail(path, n):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - n))
            return f.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
